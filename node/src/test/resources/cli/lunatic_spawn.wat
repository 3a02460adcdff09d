;; A Lunatic guest for `weft run` that spawns a child of its own module: the child gets the
;; parent's id as an i64 argument and sends it a 3-byte message; the parent exits with
;; proc_exit(7) when it arrives, 1 otherwise.
;; (wat2wasm lunatic_spawn.wat -o lunatic_spawn.wasm)
(module
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "data_size" (func $data_size (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "child")   ;; the export to spawn, 5 bytes
  (data (i32.const 8) "abc")     ;; the child's message
  ;; bytes 32..48: one 17-byte parameter record (0x7E = i64), written at run time
  ;; bytes 64..72: the child's id
  (func (export "child") (param $parent i64)
    (call $create_data (i64.const 0) (i64.const 3))
    (drop (call $write_data (i32.const 8) (i32.const 3)))
    (drop (call $send (local.get $parent))))
  (func (export "_start")
    (i32.store8 (i32.const 32) (i32.const 0x7E))
    (i64.store (i32.const 33) (call $process_id))
    (i64.store (i32.const 41) (i64.const 0))
    (if (i32.ne
          (call $spawn (i64.const 0) (i64.const -1) (i64.const -1)
                       (i32.const 0) (i32.const 5) (i32.const 32) (i32.const 17) (i32.const 64))
          (i32.const 0))
      (then (call $proc_exit (i32.const 1))))
    ;; receive any message, 5 s
    (if (i32.ne (call $receive (i32.const 0) (i32.const 0) (i64.const 5000)) (i32.const 0))
      (then (call $proc_exit (i32.const 1))))
    (if (i64.ne (call $data_size) (i64.const 3)) (then (call $proc_exit (i32.const 1))))
    (call $proc_exit (i32.const 7))))
