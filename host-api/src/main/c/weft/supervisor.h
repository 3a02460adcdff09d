/*
 * weft/supervisor.h -- OTP supervisors for Weft processes written in C (the weft::supervisor host
 * functions; Lunatic has no equivalent). The full table is host-api/WEFT-ABI.md.
 *
 * A supervisor is a process that starts child processes and restarts them when they fail, by a
 * strategy:
 *   WEFT_ONE_FOR_ONE     only the child that ended is restarted
 *   WEFT_ONE_FOR_ALL     all children are stopped and started again
 *   WEFT_REST_FOR_ONE    the child that ended and those started after it
 *   WEFT_SIMPLE_ONE_FOR_ONE  one child spec; children are started on demand with extra arguments
 * More than `intensity` restarts within `period_ms` make the supervisor give up: it stops its
 * children and exits with reason shutdown, which its own supervisor (if any) sees as a failure.
 *
 *     #include <weft/supervisor.h>
 *     int64_t spec = weft_supervisor_create_spec(WEFT_ONE_FOR_ONE, 3, 5000);
 *     weft_arg args[] = { weft_i32(1) };
 *     uint64_t child;
 *     if (weft_sup_worker("worker-1", "worker", args, 1, WEFT_PERMANENT, 5000, &child) != WEFT_OK) ...
 *     weft_supervisor_add_child(spec, (int64_t)child);
 *     uint64_t sup;
 *     if (weft_supervisor_start(spec, &sup) != WEFT_OK) ...  (sup holds an error id)
 *
 * The supervisor is linked to the process that starts it: when that process ends, the supervisor
 * stops its children and ends too (OTP's start_link). Specs and child specs are resources of the
 * calling process (like Lunatic's configs): ids valid in this process only, freed with drop_*.
 * Operations (start_child, terminate_child, ...) take the supervisor's process id and may be
 * called by any process; they wait for the supervisor's answer.
 */
#ifndef WEFT_SUPERVISOR_H
#define WEFT_SUPERVISOR_H

#include <stdint.h>
#include <string.h>
#include <weft/weft.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_SUPERVISOR_IMPORT(name) \
    __attribute__((import_module("weft::supervisor"), import_name(name)))

/* Strategies. */
#define WEFT_ONE_FOR_ONE 0
#define WEFT_ONE_FOR_ALL 1
#define WEFT_REST_FOR_ONE 2
#define WEFT_SIMPLE_ONE_FOR_ONE 3

/* Restart types: always; only after a failure; never. */
#define WEFT_PERMANENT 0
#define WEFT_TRANSIENT 1
#define WEFT_TEMPORARY 2

/* Shutdown: a timeout in ms (exit signal shutdown, then kill), or one of these. */
#define WEFT_BRUTAL_KILL (-1)
#define WEFT_SHUTDOWN_INFINITY (-2)

/* Results of the operations (0 = WEFT_OK). */
#define WEFT_SUP_START_FAILED 1          /* an error id is written to the pid slot */
#define WEFT_SUP_NOT_FOUND 2
#define WEFT_SUP_RUNNING 3
#define WEFT_SUP_RESTARTING 4
#define WEFT_SUP_ALREADY_PRESENT 5
#define WEFT_SUP_ALREADY_STARTED 6       /* the running child's pid is written to the pid slot */
#define WEFT_SUP_SIMPLE_ONE_FOR_ONE 7    /* not allowed on a simple_one_for_one supervisor */
#define WEFT_SUP_NOT_SIMPLE_ONE_FOR_ONE 8
#define WEFT_SUP_NO_SUPERVISOR 9         /* no such supervisor, or it ended first */

/* One record of weft_supervisor_which_children (64 bytes). */
typedef struct {
    uint64_t pid;     /* 0 if the child has no process */
    uint32_t type;    /* 0 worker, 1 supervisor */
    uint32_t status;  /* 0 running, 1 restarting, 2 stopped */
    char id[48];      /* NUL-terminated */
} weft_child_info;

/* Counts of weft_supervisor_count_children. */
typedef struct {
    uint32_t specs, active, supervisors, workers;
} weft_child_count;

/* A new supervisor spec without children; traps on an unknown strategy or bad intensity/period. */
WEFT_SUPERVISOR_IMPORT("create_spec")
int64_t weft_supervisor_create_spec(int32_t strategy, int32_t intensity, int64_t period_ms);

WEFT_SUPERVISOR_IMPORT("drop_spec")
void weft_supervisor_drop_spec(int64_t spec_id);

