/*
 * Test guest for weft::supervisor (WeftSupervisorHostTest): every function, with Wasm workers of
 * this module. Reports go to the Java process `to` as data messages (tag 0) of int64 values.
 */
#include <stdint.h>
#include <string.h>
#include <weft/supervisor.h>

#define EXPORT(name) __attribute__((export_name(name)))

static void report(uint64_t to, const int64_t *values, size_t n) {
    weft_send(to, 0, values, n * sizeof(int64_t));
}

static void report1(uint64_t to, int64_t v) {
    report(to, &v, 1);
}

static void report_error(uint64_t to, uint64_t error_id) {
    static char text[512];
    size_t n = weft_error_message(error_id, text, sizeof text);
    weft_send(to, 0, text, n);
}

/* serve(): waits for messages forever; a message with tag 13 makes it trap */
EXPORT("serve") void serve(void) {
    for (;;) {
        weft_message m;
        weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, &m);
        if (m.tag == 13) {
            __builtin_trap();
        }
    }
}

/* announce(to): reports [its pid] with tag 7, then serves */
EXPORT("announce") void announce(int64_t to) {
    uint64_t me = weft_self();
    weft_send((uint64_t)to, 7, &me, sizeof me);
    serve();
}

/* numbered(to, n): reports [n, its pid] with tag 8, then serves */
EXPORT("numbered") void numbered(int64_t to, int32_t n) {
    int64_t v[2] = { n, (int64_t)weft_self() };
    weft_send((uint64_t)to, 8, v, sizeof v);
    serve();
}

/* crash_now(): traps at once */
EXPORT("crash_now") void crash_now(void) {
    __builtin_trap();
}

static uint64_t worker(const char *id, const char *export_name, const weft_arg *args, size_t nargs, int32_t restart) {
    uint64_t child;
    if (weft_sup_worker(id, export_name, args, nargs, restart, 1000, &child) != WEFT_OK) {
        __builtin_trap();
    }
    return child;
}

/*
 * One supervisor (one_for_one) with workers a and b (announce), then the operations; reports
 * [code, ...] after each step as listed in WeftSupervisorHostTest.operations.
 */
EXPORT("operations") void operations(int64_t to) {
    weft_arg args[] = { weft_i64(to) };
    int64_t spec = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("a", "announce", args, 1, WEFT_PERMANENT));
    weft_supervisor_add_child(spec, (int64_t)worker("b", "announce", args, 1, WEFT_TRANSIENT));
    uint64_t sup;
    report1((uint64_t)to, weft_supervisor_start(spec, &sup));
    report1((uint64_t)to, (int64_t)sup);

    weft_child_count count;
    int64_t c[5];
    c[0] = weft_supervisor_count_children(sup, &count);
    c[1] = count.specs; c[2] = count.active; c[3] = count.supervisors; c[4] = count.workers;
    report((uint64_t)to, c, 5);

    weft_child_info infos[4];
    uint32_t n = 0;
    int32_t code = weft_supervisor_which_children(sup, infos, 4, &n);
    int64_t w[2] = { code, n };
    report((uint64_t)to, w, 2);
    weft_send((uint64_t)to, 0, infos, n * sizeof(weft_child_info)); /* the raw records */

    uint64_t pid = 0;
    int64_t r[12];
    r[0] = weft_supervisor_terminate_child(sup, "a", 1);
    r[1] = weft_supervisor_restart_child(sup, "a", 1, &pid);
    r[2] = (int64_t)pid;
    r[3] = weft_supervisor_restart_child(sup, "a", 1, &pid);    /* running */
    r[4] = weft_supervisor_delete_child(sup, "a", 1);           /* running */
    r[5] = weft_supervisor_delete_child(sup, "nope", 4);        /* not found */
    weft_supervisor_terminate_child(sup, "a", 1);
    r[6] = weft_supervisor_delete_child(sup, "a", 1);
    uint64_t c_child = worker("c", "announce", args, 1, WEFT_TEMPORARY);
    r[7] = weft_supervisor_start_child(sup, (int64_t)c_child, &pid);
    uint64_t c_pid = pid;
    r[8] = weft_supervisor_start_child(sup, (int64_t)c_child, &pid);  /* already started */
    r[9] = pid == c_pid;
    r[10] = weft_supervisor_start_dynamic_child(sup, NULL, 0, &pid);   /* not simple_one_for_one */
    r[11] = weft_supervisor_terminate_dynamic_child(sup, c_pid);       /* not found: not dynamic */
    report((uint64_t)to, r, 12);

    int64_t s[3];
    s[0] = weft_supervisor_stop(sup);
    s[1] = weft_supervisor_count_children(sup, &count);               /* no supervisor */
    s[2] = weft_supervisor_terminate_child(sup, "b", 1);              /* no supervisor */
    report((uint64_t)to, s, 3);
    weft_supervisor_drop_child((int64_t)c_child);
    weft_supervisor_drop_spec(spec);
}

/*
 * simple_one_for_one of numbered(to, n): starts children n = 1, 2, 3; reports [codes...];
 * after a message from the test, terminates the second by pid and reports [code, count active,
 * code of terminate_child by id]; then waits (the supervisor lives as long as this process)
 */
