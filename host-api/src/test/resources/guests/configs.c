/*
 * Test guest for lunatic::process configs, compile_module, module messages, lunatic::wasi config
 * helpers, lunatic::distributed on one node and registry put of another process
 * (ConfigsHostTest). Every export reports to the Java process `to` with data messages (tag 0) of
 * int64 values; error strings go as their own data message.
 */
#include <stdint.h>
#include <string.h>
#include <wasi/api.h>
#include <weft/weft.h>

#define EXPORT(name) __attribute__((export_name(name)))

static void report(uint64_t to, const int64_t *values, size_t n) {
    weft_send(to, 0, values, n * sizeof(int64_t));
}

static void report_error(uint64_t to, uint64_t error_id) {
    static char text[512];
    size_t n = weft_error_message(error_id, text, sizeof text);
    weft_send(to, 0, text, n);
}

/* child(a, b, to): reports [a + b] */
EXPORT("child") void child(int64_t a, int32_t b, int64_t to) {
    int64_t sum = a + b;
    report((uint64_t)to, &sum, 1);
}

/* waits for one message, then ends */
EXPORT("waiter") void waiter(void) {
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL);
}

/* reports the defaults of a new config, then the values set, then drops it */
EXPORT("config_values") void config_values(int64_t to) {
    int64_t c = lunatic_process_create_config();
    int64_t v[12];
    v[0] = lunatic_process_config_get_max_memory(c);
    v[1] = lunatic_process_config_get_max_fuel(c);
    v[2] = lunatic_process_config_can_compile_modules(c);
    v[3] = lunatic_process_config_can_create_configs(c);
    v[4] = lunatic_process_config_can_spawn_processes(c);
    lunatic_process_config_set_max_memory(c, 1 << 20);
    lunatic_process_config_set_max_fuel(c, 7);
    lunatic_process_config_set_can_compile_modules(c, 1);
    lunatic_process_config_set_can_create_configs(c, 1);
    lunatic_process_config_set_can_spawn_processes(c, 1);
    v[5] = lunatic_process_config_get_max_memory(c);
    v[6] = lunatic_process_config_get_max_fuel(c);
    v[7] = lunatic_process_config_can_compile_modules(c);
    v[8] = lunatic_process_config_can_create_configs(c);
    v[9] = lunatic_process_config_can_spawn_processes(c);
    v[10] = c;
    lunatic_process_drop_config(c);
    v[11] = lunatic_process_create_config();
    report((uint64_t)to, v, 12);
}

/* using a dropped (or never made) config traps */
EXPORT("dropped_config") void dropped_config(void) {
    int64_t c = lunatic_process_create_config();
    lunatic_process_drop_config(c);
    lunatic_process_config_get_max_memory(c);
}

/*
 * What a process may do: reports [memory pages, grow(1), grow(1), create_config, compile_module,
 * environment count, environment bytes, argument count, argument bytes], then spawns child(1, 2, to)
 * (which traps if its config does not allow spawning) and reports [spawn code].
 */
EXPORT("probe") void probe(int64_t to) {
    int64_t v[9];
    v[0] = (int64_t)__builtin_wasm_memory_size(0);
    v[1] = (int64_t)(int32_t)__builtin_wasm_memory_grow(0, 1);
    v[2] = (int64_t)(int32_t)__builtin_wasm_memory_grow(0, 1);
    v[3] = lunatic_process_create_config();
    uint8_t junk = 0;
    uint64_t id;
    v[4] = lunatic_process_compile_module(&junk, 1, &id);
    __wasi_size_t count = 0, size = 0;
    if (__wasi_environ_sizes_get(&count, &size) != 0) count = size = 99;
    v[5] = count;
    v[6] = size;
    if (__wasi_args_sizes_get(&count, &size) != 0) count = size = 99;
    v[7] = count;
    v[8] = size;
    report((uint64_t)to, v, 9);
    weft_arg args[] = { weft_i64(1), weft_i32(2), weft_i64(to) };
    uint64_t pid;
    int64_t code = weft_spawn(0, "child", args, 3, &pid);
    report((uint64_t)to, &code, 1);
}

/*
 * Spawns probe(to) with a new config: memory = this process's + 1 page, the environment
 * GREETING=hello, the argument "probe", and the permissions in bits of `grant` (1 compile,
 * 2 create configs, 4 spawn). Linked with tag 7 while trapping exits; reports [spawn code], then
 * [receive code, tag] of the link-died message, or [9027, 0] if the probe ended normally (within 1 s).
 */
