/*
 * bench_guests: the five benchmarks of bench/run (and the idle-processes one) as Wasm processes.
 *
 * One reactor module (no main), one export per process role. bench/run (WasmBenchmarks.java) spawns
 * a driver export per round from a Java process, with the Java process's pid as `host`. Every
 * driver first gets its helpers running (so no timed message waits for a Wasm instance to be
 * created, except in spawn, skynet and fan-in, where spawning is part of the work), sends READY
 * to the host, waits for GO, does the work, and sends DONE (with a result, where there is one).
 * The host times from sending GO to receiving DONE. The programs mirror
 * bench/erlang/weft_bench.erl and WeftBenchmarks.java step by step.
 *
 * Build: ./build.sh (clang --target=wasm32-wasi, reactor); bench_guests.wasm is committed next to
 * this file. Only lunatic::* is imported: the processes run without WASI.
 */
#include <weft/weft.h>

enum {
    GO = 1,      /* host -> driver: start timing now */
    READY = 2,   /* driver -> host: set up, waiting for GO */
    DONE = 3,    /* driver -> host: finished; data: a result (i64) where there is one */
    REPLY = 4,   /* spawn: child -> driver */
    PID = 5,     /* data: a pid (u64) */
    VALUE = 6,   /* data: a number (i64) */
    STOP = 7,    /* no data: end the loop */
};

static void send_i64(uint64_t to, int64_t tag, int64_t value) {
    weft_send(to, tag, &value, sizeof value);
}

static void send_empty(uint64_t to, int64_t tag) {
    lunatic_message_create_data(tag, 0);
    lunatic_message_send(to);
}

/* Waits for a message with tag; returns its first 8 bytes as a number (0 if shorter). */
static int64_t receive_i64(int64_t tag) {
    int64_t tags[] = { tag };
    int64_t value = 0;
    weft_receive(tags, 1, WEFT_FOREVER, &value, sizeof value, NULL);
    return value;
}

/* Tells the host this driver is ready and waits for its GO. */
static void ready(uint64_t host) {
    send_empty(host, READY);
    receive_i64(GO);
}

static void spawn_or_trap(const char *export_name, const weft_arg *args, size_t nargs, uint64_t *pid) {
    if (weft_spawn(0, export_name, args, nargs, pid) != WEFT_OK) {
        __builtin_trap();
    }
}

/* ---- (a) spawn + one message + exit ------------------------------------------------------------ */

/* Gets one message (its parent's pid), replies and ends. */
__attribute__((export_name("spawn_child")))
void spawn_child(void) {
    uint64_t parent = (uint64_t)receive_i64(PID);
    send_empty(parent, REPLY);
}

/* Spawns n children, sends each its own pid, then waits for the n replies. */
__attribute__((export_name("spawn_driver")))
void spawn_driver(uint64_t host, int32_t n) {
    uint64_t me = weft_self();
    ready(host);
    for (int32_t i = 0; i < n; i++) {
        uint64_t child;
        spawn_or_trap("spawn_child", NULL, 0, &child);
        send_i64(child, PID, (int64_t)me);
    }
    int64_t tags[] = { REPLY };
    for (int32_t i = 0; i < n; i++) {
        weft_receive(tags, 1, WEFT_FOREVER, NULL, 0, NULL);
    }
    send_empty(host, DONE);
}

/* ---- (b) ping-pong ----------------------------------------------------------------------------- */

/* Sends every VALUE back to ping until STOP. */
__attribute__((export_name("pong")))
void pong(uint64_t ping) {
    int64_t tags[] = { VALUE, STOP };
    for (;;) {
        int64_t value = 0;
        weft_message m;
        weft_receive(tags, 2, WEFT_FOREVER, &value, sizeof value, &m);
        if (m.tag == STOP) {
            return;
        }
        send_i64(ping, VALUE, value);
    }
}

/* Ping: bounces a number off pong, messages / 2 times each way. */
__attribute__((export_name("pingpong_driver")))
void pingpong_driver(uint64_t host, int32_t messages) {
    weft_arg args[] = { weft_i64((int64_t)weft_self()) };
    uint64_t other;
    spawn_or_trap("pong", args, 1, &other);
    send_i64(other, VALUE, -1); /* one round trip before the clock starts: pong is running */
    receive_i64(VALUE);
    ready(host);
    for (int32_t i = messages / 2; i > 0; i--) {
        send_i64(other, VALUE, i);
        receive_i64(VALUE);
    }
    send_empty(other, STOP);
    send_empty(host, DONE);
}

/* ---- (c) thread ring --------------------------------------------------------------------------- */

