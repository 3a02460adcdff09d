;; (wat2wasm memory_bomb.wat -o memory_bomb.wasm)
;; grow(to): memory.grow by one page until refused, then touches the last byte of its memory,
;; tries one huge grow (65536 pages, must be refused too) and sends `to` a tag-1 message with
;; the page count it reached (i64) and the huge grow's result (i64); then returns normally.
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "grow") (param $to i64)
    (local $huge i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    ;; the memory it got is usable to its last byte
    (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 42))
    (local.set $huge (memory.grow (i32.const 65536)))
    (i64.store (i32.const 0) (i64.extend_i32_u (memory.size)))
    (i64.store (i32.const 8) (i64.extend_i32_s (local.get $huge)))
    (call $create_data (i64.const 1) (i64.const 16))
    (drop (call $write_data (i32.const 0) (i32.const 16)))
    (drop (call $send (local.get $to)))))
