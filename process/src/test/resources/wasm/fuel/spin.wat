;; Fuel fixture for processes: a loop that never ends and never calls the host, bounded work, a
;; guest that calls the host in its loop, and one that recurses for ever (2^60 calls) without a loop.
;; (wat2wasm --debug-names spin.wat -o spin.wasm)
(module $spin
  (import "env" "tick" (func $tick (param i64)))
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "spin_calls") (local $i i64)
    (loop $forever
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (if (i64.eqz (i64.rem_u (local.get $i) (i64.const 1000000)))
        (then (call $tick (local.get $i))))
      (br $forever)))
  (func (export "work") (param $n i64) (result i64) (local $i i64) (local $s i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (local.set $s (i64.add (local.get $s) (i64.mul (local.get $i) (local.get $i))))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (call $tick (local.get $s))
    (local.get $s))
  (func $twice (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (i32.add (call $twice (i32.sub (local.get $n) (i32.const 1)))
                     (call $twice (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "spin_recursive") (result i32) (call $twice (i32.const 60))))
