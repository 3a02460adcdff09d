/*
 * ring: M processes in a ring pass a token K times around.
 *
 *   weft run examples/wasm/ring/ring.wasm [M [K]]      (default M = 100 processes, K = 10 laps)
 *
 * main spawns M processes of the export `ring_node`, sends each the pid of its successor (NEXT),
 * then gives the token (a hop counter) to the first one. Every node increments the counter and
 * passes it on; the node that makes it reach M * K hands it back to main (DONE). main then stops
 * every node (STOP) and prints the number of hops. Exits 0, or 1 if the token does not come back.
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); ring.wasm is committed next to this file.
 */
#include <stdio.h>
#include <stdlib.h>

#include <weft/weft.h>

enum { NEXT = 1, TOKEN = 2, DONE = 3, STOP = 4 };

/* Token payload: hops so far and the total to reach. */
typedef struct {
    uint64_t hops;
    uint64_t total;
} token;

__attribute__((export_name("ring_node")))
void ring_node(uint64_t parent) {
    uint64_t next;
    weft_message m;
    int64_t first[] = { NEXT };
    if (weft_receive(first, 1, WEFT_FOREVER, &next, sizeof next, &m) != WEFT_DATA) return;
    int64_t tags[] = { TOKEN, STOP };
    for (;;) {
        token t;
        if (weft_receive(tags, 2, WEFT_FOREVER, &t, sizeof t, &m) != WEFT_DATA || m.tag == STOP) return;
        t.hops++;
        if (t.hops == t.total) {
            weft_send(parent, DONE, &t, sizeof t);
        } else {
            weft_send(next, TOKEN, &t, sizeof t);
        }
    }
}

int main(int argc, char **argv) {
    int m_procs = argc > 1 ? atoi(argv[1]) : 100;
    int laps = argc > 2 ? atoi(argv[2]) : 10;
    if (m_procs <= 0 || laps <= 0) {
        fprintf(stderr, "ring: M and K must be positive\n");
        return 2;
    }
    printf("ring: %d processes, %d laps\n", m_procs, laps);
    uint64_t *pids = calloc((size_t)m_procs, sizeof *pids);
    if (pids == NULL) return 1;
    weft_arg args[] = { weft_i64((int64_t)weft_self()) };
    for (int i = 0; i < m_procs; i++) {
        if (weft_spawn(0, "ring_node", args, 1, &pids[i]) != WEFT_OK) {
            printf("spawn %d failed\n", i);
            return 1;
        }
    }
    for (int i = 0; i < m_procs; i++) {
        uint64_t next = pids[(i + 1) % m_procs];
        weft_send(pids[i], NEXT, &next, sizeof next);
    }
    token t = { 0, (uint64_t)m_procs * (uint64_t)laps };
    weft_send(pids[0], TOKEN, &t, sizeof t);
    int64_t tags[] = { DONE };
    weft_message msg;
    token back = { 0, 0 };
    if (weft_receive(tags, 1, 30000, &back, sizeof back, &msg) != WEFT_DATA) {
        printf("the token did not come back\n");
        return 1;
    }
    for (int i = 0; i < m_procs; i++) {
        weft_send(pids[i], STOP, NULL, 0);
    }
    printf("hops: %llu\n", (unsigned long long)back.hops);
    if (back.hops != t.total) {
        printf("expected %llu hops\n", (unsigned long long)t.total);
        return 1;
    }
    printf("ok\n");
    return 0;
}
