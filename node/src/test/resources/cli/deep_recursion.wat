;; A guest that recurses as deep as asked: `recurse n` is n nested calls; `_start` (for `weft run`)
;; goes 100,000 calls deep, deeper than a process's default 1 MiB stack allows, so it needs a
;; larger --max-stack. `recurse_slowly n` computes a while at every level, so that a process yields
;; (preempted, or at the end of a fuel slice) many times on its way down; `recurse_sleeping n`
;; sleeps a millisecond at every level (a host call that parks the process).
;; (wat2wasm deep_recursion.wat -o deep_recursion.wasm)
(module
  (import "lunatic::process" "sleep_ms" (func $sleep_ms (param i64)))
  (func $recurse (export "recurse") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $recurse (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "_start")
    (drop (call $recurse (i32.const 100000))))
  (func $recurse_slowly (export "recurse_slowly") (param $n i32) (result i32) (local $i i32)
    (local.set $i (i32.const 5000))
    (loop $burn (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $burn (local.get $i)))
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $recurse_slowly (i32.sub (local.get $n) (i32.const 1)))))))
  (func $recurse_sleeping (export "recurse_sleeping") (param $n i32) (result i32)
    (call $sleep_ms (i64.const 1))
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $recurse_sleeping (i32.sub (local.get $n) (i32.const 1))))))))