EXPORT("spawn_probe") void spawn_probe(int64_t to, int32_t grant) {
    int64_t c = lunatic_process_create_config();
    lunatic_process_config_set_max_memory(c, ((uint64_t)__builtin_wasm_memory_size(0) + 1) * 65536);
    lunatic_process_config_set_can_compile_modules(c, grant & 1);
    lunatic_process_config_set_can_create_configs(c, (grant >> 1) & 1);
    lunatic_process_config_set_can_spawn_processes(c, (grant >> 2) & 1);
    lunatic_wasi_config_add_environment_variable(c, "GREETING", 8, "hello", 5);
    lunatic_wasi_config_add_command_line_argument(c, "probe", 5);
    weft_trap_exit(1);
    weft_arg args[] = { weft_i64(to) };
    uint64_t pid;
    int64_t code = weft_spawn_with(7, c, LUNATIC_INHERIT_MODULE, "probe", args, 1, &pid);
    report((uint64_t)to, &code, 1);
    int64_t tags[] = { 7 };
    weft_message m;
    int64_t r[2];
    r[0] = weft_receive(tags, 1, 1000, NULL, 0, &m);
    r[1] = r[0] == WEFT_TIMEOUT ? 0 : m.tag;
    report((uint64_t)to, r, 2);
}

/* spawns probe(to) with this process's own config (-1) */
EXPORT("inherit_probe") void inherit_probe(int64_t to) {
    weft_arg args[] = { weft_i64(to) };
    uint64_t pid;
    weft_spawn(0, "probe", args, 1, &pid);
}

static uint8_t module_bytes[256 * 1024];

/* receives a data message into module_bytes; returns its length */
static size_t receive_module_bytes(void) {
    weft_message m;
    weft_receive(NULL, 0, WEFT_FOREVER, module_bytes, sizeof module_bytes, &m);
    return m.len;
}

/*
 * Receives Wasm bytes, compiles them: reports [compile code]; on success spawns child(40, 2, to)
 * of the compiled module and reports [spawn code] (the child reports [42]), then drops the module;
 * on failure sends the error text.
 */
EXPORT("compile") void compile(int64_t to) {
    size_t len = receive_module_bytes();
    uint64_t id;
    int64_t code = lunatic_process_compile_module(module_bytes, (uint32_t)len, &id);
    report((uint64_t)to, &code, 1);
    if (code == 1) {
        report_error((uint64_t)to, id);
        return;
    }
    if (code != 0) {
        return;
    }
    weft_arg args[] = { weft_i64(40), weft_i32(2), weft_i64(to) };
    uint64_t pid;
    int64_t spawned = weft_spawn_with(0, LUNATIC_INHERIT_CONFIG, (int64_t)id, "child", args, 3, &pid);
    report((uint64_t)to, &spawned, 1);
    lunatic_process_drop_module(id);
}

/* dropping a module twice traps */
EXPORT("drop_twice") void drop_twice(void) {
    size_t len = receive_module_bytes();
    uint64_t id;
    lunatic_process_compile_module(module_bytes, (uint32_t)len, &id);
    lunatic_process_drop_module(id);
    lunatic_process_drop_module(id);
}

/* taker(to): receives a message carrying a module, takes it, spawns child(1, 2, to) of it */
EXPORT("taker") void taker(int64_t to) {
    weft_receive(NULL, 0, WEFT_FOREVER, NULL, 0, NULL);
    int64_t id = lunatic_message_take_module(0);
    weft_arg args[] = { weft_i64(1), weft_i32(2), weft_i64(to) };
    uint64_t pid;
    int64_t code = weft_spawn_with(0, LUNATIC_INHERIT_CONFIG, id, "child", args, 3, &pid);
    report((uint64_t)to, &code, 1);
}

/* receives Wasm bytes, compiles them and sends the module to a new taker(to); reports [index] */
EXPORT("send_module") void send_module(int64_t to) {
    size_t len = receive_module_bytes();
    uint64_t id;
    lunatic_process_compile_module(module_bytes, (uint32_t)len, &id);
    weft_arg args[] = { weft_i64(to) };
    uint64_t pid;
    weft_spawn(0, "taker", args, 1, &pid);
    lunatic_message_create_data(0, 0);
    int64_t index = lunatic_message_push_module(id);
    lunatic_message_send(pid);
    report((uint64_t)to, &index, 1);
}

static char path_buffer[256];

/*
 * Receives a directory path as a data message and spawns child(20, 1, to) with a config preopening
 * it: reports [spawn code]; on failure sends the error text.
 */
