;; Supervised Wasm workers that import nothing: they never call the host.
;; (wat2wasm --debug-names pure.wat -o pure.wasm)
(module $pure
  ;; loops forever: only an exit signal (shutdown, kill) ends it
  (func $spin (export "spin")
    (loop $forever
      br $forever))

  ;; traps at once
  (func $trap (export "trap")
    unreachable)

  ;; returns at once: exits normal
  (func $return (export "return"))

  ;; counts down from n, then traps: a crash after a bounded computation
  (func $count_then_trap (export "count_then_trap") (param $n i32)
    (block $done
      (loop $down
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $down)))
    unreachable))
