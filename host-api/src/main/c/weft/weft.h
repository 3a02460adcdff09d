/*
 * weft.h -- small helpers for writing Weft/Lunatic processes in C.
 *
 * Build your program with
 *     clang --target=wasm32-wasi -O2 -I host-api/src/main/c -o app.wasm app.c
 * and run it with `weft run app.wasm`. Add `-mexec-model=reactor` if the module has no main().
 * Everything here is `static inline`: there is no library to link, only this header and the
 * generated lunatic.h (the full ABI, one declaration per host function, with comments).
 *
 * The ideas, in plain words:
 *
 *   Process.  Every running instance of a Wasm module is a *process*: it has its own linear memory
 *     and shares nothing with other processes. A program may run many thousands of them. Processes
 *     cooperate only by sending each other messages. `weft run app.wasm` starts the first one by
 *     calling the module's `_start` (that is, main()). When main() returns, the run is over and
 *     every process ends with it, finished or not: main() must wait for the work it started, e.g.
 *     receive one reply per child (host-api/src/main/c/README.md shows how).
 *
 *   Process id (pid).  A 64-bit number naming a process on this node, e.g. to send it a message.
 *     weft_self() returns your own; weft_spawn() returns the pid of the process it starts.
 *     Pids are plain numbers: put them in a message to tell another process where to reply.
 *
 *   Spawning.  weft_spawn() starts a new process running an *exported* function of the current
 *     module (mark it with __attribute__((export_name("worker")))), with i32/i64 arguments. The new
 *     process gets a fresh copy of the module's memory: global variables are NOT shared.
 *
 *   Messages and tags.  A message is a byte buffer plus a *tag*, a 64-bit number you choose (0 means
 *     "no tag"). Sending never blocks and never fails, even if the receiver has already ended.
 *     Messages from one sender to one receiver arrive in the order they were sent. Each process has
 *     a mailbox; weft_receive() takes the first message whose tag is in the set you ask for (an empty
 *     set takes the first message of any tag), waiting up to a timeout. Use tags to tell kinds of
 *     messages apart, and to wait for a reply while other messages stay in the mailbox.
 *
 *   The scratch message.  Under the hood each process has one "scratch" message slot. To send:
 *     lunatic_message_create_data(tag, capacity) starts a new scratch message, write_data appends
 *     bytes, send(pid) ships it (and empties the slot). To receive: receive(...) moves a message out
 *     of the mailbox into the scratch slot; data_size/get_tag describe it and read_data copies its
 *     bytes out. weft_send() and weft_receive() do exactly these steps for you.
 *
 *   Links and monitors.  weft_link() ties two processes together: if one fails (traps, or exits
 *     with a non-zero code), the other is killed too, unless it called weft_trap_exit(1), in which
 *     case it receives a WEFT_LINK_DIED message instead; a normal end sends nothing.
 *     lunatic_process_monitor(pid) asks for a WEFT_PROCESS_DIED message when pid ends for any
 *     reason (if pid still runs: monitoring a process that has ended does nothing).
 *
 *   Errors.  Host calls that can fail return 1 and hand out an *error id*; weft_error_message()
 *     turns it into text (and frees it). Misusing the ABI (bad pointer, unknown id) traps, i.e.
 *     kills, the calling process only.
 *
 * Helpers:
 *   weft_self()                                   own pid
 *   weft_send(pid, tag, data, len)                send len bytes with a tag
 *   weft_receive(tags, ntags, timeout, buf, cap, &msg)
 *                                                 wait for a message; returns WEFT_DATA,
 *                                                 WEFT_LINK_DIED, WEFT_PROCESS_DIED or WEFT_TIMEOUT
 *   weft_spawn(link_tag, "export", args, nargs, &pid)
 *                                                 start a process; args built with weft_i32/weft_i64
 *   weft_spawn_with(link_tag, config, module, "export", args, nargs, &pid)
 *                                                 the same with a config / compiled module
 *   weft_link(pid, tag), weft_trap_exit(on), weft_sleep_ms(ms)
 *   weft_register(name, pid), weft_whereis(name, &pid)   name registry of this node
 *   weft_error_message(error_id, buf, cap)         text of an error id, which is then freed
 *
 * Example (a process that answers every ping):
 *
 *     #include <weft/weft.h>
 *     enum { PING = 1, PONG = 2 };
 *     __attribute__((export_name("ponger"))) void ponger(void) {
 *         uint64_t from; weft_message m;
 *         for (;;) {
 *             int64_t tags[] = { PING };
 *             if (weft_receive(tags, 1, WEFT_FOREVER, &from, sizeof from, &m) != WEFT_DATA) return;
 *             uint64_t me = weft_self();
 *             weft_send(from, PONG, &me, sizeof me);
 *         }
 *     }
 *     int main(void) {
 *         uint64_t pid, me = weft_self(); weft_message m;
 *         if (weft_spawn(0, "ponger", NULL, 0, &pid) != WEFT_OK) return 1;
 *         weft_send(pid, PING, &me, sizeof me);
 *         int64_t tags[] = { PONG };
 *         return weft_receive(tags, 1, 1000, NULL, 0, &m) == WEFT_DATA ? 0 : 1;
 *     }
 */
