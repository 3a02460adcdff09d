;; TrapCatch fixture: lunatic::trap::catch calling back into _lunatic_catch_trap, which runs the
;; closure at table index `function` with argument `pointer` (as lunatic-rs does).
;; weft_test::* are test-only host functions (TrapCatchTest): report sends an i64 to the test,
;; sleep_ms sleeps in the host, exit ends the process like WASI proc_exit, host_failure throws a
;; Java exception (a broken host, not a trap).
;; (wat2wasm --debug-names trap_catch.wat -o trap_catch.wasm)
(module $trap_catch
  (import "lunatic::trap" "catch" (func $catch (param i32 i32) (result i32)))
  (import "lunatic::metrics" "increment_counter" (func $increment_counter (param i32 i32)))
  (import "weft_test" "report" (func $report (param i64)))
  (import "weft_test" "sleep_ms" (func $sleep_ms (param i64)))
  (import "weft_test" "exit" (func $exit (param i32)))
  (import "weft_test" "host_failure" (func $host_failure))
  (memory (export "memory") 1)
  (global $touched (mut i32) (i32.const 0))
  (type $closure (func (param i32) (result i32)))
  ;; closures, by table index
  (table 12 funcref)
  (elem (i32.const 0) $ok $unreachable $divide_by_zero $out_of_bounds $recurse $nested
    $loop_forever $sleep_forever $exit_with $host_fails $bad_pointer $touch_then_trap)

  (func (export "_lunatic_catch_trap") (param $function i32) (param $pointer i32) (result i32)
    (call_indirect (type $closure) (local.get $pointer) (local.get $function)))

  (func $ok (param $p i32) (result i32)
    (i32.add (local.get $p) (i32.const 1)))
  (func $unreachable (param $p i32) (result i32)
    unreachable)
  (func $divide_by_zero (param $p i32) (result i32)
    (i32.div_s (local.get $p) (i32.const 0)))
  (func $out_of_bounds (param $p i32) (result i32)
    (i32.load (i32.const 0x7FFFFFF0)))
  (func $recurse (param $p i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $p) (i32.const 1))) (i32.const 1)))
  ;; a caught trap inside, then a successful catch: 0 + (p + 1)
  (func $nested (param $p i32) (result i32)
    (i32.add (call $catch (i32.const 1) (i32.const 0)) (call $catch (i32.const 0) (local.get $p))))
  (func $loop_forever (param $p i32) (result i32)
    (loop $again (br $again))
    (i32.const 0))
  (func $sleep_forever (param $p i32) (result i32)
    (loop $again (call $sleep_ms (i64.const 1000)) (br $again))
    (i32.const 0))
  (func $exit_with (param $p i32) (result i32)
    (call $exit (local.get $p))
    (i32.const 0))
  (func $host_fails (param $p i32) (result i32)
    (call $host_failure)
    (i32.const 0))
  ;; a lunatic host function traps on a name outside the guest's memory
  (func $bad_pointer (param $p i32) (result i32)
    (call $increment_counter (i32.const 0xFFFFFF00) (i32.const 100))
    (i32.const 1))
  ;; effects before a trap stay (there is no unwinding)
  (func $touch_then_trap (param $p i32) (result i32)
    (global.set $touched (local.get $p))
    (i32.store (i32.const 256) (local.get $p))
    unreachable)
  (func $crash
    unreachable)

  (func $report32 (param $v i32)
    (call $report (i64.extend_i32_s (local.get $v))))

  ;; every kind of catch in one process, each result reported
  (func (export "run")
    (call $report32 (call $catch (i32.const 0) (i32.const 41)))   ;; 42
    (call $report32 (call $catch (i32.const 1) (i32.const 0)))    ;; 0
    (call $report32 (call $catch (i32.const 2) (i32.const 7)))    ;; 0
    (call $report32 (call $catch (i32.const 3) (i32.const 0)))    ;; 0
    (call $report32 (call $catch (i32.const 4) (i32.const 0)))    ;; 0
    (call $report32 (call $catch (i32.const 0) (i32.const 1)))    ;; 2: works after a stack overflow
    (call $report32 (call $catch (i32.const 5) (i32.const 10)))   ;; 11: nested
    (call $report32 (call $catch (i32.const 5) (i32.const 20)))   ;; 21: again
    (call $report32 (call $catch (i32.const 10) (i32.const 0)))   ;; 0: a host function's trap
    (call $report32 (call $catch (i32.const 11) (i32.const 77)))  ;; 0
    (call $report32 (global.get $touched))                        ;; 77
    (call $report32 (i32.load (i32.const 256)))                   ;; 77
    (call $report32 (memory.grow (i32.const 1)))                  ;; 1: memory still works
    (i32.store (i32.const 65536) (i32.const 5))
    (call $report32 (i32.load (i32.const 65536)))                 ;; 5
    (call $report32 (call $catch (i32.const 0) (i32.const -2))))  ;; -1

  ;; catch(function, pointer) once, reporting the result
  (func (export "catch_one") (param $function i32) (param $pointer i32)
    (call $report32 (call $catch (local.get $function) (local.get $pointer))))

  ;; reports 1, then enters a catch that never returns (loop or sleep), then would report 2
  (func (export "stuck_in_catch") (param $function i32)
    (call $report (i64.const 1))
    (call $report32 (call $catch (local.get $function) (i32.const 0)))
    (call $report (i64.const 2)))

  ;; n catches in a row, a trap at even i, i + 1 at odd i; reports the sum
  (func (export "catch_many") (param $n i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum)
          (call $catch (i32.and (i32.xor (local.get $i) (i32.const 1)) (i32.const 1)) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (call $report32 (local.get $sum)))

  ;; a caught trap, then a trap outside any catch in $crash
  (func (export "crash_after_catch")
    (call $report32 (call $catch (i32.const 1) (i32.const 0)))
    (call $crash))
)
