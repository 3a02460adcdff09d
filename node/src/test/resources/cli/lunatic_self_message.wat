;; A Lunatic guest for `weft run`: sends itself a tagged data message through lunatic::message,
;; receives it by tag, and exits with proc_exit(7) if the tag and size came back right, else 1.
;; (wat2wasm lunatic_self_message.wat -o lunatic_self_message.wasm)
(module
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "data_size" (func $data_size (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello")            ;; the payload, 5 bytes
  (data (i32.const 16) "\2a\00\00\00\00\00\00\00") ;; the tag to wait for: 42
  (func (export "_start")
    (call $create_data (i64.const 42) (i64.const 16))
    (drop (call $write_data (i32.const 0) (i32.const 5)))
    (drop (call $send (call $process_id)))
    ;; receive(tags at 16, one tag, 1000 ms)
    (if (i32.ne (call $receive (i32.const 16) (i32.const 1) (i64.const 1000)) (i32.const 0))
      (then (call $proc_exit (i32.const 1))))
    (if (i64.ne (call $get_tag) (i64.const 42)) (then (call $proc_exit (i32.const 1))))
    (if (i64.ne (call $data_size) (i64.const 5)) (then (call $proc_exit (i32.const 1))))
    (call $proc_exit (i32.const 7))))