#ifndef WEFT_WEFT_H
#define WEFT_WEFT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lunatic.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results of weft_receive() (the same numbers as LUNATIC_RECEIVE_*). */
#define WEFT_DATA 0            /* a data message sent with weft_send()/lunatic_message_send() */
#define WEFT_LINK_DIED 1       /* a linked process failed (only after weft_trap_exit(1));
                                  msg.tag is the tag given when linking */
#define WEFT_PROCESS_DIED 2    /* a monitored process ended; msg.pid is its pid */
#define WEFT_TIMEOUT 9027      /* nothing matching arrived within the timeout */

/* Results of weft_spawn(), weft_whereis(). */
#define WEFT_OK 0
#define WEFT_ERROR 1

/* Timeout value meaning "wait as long as it takes". */
#define WEFT_FOREVER UINT64_MAX

/* Most arguments weft_spawn() accepts. */
#define WEFT_MAX_ARGS 16

/* ---- Processes -------------------------------------------------------------------------------- */

/* The pid of the calling process. */
static inline uint64_t weft_self(void) {
    return lunatic_process_process_id();
}

/* Suspends the calling process for ms milliseconds (other processes keep running). */
static inline void weft_sleep_ms(uint64_t ms) {
    lunatic_process_sleep_ms(ms);
}

/* One argument of a spawned function: build them with weft_i32() and weft_i64(). */
typedef struct {
    uint8_t type;   /* LUNATIC_PARAM_I32 or LUNATIC_PARAM_I64 */
    int64_t value;
} weft_arg;

static inline weft_arg weft_i32(int32_t v) {
    weft_arg a = { LUNATIC_PARAM_I32, (int64_t)v };
    return a;
}

static inline weft_arg weft_i64(int64_t v) {
    weft_arg a = { LUNATIC_PARAM_I64, v };
    return a;
}

/*
 * Starts a new process that runs the exported function `export_name` of this module with the
 * given arguments (whose number and types must match the export's parameters), with this
 * process's permissions. link_tag 0: not linked; non-zero: linked, and link_tag is the tag of the
 * WEFT_LINK_DIED message this process gets if the child fails (see weft_trap_exit).
 * Returns WEFT_OK with the child's pid in *pid, or WEFT_ERROR with an error id in *pid (pass it to
 * weft_error_message). Returns WEFT_ERROR with *pid = 0 if nargs > WEFT_MAX_ARGS.
 * An export that does not exist, or arguments that do not fit it, give WEFT_ERROR.
 */
static inline int weft_spawn_with(int64_t link_tag, int64_t config_id, int64_t module_id,
                                  const char *export_name, const weft_arg *args, size_t nargs,
                                  uint64_t *pid);

static inline int weft_spawn(int64_t link_tag, const char *export_name, const weft_arg *args,
                             size_t nargs, uint64_t *pid) {
    return weft_spawn_with(link_tag, LUNATIC_INHERIT_CONFIG, LUNATIC_INHERIT_MODULE, export_name,
                           args, nargs, pid);
}

/*
 * weft_spawn() with a config and a module of your choice: config_id from
 * lunatic_process_create_config() (LUNATIC_INHERIT_CONFIG for this process's own), module_id from
 * lunatic_process_compile_module() (LUNATIC_INHERIT_MODULE for this module). The child never gets
 * more than this process holds: less memory, fewer permissions and only directories this process
 * can reach. A config that preopens a directory this process cannot reach gives WEFT_ERROR.
 */
static inline int weft_spawn_with(int64_t link_tag, int64_t config_id, int64_t module_id,
                                  const char *export_name, const weft_arg *args, size_t nargs,
                                  uint64_t *pid) {
    uint8_t records[WEFT_MAX_ARGS * LUNATIC_PARAM_SIZE];
    uint8_t *p = records;
    if (nargs > WEFT_MAX_ARGS) {
        *pid = 0;
        return WEFT_ERROR;
    }
    for (size_t i = 0; i < nargs; i++) {
        p = args[i].type == LUNATIC_PARAM_I32 ? lunatic_param_i32(p, (int32_t)args[i].value)
                                              : lunatic_param_i64(p, args[i].value);
    }
    return lunatic_process_spawn(link_tag, config_id, module_id, export_name,
                                 (uint32_t)strlen(export_name), records, (uint32_t)(p - records),
                                 pid) == LUNATIC_OK ? WEFT_OK : WEFT_ERROR;
}

/* Links this process with pid; tag (non-zero) identifies pid in a WEFT_LINK_DIED message. */
static inline void weft_link(uint64_t pid, int64_t tag) {
    lunatic_process_link(tag, pid);
}

/*
 * on = 1: a failing linked process no longer kills this one; a WEFT_LINK_DIED message arrives
 * instead (Erlang's trap_exit). on = 0: the default, linked failures are fatal.
 */
static inline void weft_trap_exit(int on) {
    lunatic_process_die_when_link_dies(on ? 0 : 1);
}

