;; (wat2wasm recursion_bomb.wat -o recursion_bomb.wasm)
;; bomb(): unbounded recursion (with locals, so each frame costs something).
(module
  (memory (export "memory") 1)
  (func $down (param $n i64) (result i64)
    (local $a i64) (local $b i64)
    (local.set $a (i64.add (local.get $n) (i64.const 1)))
    (local.set $b (call $down (local.get $a)))
    (i64.add (local.get $b) (local.get $a)))
  (func (export "bomb")
    (drop (call $down (i64.const 0)))))
