;; (wat2wasm flood.wat -o flood.wasm)
;; flood(to, count, size): sends `to` `count` data messages tagged 9 of `size` bytes each (from
;; address 0 of its 17 pages of memory, so up to 1 MiB + 64 KiB), then returns.
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (memory (export "memory") 17)
  (func (export "flood") (param $to i64) (param $count i32) (param $size i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (i32.store (i32.const 0) (local.get $i))
        (call $create_data (i64.const 9) (i64.extend_i32_u (local.get $size)))
        (drop (call $write_data (i32.const 0) (local.get $size)))
        (drop (call $send (local.get $to)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
