/*
 * spawn_many: N short-lived processes, each replies once and ends.
 *
 *   weft run examples/wasm/spawn_many/spawn_many.wasm [N]      (default N = 1000)
 *
 * main spawns N processes of the export `square`, the i-th with the arguments (main's pid, i).
 * Each sends back i * i + 1 and returns. main adds up the N replies, in whatever order they come,
 * and checks the sum against the formula. Prints the count, the sum and "ok"; exits 0, or 1 on a
 * missing reply or a wrong sum.
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); spawn_many.wasm is committed next to this file.
 */
#include <stdio.h>
#include <stdlib.h>

#include <weft/weft.h>

enum { REPLY = 1 };

__attribute__((export_name("square")))
void square(uint64_t parent, int32_t i) {
    uint64_t value = (uint64_t)i * (uint64_t)i + 1;
    weft_send(parent, REPLY, &value, sizeof value);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    if (n <= 0) {
        fprintf(stderr, "spawn_many: N must be positive\n");
        return 2;
    }
    printf("spawn_many: %d processes\n", n);
    uint64_t me = weft_self();
    for (int i = 0; i < n; i++) {
        weft_arg args[] = { weft_i64((int64_t)me), weft_i32(i) };
        uint64_t pid;
        if (weft_spawn(0, "square", args, 2, &pid) != WEFT_OK) {
            char text[256];
            weft_error_message(pid, text, sizeof text);
            printf("spawn %d failed: %s\n", i, text);
            return 1;
        }
    }
    int64_t tags[] = { REPLY };
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        uint64_t value = 0;
        weft_message m;
        if (weft_receive(tags, 1, 30000, &value, sizeof value, &m) != WEFT_DATA) {
            printf("only %d replies\n", i);
            return 1;
        }
        sum += value;
    }
    /* sum of (i^2 + 1) for i = 0 .. n-1 */
    uint64_t k = (uint64_t)n;
    uint64_t expected = (k - 1) * k * (2 * k - 1) / 6 + k;
    printf("replies: %d\n", n);
    printf("sum: %llu (expected %llu)\n", (unsigned long long)sum, (unsigned long long)expected);
    if (sum != expected) return 1;
    printf("ok\n");
    return 0;
}
