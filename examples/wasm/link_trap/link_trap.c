/*
 * link_trap: links and trapping exits.
 *
 *   weft run examples/wasm/link_trap/link_trap.wasm
 *
 * main traps exits (weft_trap_exit(1), i.e. lunatic_process_die_when_link_dies(0)), so a failing
 * linked process does not kill it. Then:
 *   1. it spawns `crasher` linked with tag 42; crasher traps (__builtin_trap), and main receives a
 *      WEFT_LINK_DIED message (receive code 1) whose tag is the link's tag, 42;
 *   2. it spawns `quitter` linked with tag 43 and also monitors it; quitter returns normally when
 *      told to. main receives the monitor's WEFT_PROCESS_DIED message, and then no WEFT_LINK_DIED
 *      message: as in Lunatic, links that end normally send nothing.
 * Exits 0 when both behave so, 1 otherwise.
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); link_trap.wasm is committed next to this file.
 */
#include <stdio.h>

#include <weft/weft.h>

enum { GO = 1, CRASHER_LINK = 42, QUITTER_LINK = 43 };

static const char *kind_name(int kind) {
    switch (kind) {
    case WEFT_DATA: return "data";
    case WEFT_LINK_DIED: return "link died";
    case WEFT_PROCESS_DIED: return "process died";
    case WEFT_TIMEOUT: return "timeout";
    default: return "unknown";
    }
}

__attribute__((export_name("crasher")))
void crasher(void) {
    __builtin_trap();
}

__attribute__((export_name("quitter")))
void quitter(void) {
    int64_t tags[] = { GO };
    weft_receive(tags, 1, WEFT_FOREVER, NULL, 0, NULL);
}

int main(void) {
    weft_trap_exit(1);
    printf("main traps exits\n");

    uint64_t crasher_pid;
    if (weft_spawn(CRASHER_LINK, "crasher", NULL, 0, &crasher_pid) != WEFT_OK) {
        printf("spawn crasher failed\n");
        return 1;
    }
    printf("spawned crasher, linked with tag %d\n", CRASHER_LINK);
    weft_message m;
    int kind = weft_receive(NULL, 0, 10000, NULL, 0, &m);
    printf("crasher: received code %d (%s), tag %lld\n", kind, kind_name(kind),
           kind == WEFT_TIMEOUT ? 0LL : (long long)m.tag);
    if (kind != WEFT_LINK_DIED || m.tag != CRASHER_LINK) {
        printf("expected a link-died message with tag %d\n", CRASHER_LINK);
        return 1;
    }

    uint64_t quitter_pid;
    if (weft_spawn(QUITTER_LINK, "quitter", NULL, 0, &quitter_pid) != WEFT_OK) {
        printf("spawn quitter failed\n");
        return 1;
    }
    lunatic_process_monitor(quitter_pid);
    printf("spawned quitter, linked with tag %d and monitored\n", QUITTER_LINK);
    weft_send(quitter_pid, GO, NULL, 0);
    kind = weft_receive(NULL, 0, 10000, NULL, 0, &m);
    printf("quitter: received code %d (%s)%s\n", kind, kind_name(kind),
           kind == WEFT_PROCESS_DIED && m.pid == quitter_pid ? ", from quitter" : "");
    if (kind != WEFT_PROCESS_DIED || m.pid != quitter_pid) {
        printf("expected the monitor's process-died message\n");
        return 1;
    }
    kind = weft_receive(NULL, 0, 200, NULL, 0, &m);
    printf("quitter: then code %d (%s): a normal exit sends no link-died message\n", kind,
           kind_name(kind));
    if (kind != WEFT_TIMEOUT) {
        return 1;
    }
    printf("ok\n");
    return 0;
}
