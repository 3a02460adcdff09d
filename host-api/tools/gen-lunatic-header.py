#!/usr/bin/env python3
"""Generate host-api/src/main/c/weft/lunatic.h from the Lunatic ABI description (lunatic-abi.json).

Usage (from anywhere):
    python3 host-api/tools/gen-lunatic-header.py [--abi PATH] [--doc PATH] [--out PATH]

--abi defaults to ../shared/abi/lunatic-abi.json beside the repository when it exists, else to the
copy in host-api/src/main/resources/dev/weft/hostapi/lunatic-abi.json.  --doc (the function descriptions put
in the comments) defaults to LUNATIC-ABI.md beside the JSON.  --out defaults to
host-api/src/main/c/weft/lunatic.h; "-" writes to stdout.  The output depends only on the JSON
content (no paths, dates or versions), so the committed header can be checked by regenerating it.

Every function is declared as
    __attribute__((import_module("lunatic::<module>"), import_name("<name>")))
    <ret> lunatic_<module>_<name>(<params>);
with C types that lower to exactly the Wasm types of the JSON on wasm32: i64 -> int64_t/uint64_t,
f64 -> double, i32 -> int32_t/uint32_t, or a pointer (32 bits on wasm32) for parameters named *_ptr.
Standard library only.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_API = os.path.dirname(HERE)
REPO = os.path.dirname(HOST_API)
DEFAULT_ABIS = [
    os.path.join(os.path.dirname(REPO), "shared", "abi", "lunatic-abi.json"),
    os.path.join(HOST_API, "src", "main", "resources", "dev", "weft", "hostapi", "lunatic-abi.json"),
]
DEFAULT_OUT = os.path.join(HOST_API, "src", "main", "c", "weft", "lunatic.h")

# ---------------------------------------------------------------------------------------------
# C types.  All of these lower to the Wasm type given in the JSON on wasm32 (checked by
# LunaticHeaderTest, which compiles a guest referencing every function and reads its imports).
# ---------------------------------------------------------------------------------------------

# Pointer parameters the host READS (input data).  Everything else named *_ptr is written by the host.
STRING_INPUTS = {"key_ptr", "value_ptr", "argument_ptr", "dir_ptr", "query_ptr",
                 "cert_pem_ptr", "pk_pem_ptr", "csr_pem_ptr"}
U64_OUTPUTS = {"id_ptr", "id_u64_ptr", "node_id_ptr", "process_id_ptr", "dns_iter_ptr",
               "socket_addr_id_ptr", "error_id_ptr", "error_ptr", "query_id_ptr",
               "connection_id_ptr", "nodes_ptr"}


def pointer_type(module, fn, pname):
    if pname.endswith("_str_ptr"):
        return "char *" if pname == "error_str_ptr" else "const char *"
    if pname in STRING_INPUTS:
        return "const char *"
    if pname == "tag_ptr":
        return "const int64_t *"
    if pname == "params_ptr":
        return "const uint8_t *"
    if pname == "addr_u8_ptr":
        return "uint8_t *" if fn == "resolve_next" else "const uint8_t *"
    if pname.endswith("_u32_ptr") or pname == "nodes_len_ptr":
        return "uint32_t *"
    if pname.endswith("_u16_ptr"):
        return "uint16_t *"
    if pname in U64_OUTPUTS:
        return "uint64_t *"
    if pname == "data_ptr":
        return "void *" if fn == "read_data" else "const void *"
    if pname == "buffer_ptr":
        return "const void *" if fn in ("udp_send", "udp_send_to") else "void *"
    if pname in ("module_data_ptr", "bind_data_ptr", "ciovec_array_ptr",
                 "certs_array_ptr", "keys_array_ptr"):
        return "const void *"
    # opaque_ptr, len_ptr: the host writes a value whose size depends on the outcome.
    return "void *"


UNSIGNED_I32 = {"port", "flow_info", "scope_id", "addr_type", "ttl", "col_idx", "column_idx"}
SIGNED_I64 = {"config_id", "module_id", "tag", "link", "wait_on_tag"}


def param_type(module, fn, pname, wtype):
    if wtype == "f64":
        return "double"
    if wtype == "i64":
        return "int64_t" if pname in SIGNED_I64 else "uint64_t"
    if wtype == "i32":
        if pname.endswith("_ptr"):
            return pointer_type(module, fn, pname)
        if pname.endswith("_len") or pname in UNSIGNED_I32:
            return "uint32_t"
        return "int32_t"
    raise SystemExit("unsupported Wasm type %r for %s::%s(%s)" % (wtype, module, fn, pname))


SIGNED_I64_RESULTS = {("lunatic::process", "create_config"), ("lunatic::message", "get_tag"),
                      ("lunatic::sqlite", "open")}


def result_type(module, fn, wtype):
    if wtype == "":
        return "void"
    if wtype == "i32":
        return "int32_t"
    if wtype == "i64":
        return "int64_t" if (module, fn) in SIGNED_I64_RESULTS else "uint64_t"
    if wtype == "f64":
        return "double"
    raise SystemExit("unsupported Wasm result type %r for %s::%s" % (wtype, module, fn))


def split_row(line):
    """Splits a Markdown table row on unescaped '|'; returns the stripped cells."""
    cells, cur, i = [], [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if c == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur).strip())
    return cells[1:-1]


def read_semantics(md_path):
    """(module, name) -> one-paragraph description, from the tables of LUNATIC-ABI.md."""
    sem, module = {}, None
    with open(md_path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("## "):
                title = line[3:].strip()
                module = title.split("`")[1] if title.startswith("`lunatic::") else None
            elif module and line.startswith("| `"):
                cells = split_row(line)
                if len(cells) == 5:
                    sem[(module, cells[0].strip("`"))] = cells[4]
    return sem


def wrap(text, width, prefix):
    words, lines, cur = text.replace("*/", "* /").split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    if cur:
        lines.append(cur)
    return "".join(prefix + l + "\n" for l in lines)


def c_decl(ctype, name):
    return ctype + name if ctype.endswith("*") else ctype + " " + name


PREAMBLE = r"""/*
 * lunatic.h -- every lunatic::* host function of the Lunatic ABI (runtime v0.13.2), for C guests
 * compiled with clang --target=wasm32-wasi.
 *
 * GENERATED by host-api/tools/gen-lunatic-header.py from lunatic-abi.json and LUNATIC-ABI.md.
 * Do not edit by hand; regenerate with:
 *     python3 host-api/tools/gen-lunatic-header.py
 *
 * Each host function `name` of Wasm module `lunatic::<module>` is declared as
 * `lunatic_<module>_<name>` and imported with import_module/import_name attributes, so the C name
 * never clashes with anything else. The C types lower to exactly the Wasm signature of the ABI on
 * wasm32 (pointers are 32-bit i32 addresses into the guest's own linear memory).
 *
 * ASYNC marks host calls that may suspend the calling process (the only blocking points besides
 * preemption). The plain-words helpers for the common cases are in weft.h.
 *
 * Conventions (see LUNATIC-ABI.md):
 *   - Resources (modules, configs, errors, sockets, ...) are per-process u64 ids.
 *   - Return codes: 0 ok; 1 error, with an error resource id written to the out-pointer (read it
 *     with lunatic_error_string_size / lunatic_error_to_string, free it with lunatic_error_drop);
 *     9027 timeout. Timeouts are milliseconds; UINT64_MAX means "wait forever".
 *   - config_id / module_id -1 mean "same as the caller". Tag 0 means "no tag". Link 0 means
 *     "don't link".
 *   - Bad pointers, unknown resource ids, invalid UTF-8 trap the calling process.
 */