EXPORT("preopen") void preopen(int64_t to) {
    weft_message m;
    weft_receive(NULL, 0, WEFT_FOREVER, path_buffer, sizeof path_buffer, &m);
    int64_t c = lunatic_process_create_config();
    lunatic_process_config_set_can_spawn_processes(c, 1);
    lunatic_wasi_config_preopen_dir(c, path_buffer, (uint32_t)m.len);
    weft_arg args[] = { weft_i64(20), weft_i32(1), weft_i64(to) };
    uint64_t pid;
    int64_t code = weft_spawn_with(0, c, LUNATIC_INHERIT_MODULE, "child", args, 3, &pid);
    report((uint64_t)to, &code, 1);
    if (code != WEFT_OK) {
        report_error((uint64_t)to, pid);
    }
}

static uint8_t *param(uint8_t *p, int64_t v) {
    return lunatic_param_i64(p, v);
}

/*
 * lunatic::distributed on one node: reports [node_id, nodes_count, get_nodes count, nodes[0],
 * module_id, spawn code on this node, spawn code on another node, spawn code for an unknown
 * module], then sends the Java process a message with tag 5 through distributed::send
 * (the spawned child reports [11] first).
 */
EXPORT("distributed") void distributed(int64_t to) {
    int64_t v[8];
    uint64_t node = (uint64_t)lunatic_distributed_node_id();
    uint64_t nodes[4] = {0};
    v[0] = (int64_t)node;
    v[1] = lunatic_distributed_nodes_count();
    v[2] = lunatic_distributed_get_nodes(nodes, 4);
    v[3] = (int64_t)nodes[0];
    v[4] = lunatic_distributed_module_id();
    uint8_t records[3 * LUNATIC_PARAM_SIZE];
    uint8_t *p = param(records, 10);
    p = lunatic_param_i32(p, 1);
    p = param(p, to);
    uint64_t pid;
    v[5] = lunatic_distributed_spawn(node, -1, v[4], "child", 5, records, (uint32_t)(p - records), &pid);
    v[6] = lunatic_distributed_spawn(node + 1, -1, v[4], "child", 5, records, (uint32_t)(p - records), &pid);
    v[7] = lunatic_distributed_spawn(node, -1, v[4] + 1000, "child", 5, records, (uint32_t)(p - records), &pid);
    report((uint64_t)to, v, 8);
    lunatic_message_create_data(5, 0);
    lunatic_message_write_data("d", 1);
    lunatic_distributed_send(node, (uint64_t)to);
}

/* distributed::send to a node that is not this one traps */
EXPORT("send_elsewhere") void send_elsewhere(int64_t to) {
    lunatic_message_create_data(5, 0);
    lunatic_distributed_send((uint64_t)lunatic_distributed_node_id() + 1, (uint64_t)to);
}

/* spawns a waiter and registers it as "other"; reports [waiter pid] */
EXPORT("register_other") void register_other(int64_t to) {
    uint64_t pid;
    weft_spawn(0, "waiter", NULL, 0, &pid);
    weft_register("other", pid);
    int64_t v = (int64_t)pid;
    report((uint64_t)to, &v, 1);
}

/*
 * registers itself as "self" with lunatic::registry::put under node id `node` (lunatic-rs passes
 * the node id it got from lunatic::distributed::node_id), then looks the name up; reports
 * [get code, node id, pid, own pid]
 */
EXPORT("register_self_on") void register_self_on(int64_t to, int64_t node) {
    uint64_t self = (uint64_t)lunatic_process_process_id();
    lunatic_registry_put("self", 4, (uint64_t)node, self);
    uint64_t found_node = 99, found_pid = 0;
    int64_t v[4];
    v[0] = lunatic_registry_get("self", 4, &found_node, &found_pid);
    v[1] = (int64_t)found_node;
    v[2] = (int64_t)found_pid;
    v[3] = (int64_t)self;
    report((uint64_t)to, v, 4);
}

static uint8_t message_bytes[4096];

/* big_message(to, n): sends `to` one message of n bytes (tag 9); traps if n is over the limit */
EXPORT("big_message") void big_message(int64_t to, int32_t n) {
    lunatic_message_create_data(9, 0);
    lunatic_message_write_data(message_bytes, (uint32_t)n);
    lunatic_message_send((uint64_t)to);
}

/* spawns two waiters: reports [code, code], then the error text of a failed spawn */
EXPORT("spawn_two") void spawn_two(int64_t to) {
    uint64_t pids[2];
    int64_t codes[2];
    for (int i = 0; i < 2; i++) {
        codes[i] = weft_spawn(0, "waiter", NULL, 0, &pids[i]);
    }
    report((uint64_t)to, codes, 2);
    for (int i = 0; i < 2; i++) {
        if (codes[i] != WEFT_OK) {
            report_error((uint64_t)to, pids[i]);
        }
    }
}

int main(void) {
    return 0;
}