EXPORT("dynamic") void dynamic(int64_t to) {
    weft_arg args[] = { weft_i64(to) };
    int64_t spec = weft_supervisor_create_spec(WEFT_SIMPLE_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("numbered", "numbered", args, 1, WEFT_TRANSIENT));
    uint64_t sup;
    weft_supervisor_start(spec, &sup);
    int64_t codes[3];
    uint64_t pids[3];
    for (int i = 0; i < 3; i++) {
        uint8_t record[LUNATIC_PARAM_SIZE];
        lunatic_param_i32(record, i + 1);
        codes[i] = weft_supervisor_start_dynamic_child(sup, record, sizeof record, &pids[i]);
    }
    report((uint64_t)to, codes, 3);
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL); /* go on when the test has seen them run */
    weft_child_count count;
    int64_t r[3];
    r[0] = weft_supervisor_terminate_dynamic_child(sup, pids[1]);
    weft_supervisor_count_children(sup, &count);
    r[1] = count.active;
    r[2] = weft_supervisor_terminate_child(sup, "numbered", 8);
    report((uint64_t)to, r, 3);
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL);
}

/*
 * A worker that cannot be made (no such export): reports [code] and the error text; then a
 * supervisor whose child cannot start (the export wants an argument it is not given): reports
 * [code] and the error text.
 */
EXPORT("bad_children") void bad_children(int64_t to) {
    uint64_t child;
    report1((uint64_t)to, weft_sup_worker("x", "no_such_export", NULL, 0, WEFT_PERMANENT, 100, &child));
    report_error((uint64_t)to, child);
    int64_t spec = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("fine", "serve", NULL, 0, WEFT_PERMANENT));
    weft_supervisor_add_child(spec, (int64_t)worker("bad", "announce", NULL, 0, WEFT_PERMANENT));
    uint64_t sup;
    report1((uint64_t)to, weft_supervisor_start(spec, &sup));
    report_error((uint64_t)to, sup);
}

/* the same child id twice in one spec traps */
EXPORT("duplicate_id") void duplicate_id(void) {
    int64_t spec = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("same", "serve", NULL, 0, WEFT_PERMANENT));
    weft_supervisor_add_child(spec, (int64_t)worker("same", "serve", NULL, 0, WEFT_PERMANENT));
}

/*
 * A supervisor (intensity 2 in 5 s) of a child that traps at once gives up: this process traps
 * exits and reports [receive code] of the link-died message.
 */
EXPORT("give_up") void give_up(int64_t to) {
    weft_trap_exit(1);
    int64_t spec = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 2, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("doomed", "serve", NULL, 0, WEFT_PERMANENT));
    uint64_t sup;
    weft_supervisor_start(spec, &sup);
    report1((uint64_t)to, (int64_t)sup);
    weft_message m;
    report1((uint64_t)to, weft_receive(NULL, 0, 10000, NULL, 0, &m));
}

/* starts a supervisor (strategy) of announce(to) children a, b, c; reports [sup, a, b, c] and waits */
EXPORT("tree") void tree(int64_t to, int32_t strategy) {
    weft_arg args[] = { weft_i64(to) };
    int64_t spec = weft_supervisor_create_spec(strategy, 10, 5000);
    weft_supervisor_add_child(spec, (int64_t)worker("a", "announce", args, 1, WEFT_PERMANENT));
    weft_supervisor_add_child(spec, (int64_t)worker("b", "announce", args, 1, WEFT_PERMANENT));
    weft_supervisor_add_child(spec, (int64_t)worker("c", "announce", args, 1, WEFT_PERMANENT));
    uint64_t sup;
    weft_supervisor_start(spec, &sup);
    weft_child_info infos[3];
    uint32_t n = 0;
    weft_supervisor_which_children(sup, infos, 3, &n);
    int64_t v[4] = { (int64_t)sup, (int64_t)infos[0].pid, (int64_t)infos[1].pid, (int64_t)infos[2].pid };
    report((uint64_t)to, v, 4);
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL);
}

/*
 * A tree two deep: root (one_for_one) of supervisor "inner" (one_for_one) of worker "w"
 * (announce); reports [root, inner's pid, root's count: specs, supervisors, workers], then waits.
 */
EXPORT("nested") void nested(int64_t to) {
    weft_arg args[] = { weft_i64(to) };
    int64_t inner = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(inner, (int64_t)worker("w", "announce", args, 1, WEFT_PERMANENT));
    int64_t root = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
    weft_supervisor_add_child(root, weft_supervisor_supervisor_child("inner", 5, inner));
    uint64_t sup;
    weft_supervisor_start(root, &sup);
    weft_child_info info;
    uint32_t n = 0;
    weft_supervisor_which_children(sup, &info, 1, &n);
    weft_child_count count;
    weft_supervisor_count_children(sup, &count);
    int64_t v[5] = { (int64_t)sup, (int64_t)info.pid, count.specs, count.supervisors, count.workers };
    report((uint64_t)to, v, 5);
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL);
}

int main(void) {
    return 0;
}