#ifndef WEFT_LUNATIC_H
#define WEFT_LUNATIC_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__wasm32__)
#error "lunatic.h is for WebAssembly guests: compile with clang --target=wasm32-wasi"
#endif

/* ---- Return codes ------------------------------------------------------------------------- */
#define LUNATIC_OK 0            /* success */
#define LUNATIC_ERROR 1         /* failure; an error resource id was written to the out-pointer */
#define LUNATIC_TIMEOUT 9027    /* the timeout elapsed */

/* lunatic_message_receive results (the received message is in the scratch area) */
#define LUNATIC_RECEIVE_DATA 0          /* a data message */
#define LUNATIC_RECEIVE_LINK_DIED 1     /* a linked process died (only with die_when_link_dies(0));
                                           lunatic_message_get_tag() is the link tag */
#define LUNATIC_RECEIVE_PROCESS_DIED 2  /* a monitored process ended;
                                           lunatic_message_get_process_id() is its pid */
#define LUNATIC_RECEIVE_TIMEOUT 9027    /* nothing arrived in time */

/* lunatic_process_get_or_spawn: the name was already registered (node id and pid written) */
#define LUNATIC_GET_OR_SPAWN_FOUND 2

/* lunatic_process_compile_module: the caller may not compile modules */
#define LUNATIC_COMPILE_NOT_PERMITTED (-1)

/* ---- Sentinels ---------------------------------------------------------------------------- */
#define LUNATIC_INHERIT_CONFIG ((int64_t)-1)  /* config_id: the caller's config */
#define LUNATIC_INHERIT_MODULE ((int64_t)-1)  /* module_id: the caller's module */
#define LUNATIC_NO_TAG ((int64_t)0)           /* untagged message */
#define LUNATIC_NO_LINK ((int64_t)0)          /* spawn without linking */
#define LUNATIC_NO_TIMEOUT UINT64_MAX         /* timeout: wait forever */

