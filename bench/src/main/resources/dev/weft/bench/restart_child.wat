;; The Wasm child of the restart-latency benchmark (RestartLatency): child(to) sends `to` its own
;; process id (tag 7), waits for any message, then traps; its supervisor restarts it.
;; (wat2wasm restart_child.wat -o restart_child.wasm)
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (memory (export "memory") 1)
  (func (export "child") (param $to i64)
    (i64.store (i32.const 0) (call $process_id))
    (call $create_data (i64.const 7) (i64.const 8))
    (drop (call $write_data (i32.const 0) (i32.const 8)))
    (drop (call $send (local.get $to)))
    (drop (call $receive (i32.const 0) (i32.const 0) (i64.const -1)))
    unreachable))
