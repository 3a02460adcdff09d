;; (wat2wasm spawn_bomb.wat -o spawn_bomb.wasm)
;; bomb(depth): unless depth is 0, spawns two linked children running bomb(depth - 1), then
;; waits forever. A binary tree of 2^(depth+1) - 1 processes, each linked to its parent.
(module
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "bomb")
  (func (export "bomb") (param $depth i32)
    (if (i32.gt_s (local.get $depth) (i32.const 0))
      (then
        ;; one 17-byte parameter record at 32: i32 depth - 1
        (i32.store8 (i32.const 32) (i32.const 0x7f))
        (i64.store (i32.const 33) (i64.extend_i32_s (i32.sub (local.get $depth) (i32.const 1))))
        (i64.store (i32.const 41) (i64.const 0))
        (drop (call $spawn (i64.const 1) (i64.const -1) (i64.const -1)
          (i32.const 0) (i32.const 4) (i32.const 32) (i32.const 17) (i32.const 64)))
        (drop (call $spawn (i64.const 1) (i64.const -1) (i64.const -1)
          (i32.const 0) (i32.const 4) (i32.const 32) (i32.const 17) (i32.const 64)))))
    (loop $forever
      (drop (call $receive (i32.const 0) (i32.const 0) (i64.const -1)))
      (br $forever))))