/*
 * One process of the ring: passes the counter on, decremented; the one that gets 0 tells the
 * driver. next = 0: the first process, which gets its next (the last one spawned) in a PID message.
 */
__attribute__((export_name("ring_node")))
void ring_node(uint64_t next, uint64_t driver) {
    if (next == 0) {
        next = (uint64_t)receive_i64(PID);
    }
    int64_t tags[] = { VALUE, STOP };
    for (;;) {
        int64_t n = 0;
        weft_message m;
        weft_receive(tags, 2, WEFT_FOREVER, &n, sizeof n, &m);
        if (m.tag == STOP) {
            send_empty(next, STOP);
            return;
        }
        if (n == 0) {
            send_empty(driver, DONE);
        } else {
            send_i64(next, VALUE, n - 1);
        }
    }
}

/* Builds a ring of size processes, sends one lap to get them all running, then the timed token. */
__attribute__((export_name("ring_driver")))
void ring_driver(uint64_t host, int32_t size, int32_t hops) {
    uint64_t me = weft_self();
    weft_arg args[] = { weft_i64(0), weft_i64((int64_t)me) };
    uint64_t first;
    spawn_or_trap("ring_node", args, 2, &first);
    uint64_t next = first;
    for (int32_t i = 2; i <= size; i++) {
        weft_arg a[] = { weft_i64((int64_t)next), weft_i64((int64_t)me) };
        spawn_or_trap("ring_node", a, 2, &next);
    }
    send_i64(first, PID, (int64_t)next); /* close the ring */
    int64_t done[] = { DONE };
    send_i64(first, VALUE, size);        /* warm-up lap: every process has started */
    weft_receive(done, 1, WEFT_FOREVER, NULL, 0, NULL);
    ready(host);
    send_i64(first, VALUE, hops);
    weft_receive(done, 1, WEFT_FOREVER, NULL, 0, NULL);
    send_empty(host, DONE);
    send_empty(first, STOP);
}

/* ---- (d) skynet -------------------------------------------------------------------------------- */

/* A leaf (size 1) replies its number; an inner process spawns 10 children and replies their sum. */
__attribute__((export_name("skynet_node")))
void skynet_node(uint64_t parent, int64_t num, int64_t size) {
    if (size == 1) {
        send_i64(parent, VALUE, num);
        return;
    }
    uint64_t me = weft_self();
    int64_t sub = size / 10;
    for (int i = 0; i < 10; i++) {
        weft_arg args[] = { weft_i64((int64_t)me), weft_i64(num + i * sub), weft_i64(sub) };
        uint64_t child;
        spawn_or_trap("skynet_node", args, 3, &child);
    }
    int64_t sum = 0;
    for (int i = 0; i < 10; i++) {
        sum += receive_i64(VALUE);
    }
    send_i64(parent, VALUE, sum);
}

/* Runs a skynet of `leaves` leaves; DONE carries the sum. */
__attribute__((export_name("skynet_driver")))
void skynet_driver(uint64_t host, int64_t leaves) {
    uint64_t me = weft_self();
    ready(host);
    weft_arg args[] = { weft_i64((int64_t)me), weft_i64(0), weft_i64(leaves) };
    uint64_t root;
    spawn_or_trap("skynet_node", args, 3, &root);
    send_i64(host, DONE, receive_i64(VALUE));
}

/* ---- (e) fan-in -------------------------------------------------------------------------------- */

/* Sends `count` numbers to the receiver. */
__attribute__((export_name("fanin_sender")))
void fanin_sender(uint64_t receiver, int32_t count) {
    for (int32_t i = count; i > 0; i--) {
        send_i64(receiver, VALUE, i);
    }
}

/* The receiver: spawns the senders and counts their messages; DONE carries the count. */
__attribute__((export_name("fanin_driver")))
void fanin_driver(uint64_t host, int32_t senders, int32_t per_sender) {
    uint64_t me = weft_self();
    ready(host);
    for (int32_t s = 0; s < senders; s++) {
        weft_arg args[] = { weft_i64((int64_t)me), weft_i32(per_sender) };
        uint64_t pid;
        spawn_or_trap("fanin_sender", args, 2, &pid);
    }
    int64_t total = (int64_t)senders * per_sender;
    int64_t tags[] = { VALUE };
    int64_t got = 0;
    for (; got < total; got++) {
        weft_receive(tags, 1, WEFT_FOREVER, NULL, 0, NULL);
    }
    send_i64(host, DONE, got);
}

/* ---- idle processes ---------------------------------------------------------------------------- */

/* Tells the host it is running, then blocks in receive until a STOP arrives (idle processes). */
__attribute__((export_name("idle")))
void idle(uint64_t host) {
    send_empty(host, READY);
    receive_i64(STOP);
}
