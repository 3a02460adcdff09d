;; (wat2wasm create_data.wat -o create_data.wasm)
;; huge(capacity, to): create_data(tag 1, capacity), writes 8 bytes, sends the message to `to`.
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "huge") (param $capacity i64) (param $to i64)
    (i64.store (i32.const 0) (i64.const 0x0123456789abcdef))
    (call $create_data (i64.const 1) (local.get $capacity))
    (drop (call $write_data (i32.const 0) (i32.const 8)))
    (drop (call $send (local.get $to)))))
