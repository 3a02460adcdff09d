/*
 * A supervision tree of Wasm workers (weft::supervisor). The tree:
 *
 *   root (one_for_one, at most 5 restarts in 5 s)
 *   ├── worker-1
 *   └── pool (a supervisor, one_for_one)
 *       ├── worker-2
 *       └── worker-3
 *
 * Each worker registers itself under its name and answers requests. main() sends every worker a
 * request in each round; in round 2 it asks worker-2 to crash (the worker traps), and in round 3
 * worker-1: their supervisors restart them and the tree keeps serving. The output shows each
 * restart with the old and the new pid.
 *
 *   ./weft run examples/wasm/supervisor/supervisor.wasm
 */
#include <stdio.h>
#include <string.h>
#include <weft/supervisor.h>

enum { REQUEST = 1, REPLY = 2 };
enum { SERVE = 0, CRASH = 1 };

typedef struct {
    uint64_t from;
    int32_t op;
} request;

/* worker(n): registers as worker-n, then answers requests forever; CRASH traps. */
__attribute__((export_name("worker"))) void worker(int32_t n) {
    char name[16];
    snprintf(name, sizeof name, "worker-%d", (int)n);
    weft_register(name, weft_self());
    for (;;) {
        request req;
        weft_message m;
        int64_t tags[] = { REQUEST };
        if (weft_receive(tags, 1, WEFT_FOREVER, &req, sizeof req, &m) != WEFT_DATA) {
            continue;
        }
        if (req.op == CRASH) {
            __builtin_trap(); /* a bug: the process fails, its supervisor restarts it */
        }
        uint64_t me = weft_self();
        weft_send(req.from, REPLY, &me, sizeof me);
    }
}

static int add_worker(int64_t spec, int n) {
    char id[16];
    snprintf(id, sizeof id, "worker-%d", n);
    weft_arg args[] = { weft_i32(n) };
    uint64_t child;
    if (weft_sup_worker(id, "worker", args, 1, WEFT_PERMANENT, 1000, &child) != WEFT_OK) {
        char text[256];
        weft_error_message(child, text, sizeof text);
        fprintf(stderr, "cannot make %s: %s\n", id, text);
        return 0;
    }
    weft_supervisor_add_child(spec, (int64_t)child);
    return 1;
}

/* The pid registered as worker-n, waiting up to a second for it (and for it to differ from not). */
static uint64_t find(int n, uint64_t not) {
    char name[16];
    snprintf(name, sizeof name, "worker-%d", n);
    for (int i = 0; i < 1000; i++) {
        uint64_t pid;
        if (weft_whereis(name, &pid) == WEFT_OK && pid != not) {
            return pid;
        }
        weft_sleep_ms(1);
    }
    return 0;
}

int main(void) {
    int64_t pool = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 5, 5000);
    int64_t root = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 5, 5000);
    if (!add_worker(pool, 2) || !add_worker(pool, 3) || !add_worker(root, 1)) {
        return 1;
    }
    weft_supervisor_add_child(root, weft_supervisor_supervisor_child("pool", 4, pool));
    uint64_t sup;
    if (weft_supervisor_start(root, &sup) != WEFT_OK) {
        char text[256];
        weft_error_message(sup, text, sizeof text);
        fprintf(stderr, "the tree did not start: %s\n", text);
        return 1;
    }
    printf("supervision tree started (root supervisor %llu)\n", (unsigned long long)sup);

    uint64_t pids[4] = {0};
    for (int round = 1; round <= 3; round++) {
        for (int n = 1; n <= 3; n++) {
            uint64_t pid = find(n, 0);
            if (pid != pids[n] && pids[n] != 0) {
                printf("  worker-%d was restarted: pid %llu -> %llu\n", n, (unsigned long long)pids[n],
                       (unsigned long long)pid);
            }
            pids[n] = pid;
            request req = { weft_self(), SERVE };
            weft_send(pid, REQUEST, &req, sizeof req);
            uint64_t answer;
            weft_message m;
            int64_t tags[] = { REPLY };
            if (weft_receive(tags, 1, 5000, &answer, sizeof answer, &m) != WEFT_DATA) {
                fprintf(stderr, "worker-%d did not answer\n", n);
                return 1;
            }
            printf("round %d: worker-%d (pid %llu) served a request\n", round, n, (unsigned long long)answer);
        }
        int victim = round == 1 ? 2 : round == 2 ? 1 : 0;
        if (victim) {
            printf("round %d: asking worker-%d to crash\n", round, victim);
            request req = { weft_self(), CRASH };
            weft_send(pids[victim], REQUEST, &req, sizeof req);
            find(victim, pids[victim]); /* wait for its replacement */
        }
    }

    weft_child_count count;
    weft_supervisor_count_children(sup, &count);
    printf("root supervisor: %u children (%u supervisor, %u worker), %u running\n", count.specs,
           count.supervisors, count.workers, count.active);
    weft_child_info children[4];
    uint32_t n = 0;
    weft_supervisor_which_children(sup, children, 4, &n);
    for (uint32_t i = 0; i < n && i < 4; i++) {
        printf("  %s: %s, pid %llu\n", children[i].id, children[i].type ? "supervisor" : "worker",
               (unsigned long long)children[i].pid);
    }
    weft_supervisor_stop(sup);
    printf("tree stopped\n");
    return 0;
}