/* ---- Messages --------------------------------------------------------------------------------- */

/*
 * Sends len bytes from data to process pid, with a tag (0 = untagged). Never blocks; succeeds even
 * if pid has ended (the message is then dropped). A message larger than this process may build
 * (weft run --max-message, 64 MiB by default) traps this process.
 */
static inline void weft_send(uint64_t pid, int64_t tag, const void *data, size_t len) {
    const uint8_t *bytes = (const uint8_t *)data;
    lunatic_message_create_data(tag, (uint64_t)len);
    while (len > 0) {
        int32_t n = lunatic_message_write_data(bytes, (uint32_t)len);
        if (n <= 0) break;
        bytes += n;
        len -= (size_t)n;
    }
    lunatic_message_send(pid);
}

/* What weft_receive() received. */
typedef struct {
    int64_t tag;    /* the message's tag (for WEFT_LINK_DIED: the link's tag) */
    uint64_t size;  /* full size of the message's data in bytes (may exceed the buffer) */
    size_t len;     /* bytes copied into the buffer: min(size, capacity) */
    uint64_t pid;   /* for WEFT_PROCESS_DIED: the process that ended; otherwise 0 */
} weft_message;

/*
 * Waits for a message whose tag is one of tags[0..ntags-1] (ntags 0: any message, tagged or not;
 * note that an untagged message never matches a non-empty tag set). Messages that do not match stay
 * in the mailbox, in order. timeout_ms: how long to wait, WEFT_FOREVER for no limit, 0 to only look.
 * For a data message, copies up to capacity bytes into buf (which may be NULL if capacity is 0);
 * the rest, if any, can still be read with lunatic_message_read_data() until the next receive.
 * Returns WEFT_DATA, WEFT_LINK_DIED, WEFT_PROCESS_DIED or WEFT_TIMEOUT; *msg is filled in for all
 * but WEFT_TIMEOUT (msg may be NULL if you only care about the kind).
 */
static inline int weft_receive(const int64_t *tags, size_t ntags, uint64_t timeout_ms, void *buf,
                               size_t capacity, weft_message *msg) {
    int32_t kind = lunatic_message_receive(tags, (uint32_t)ntags, timeout_ms);
    weft_message m = { 0, 0, 0, 0 };
    if (kind == LUNATIC_RECEIVE_TIMEOUT) {
        return WEFT_TIMEOUT;
    }
    m.tag = lunatic_message_get_tag();
    if (kind == LUNATIC_RECEIVE_DATA) {
        uint8_t *out = (uint8_t *)buf;
        m.size = lunatic_message_data_size();
        while (m.len < capacity) {
            int32_t n = lunatic_message_read_data(out + m.len, (uint32_t)(capacity - m.len));
            if (n <= 0) break;
            m.len += (size_t)n;
        }
    } else if (kind == LUNATIC_RECEIVE_PROCESS_DIED) {
        m.pid = lunatic_message_get_process_id();
    }
    if (msg) *msg = m;
    return kind;
}

/* Waits as long as it takes for the next message of any tag; see weft_receive(). */
static inline int weft_receive_any(void *buf, size_t capacity, weft_message *msg) {
    return weft_receive(NULL, 0, WEFT_FOREVER, buf, capacity, msg);
}

/* ---- Registry --------------------------------------------------------------------------------- */

/*
 * Registers the live process pid of this node under name (overwriting any previous entry) in this
 * node's registry. The name is freed when pid ends; a pid that has already ended only removes the
 * name.
 */
static inline void weft_register(const char *name, uint64_t pid) {
    lunatic_registry_put(name, (uint32_t)strlen(name), lunatic_distributed_node_id(), pid);
}

/* Looks up name: WEFT_OK with the pid in *pid, or WEFT_ERROR if nothing is registered under it. */
static inline int weft_whereis(const char *name, uint64_t *pid) {
    uint64_t node;
    return lunatic_registry_get(name, (uint32_t)strlen(name), &node, pid) == 0 ? WEFT_OK : WEFT_ERROR;
}

/* ---- Errors ----------------------------------------------------------------------------------- */

/*
 * Copies the text of error id into buf as a NUL-terminated string (truncated to capacity - 1
 * bytes), frees the error, and returns the full length of the text.
 */
static inline size_t weft_error_message(uint64_t error_id, char *buf, size_t capacity) {
    char tmp[512];
    size_t size = (size_t)lunatic_error_string_size(error_id);
    if (size < capacity) {
        lunatic_error_to_string(error_id, buf);  /* fits: write straight into buf */
        buf[size] = '\0';
    } else if (capacity > 0) {
        const char *text = "(error message too long)";
        size_t n = strlen(text);
        if (size <= sizeof tmp) {
            lunatic_error_to_string(error_id, tmp);
            text = tmp;
            n = size;
        }
        if (n > capacity - 1) n = capacity - 1;
        memcpy(buf, text, n);
        buf[n] = '\0';
    }
    lunatic_error_drop(error_id);
    return size;
}

#ifdef __cplusplus
}
#endif

#endif /* WEFT_WEFT_H */