/* ---- Spawn parameter records -------------------------------------------------------------- */
/*
 * lunatic_process_spawn (and get_or_spawn, distributed_spawn) take the arguments of the export to
 * call as a packed array of 17-byte records: byte 0 is the Wasm type id (0x7F i32, 0x7E i64,
 * 0x7B v128), bytes 1..16 the value as a little-endian 128-bit integer. params_len is in bytes and
 * must be a multiple of 17.
 */
#define LUNATIC_PARAM_SIZE 17
#define LUNATIC_PARAM_I32 0x7F
#define LUNATIC_PARAM_I64 0x7E
#define LUNATIC_PARAM_V128 0x7B

/* Writes one record at rec (LUNATIC_PARAM_SIZE bytes); returns rec + LUNATIC_PARAM_SIZE. */
static inline uint8_t *lunatic_param_v128(uint8_t *rec, uint64_t lo, uint64_t hi) {
    rec[0] = LUNATIC_PARAM_V128;
    for (int i = 0; i < 8; i++) {
        rec[1 + i] = (uint8_t)(lo >> (8 * i));
        rec[9 + i] = (uint8_t)(hi >> (8 * i));
    }
    return rec + LUNATIC_PARAM_SIZE;
}

static inline uint8_t *lunatic_param_i64(uint8_t *rec, int64_t value) {
    lunatic_param_v128(rec, (uint64_t)value, value < 0 ? UINT64_MAX : 0); /* sign-extended */
    rec[0] = LUNATIC_PARAM_I64;
    return rec + LUNATIC_PARAM_SIZE;
}

static inline uint8_t *lunatic_param_i32(uint8_t *rec, int32_t value) {
    lunatic_param_i64(rec, (int64_t)value);
    rec[0] = LUNATIC_PARAM_I32;
    return rec + LUNATIC_PARAM_SIZE;
}

#define LUNATIC_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
"""

POSTAMBLE = """
#undef LUNATIC_IMPORT

#ifdef __cplusplus
}
#endif

#endif /* WEFT_LUNATIC_H */
"""


def generate(abi, sem):
    out = [PREAMBLE]
    modules = []
    by_module = {}
    for f in abi:
        m = f["module"]
        if m not in by_module:
            by_module[m] = []
            modules.append(m)
        by_module[m].append(f)
    out.append("\n/* Function counts: %s; total %d. */\n" % (
        ", ".join("%s %d" % (m, len(by_module[m])) for m in modules), len(abi)))
    for m in modules:
        short = m.split("::", 1)[1]
        fns = by_module[m]
        out.append("\n/* ==== %s (%d) %s */\n" % (m, len(fns), "=" * max(0, 80 - len(m) - 16)))
        for f in fns:
            name = f["name"]
            params = f["params"]
            sig = "(%s) -> %s" % (", ".join("%s: %s" % (n, t) for n, t in params), f["ret"] or "()")
            doc = sem.get((m, name))
            if doc is None:
                raise SystemExit("no description of %s::%s in LUNATIC-ABI.md" % (m, name))
            out.append("\n/* %s::%s%s\n *   wasm: %s\n%s */\n" % (
                m, name, "  [ASYNC: may block]" if f["blocking"] else "", sig,
                wrap(doc, 92, " *   ")))
            cparams = ", ".join(c_decl(param_type(m, name, n, t), n) for n, t in params) or "void"
            out.append('LUNATIC_IMPORT("%s", "%s")\n%s(%s);\n' % (
                m, name, c_decl(result_type(m, name, f["ret"]), "lunatic_%s_%s" % (short, name)),
                cparams))
    out.append("\n/* ==== Every function, for X-macros =========================================== */\n")
    out.append("/* X(module, name) once per function, e.g. X(process, spawn) for lunatic_process_spawn. */\n")
    out.append("#define LUNATIC_FOR_EACH_FUNCTION(X) \\\n")
    out.append(" \\\n".join("    X(%s, %s)" % (f["module"].split("::", 1)[1], f["name"]) for f in abi))
    out.append("\n")
    out.append(POSTAMBLE)
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--abi", help="lunatic-abi.json (default: ../shared/abi, else the test-resources copy)")
    ap.add_argument("--doc", help="LUNATIC-ABI.md (default: beside the JSON)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output header, '-' for stdout")
    args = ap.parse_args()
    abi_path = args.abi or next((p for p in DEFAULT_ABIS if os.path.exists(p)), None)
    if abi_path is None:
        raise SystemExit("lunatic-abi.json not found; pass --abi PATH")
    with open(abi_path, encoding="utf-8") as fh:
        abi = json.load(fh)
    doc_path = args.doc or os.path.join(os.path.dirname(abi_path), "LUNATIC-ABI.md")
    if not os.path.exists(doc_path):
        raise SystemExit("%s not found (descriptions of the functions); pass --doc PATH" % doc_path)
    text = generate(abi, read_semantics(doc_path))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
