;; (wat2wasm echo.wat -o echo.wasm)
;; The well-behaved neighbour. echo(to): forever receives any message; a data message tagged
;; PING (7) is sent back to `to` unchanged (the received scratch message is sent on as is);
;; one tagged STATS (8) is answered with a tag-8 message holding the number of other data
;; messages it received (8 bytes, little endian); every other message is counted and dropped.
(module
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $others (mut i64) (i64.const 0))
  (func (export "echo") (param $to i64)
    (local $tag i64)
    (loop $forever
      (if (i32.eqz (call $receive (i32.const 0) (i32.const 0) (i64.const -1)))
        (then
          (local.set $tag (call $get_tag))
          (if (i64.eq (local.get $tag) (i64.const 7))
            (then (drop (call $send (local.get $to))))
            (else
              (if (i64.eq (local.get $tag) (i64.const 8))
                (then
                  (i64.store (i32.const 0) (global.get $others))
                  (call $create_data (i64.const 8) (i64.const 8))
                  (drop (call $write_data (i32.const 0) (i32.const 8)))
                  (drop (call $send (local.get $to))))
                (else (global.set $others (i64.add (global.get $others) (i64.const 1)))))))))
      (br $forever))))