/*
 * A worker child spec: the child runs the export func of module_id (LUNATIC_INHERIT_MODULE: this
 * module) with config_id (LUNATIC_INHERIT_CONFIG: this process's) and the parameter records at
 * params (as lunatic_process_spawn). WEFT_OK with the child spec id at *child, or
 * WEFT_SUP_START_FAILED with an error id there (no such export, a config asking for too much).
 */
WEFT_SUPERVISOR_IMPORT("worker")
int32_t weft_supervisor_worker(const char *id_str_ptr, uint32_t id_str_len, int64_t config_id, int64_t module_id,
                               const char *func_str_ptr, uint32_t func_str_len, const uint8_t *params_ptr,
                               uint32_t params_len, int32_t restart, int64_t shutdown_ms, uint64_t *child_ptr);

/* A child that is itself a supervisor running spec_id (as it is now); returns the child spec id. */
WEFT_SUPERVISOR_IMPORT("supervisor_child")
int64_t weft_supervisor_supervisor_child(const char *id_str_ptr, uint32_t id_str_len, int64_t spec_id);

/* Appends a child to a spec; traps on a duplicate id, or a second child of simple_one_for_one. */
WEFT_SUPERVISOR_IMPORT("add_child")
void weft_supervisor_add_child(int64_t spec_id, int64_t child_id);

WEFT_SUPERVISOR_IMPORT("drop_child")
void weft_supervisor_drop_child(int64_t child_id);

/* Starts a supervisor linked to this process; its children start in order before this returns. */
WEFT_SUPERVISOR_IMPORT("start")
int32_t weft_supervisor_start(int64_t spec_id, uint64_t *id_ptr);

WEFT_SUPERVISOR_IMPORT("start_child")
int32_t weft_supervisor_start_child(uint64_t supervisor, int64_t child_id, uint64_t *id_ptr);

/* simple_one_for_one: starts a child with the spec's parameters followed by these. */
WEFT_SUPERVISOR_IMPORT("start_dynamic_child")
int32_t weft_supervisor_start_dynamic_child(uint64_t supervisor, const uint8_t *params_ptr, uint32_t params_len,
                                            uint64_t *id_ptr);

WEFT_SUPERVISOR_IMPORT("terminate_child")
int32_t weft_supervisor_terminate_child(uint64_t supervisor, const char *id_str_ptr, uint32_t id_str_len);

WEFT_SUPERVISOR_IMPORT("terminate_dynamic_child")
int32_t weft_supervisor_terminate_dynamic_child(uint64_t supervisor, uint64_t process_id);

WEFT_SUPERVISOR_IMPORT("restart_child")
int32_t weft_supervisor_restart_child(uint64_t supervisor, const char *id_str_ptr, uint32_t id_str_len,
                                      uint64_t *id_ptr);

WEFT_SUPERVISOR_IMPORT("delete_child")
int32_t weft_supervisor_delete_child(uint64_t supervisor, const char *id_str_ptr, uint32_t id_str_len);

WEFT_SUPERVISOR_IMPORT("count_children")
int32_t weft_supervisor_count_children(uint64_t supervisor, weft_child_count *counts_ptr);

/* Writes up to records_len records; the number of children is written to *count_ptr. */
WEFT_SUPERVISOR_IMPORT("which_children")
int32_t weft_supervisor_which_children(uint64_t supervisor, weft_child_info *records_ptr, uint32_t records_len,
                                       uint32_t *count_ptr);

/* Stops the supervisor: its children in reverse start order, then itself (reason normal). */
WEFT_SUPERVISOR_IMPORT("stop")
int32_t weft_supervisor_stop(uint64_t supervisor);

/*
 * weft_supervisor_worker with a NUL-terminated id and export and weft_arg arguments (this module,
 * this process's config). Takes at most WEFT_MAX_ARGS arguments: any beyond are left out.
 */
static inline int32_t weft_sup_worker(const char *id, const char *export_name, const weft_arg *args, size_t nargs,
                                      int32_t restart, int64_t shutdown_ms, uint64_t *child) {
    uint8_t records[WEFT_MAX_ARGS * LUNATIC_PARAM_SIZE];
    uint8_t *p = records;
    if (nargs > WEFT_MAX_ARGS) {
        nargs = WEFT_MAX_ARGS;
    }
    for (size_t i = 0; i < nargs; i++) {
        p = args[i].type == LUNATIC_PARAM_I32 ? lunatic_param_i32(p, (int32_t)args[i].value)
                                              : lunatic_param_i64(p, args[i].value);
    }
    return weft_supervisor_worker(id, (uint32_t)strlen(id), LUNATIC_INHERIT_CONFIG, LUNATIC_INHERIT_MODULE,
                                  export_name, (uint32_t)strlen(export_name), records, (uint32_t)(p - records),
                                  restart, shutdown_ms, child);
}

#ifdef __cplusplus
}
#endif

#endif
