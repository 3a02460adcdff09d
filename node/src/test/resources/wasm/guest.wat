;; Guests for NodeWasmTest: exports a Java host spawns through Node.spawnWasm.
;; (wat2wasm --debug-names guest.wat -o guest.wasm)
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "read_data" (func $read_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "data_size" (func $data_size (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "lunatic::metrics" "counter" (func $counter (param i32 i32 i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from wasm") ;; 15 bytes
  (data (i32.const 32) "hi from wasi\n")  ;; 13 bytes
  (data (i32.const 48) "\20\00\00\00\0d\00\00\00") ;; an iovec: 13 bytes at 32
  (data (i32.const 64) "jobs.done") ;; 9 bytes
  ;; count(n): adds n to the guest counter "jobs.done"
  (func (export "count") (param $n i64)
    (call $counter (i32.const 64) (i32.const 9) (local.get $n)))
  ;; greet(pid, tag): sends "hello from wasm" with tag to pid
  (func (export "greet") (param $pid i64) (param $tag i64)
    (call $create_data (local.get $tag) (i64.const 15))
    (drop (call $write_data (i32.const 0) (i32.const 15)))
    (drop (call $send (local.get $pid))))
  ;; echo(pid, add): receives one data message (any tag, 5 s), sends its bytes back to pid with
  ;; the tag plus add; exits with code 3 on a timeout
  (func (export "echo") (param $pid i64) (param $add i32)
    (local $n i32)
    (if (i32.ne (call $receive (i32.const 0) (i32.const 0) (i64.const 5000)) (i32.const 0))
      (then (call $proc_exit (i32.const 3))))
    (local.set $n (i32.wrap_i64 (call $data_size)))
    (drop (call $read_data (i32.const 1024) (local.get $n)))
    (call $create_data (i64.add (call $get_tag) (i64.extend_i32_s (local.get $add)))
                       (i64.extend_i32_u (local.get $n)))
    (drop (call $write_data (i32.const 1024) (local.get $n)))
    (drop (call $send (local.get $pid))))
  ;; boom(): traps
  (func $boom (export "boom")
    unreachable)
  ;; say(): writes "hi from wasi\n" to stdout through WASI
  (func (export "say")
    (drop (call $fd_write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 56))))
  ;; exit_with(code): WASI proc_exit
  (func (export "exit_with") (param $code i32)
    (call $proc_exit (local.get $code))))
