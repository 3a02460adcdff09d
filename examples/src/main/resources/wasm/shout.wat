;; The guest of the WasmEmbedding example (a Java host talking to Wasm processes).
;; shout(reply_to): receives data messages until one tagged 255 (stop) arrives; answers each other
;; message by sending its bytes, upper-cased, back to reply_to with the same tag. Exits with code 2
;; if nothing arrives for 10 s. crash(): traps, to show a trap as an exit reason.
;; (wat2wasm --debug-names shout.wat -o shout.wasm)
(module
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "read_data" (func $read_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "data_size" (func $data_size (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "shout") (param $reply_to i64)
    (local $tag i64) (local $n i32) (local $i i32) (local $c i32)
    (loop $next
      (if (i32.ne (call $receive (i32.const 0) (i32.const 0) (i64.const 10000)) (i32.const 0))
        (then (call $proc_exit (i32.const 2))))
      (local.set $tag (call $get_tag))
      (if (i64.eq (local.get $tag) (i64.const 255)) (then (return)))
      (local.set $n (i32.wrap_i64 (call $data_size)))
      (if (i32.gt_u (local.get $n) (i32.const 60000)) (then (local.set $n (i32.const 60000))))
      (drop (call $read_data (i32.const 1024) (local.get $n)))
      ;; upper-case ASCII a..z in place
      (local.set $i (i32.const 0))
      (block $done
        (loop $each
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
          (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
            (then (i32.store8 (i32.add (i32.const 1024) (local.get $i))
                              (i32.sub (local.get $c) (i32.const 32)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $each)))
      (call $create_data (local.get $tag) (i64.extend_i32_u (local.get $n)))
      (drop (call $write_data (i32.const 1024) (local.get $n)))
      (drop (call $send (local.get $reply_to)))
      (br $next)))
  (func $crash (export "crash")
    unreachable))
