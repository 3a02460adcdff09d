/*
 * pingpong: two processes exchange tagged messages.
 *
 *   weft run examples/wasm/pingpong/pingpong.wasm [N]      (N round trips, default 1000)
 *
 * main spawns the export `ponger` with its own pid and N as arguments, then sends N PING messages,
 * each carrying a counter, and waits for the matching PONG (counter + 1) after each one.
 * Prints the number of round trips and "ok"; exits 0, or 1 if a reply is missing or wrong.
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); pingpong.wasm is committed next to this file.
 */
#include <stdio.h>
#include <stdlib.h>

#include <weft/weft.h>

enum { PING = 1, PONG = 2 };

/* Answers n PINGs from parent with PONG(counter + 1), then returns (ends normally). */
__attribute__((export_name("ponger")))
void ponger(uint64_t parent, int32_t n) {
    int64_t tags[] = { PING };
    for (int32_t i = 0; i < n; i++) {
        uint64_t counter;
        weft_message m;
        if (weft_receive(tags, 1, WEFT_FOREVER, &counter, sizeof counter, &m) != WEFT_DATA) return;
        counter++;
        weft_send(parent, PONG, &counter, sizeof counter);
    }
}

int main(int argc, char **argv) {
    int32_t n = argc > 1 ? atoi(argv[1]) : 1000;
    if (n <= 0) {
        fprintf(stderr, "pingpong: N must be positive\n");
        return 2;
    }
    printf("pingpong: %d round trips\n", (int)n);
    weft_arg args[] = { weft_i64((int64_t)weft_self()), weft_i32(n) };
    uint64_t ponger_pid;
    if (weft_spawn(0, "ponger", args, 2, &ponger_pid) != WEFT_OK) {
        char text[256];
        weft_error_message(ponger_pid, text, sizeof text);
        printf("spawn failed: %s\n", text);
        return 1;
    }
    int64_t tags[] = { PONG };
    uint64_t exchanged = 0;
    for (int32_t i = 0; i < n; i++) {
        uint64_t counter = (uint64_t)i * 2;
        weft_send(ponger_pid, PING, &counter, sizeof counter);
        uint64_t reply = 0;
        weft_message m;
        if (weft_receive(tags, 1, 10000, &reply, sizeof reply, &m) != WEFT_DATA) {
            printf("no reply to ping %d\n", (int)i);
            return 1;
        }
        if (m.len != sizeof reply || reply != counter + 1) {
            printf("wrong reply to ping %d: %llu\n", (int)i, (unsigned long long)reply);
            return 1;
        }
        exchanged++;
    }
    printf("exchanged %llu pings and %llu pongs\n", (unsigned long long)exchanged,
           (unsigned long long)exchanged);
    printf("ok\n");
    return 0;
}
