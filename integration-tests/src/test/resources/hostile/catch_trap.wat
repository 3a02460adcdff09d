;; (wat2wasm catch_trap.wat -o catch_trap.wasm)
;; Traps inside lunatic::trap::catch. _lunatic_catch_trap(function, pointer) does, by function:
;; 0 unreachable; 1 unbounded recursion; 2 a host call with an out-of-bounds pointer;
;; 3 a nested catch of 0, returning its result + 100; 4 returns 7; 5 integer divide by zero.
;; run(to) catches each of them and sends `to` a tag-1 message of six i32 results
;; (expected 0 0 0 100 7 0); then it returns normally.
(module
  (import "lunatic::trap" "catch" (func $catch (param i32 i32) (result i32)))
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (memory (export "memory") 1)
  (func $down (param $n i64) (result i64)
    (i64.add (call $down (i64.add (local.get $n) (i64.const 1))) (local.get $n)))
  (func (export "_lunatic_catch_trap") (param $function i32) (param $pointer i32) (result i32)
    (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 (local.get $function)))
      (unreachable))
      (drop (call $down (i64.const 0))) (return (i32.const 1)))
      (call $put (i32.const 0xfffffff0) (i32.const 0x7fffffff) (i64.const 1) (i64.const 1))
      (return (i32.const 2)))
      (return (i32.add (call $catch (i32.const 0) (i32.const 0)) (i32.const 100))))
      (return (i32.const 7)))
    (i32.div_s (i32.const 1) (local.get $pointer)))
  (func (export "run") (param $to i64)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 6)))
        (i32.store (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 4)))
          (call $catch (local.get $i) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $create_data (i64.const 1) (i64.const 24))
    (drop (call $write_data (i32.const 256) (i32.const 24)))
    (drop (call $send (local.get $to)))))
