;; Fuel fixture: compute-bound code of every shape the fuel rewriter must keep working: recursion,
;; loops (nested, with a loop parameter), br_table among nested blocks, call_indirect through a
;; table filled by an active element segment, ref.func (in a global and in code, declared by a
;; declarative segment), exported memory/global/table, a start function, a name section.
;; (wat2wasm --debug-names compute.wat -o compute.wasm)
(module $compute
  (type $binop (func (param i32 i32) (result i32)))
  (type $unop (func (param i32) (result i32)))
  (table $t (export "table") 4 funcref)
  (memory (export "memory") 1)
  (global $started (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $add))
  (global (export "answer") i32 (i32.const 42))
  (elem (table $t) (i32.const 0) func $add $sub $mul)
  (elem declare func $square)
  (start $init)
  (func $init (global.set $started (i32.const 7)))
  (func (export "started") (result i32) (global.get $started))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func $square (type $unop) (i32.mul (local.get 0) (local.get 0)))
  (func $fib (export "fib") (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "fib_iter") (param $n i32) (result i64) (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "sum_to") (param $n i64) (result i64) (local $i i64) (local $s i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (local.set $s (i64.add (local.get $s) (local.get $i)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $c i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (if (i32.and (local.get $j) (i32.const 1))
          (then (local.set $c (i32.add (local.get $c) (local.get $j))))
          (else (local.set $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $c))
  (func (export "countdown") (param $n i32) (result i32)
    (local.get $n)
    (loop $l (param i32) (result i32)
      i32.const 1
      i32.sub
      local.tee $n
      local.get $n
      i32.const 0
      i32.gt_s
      br_if $l))
  ;; a switch in a loop: br_table picks a case, each case calls through the table
  (func (export "mix") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (local.set $acc (i32.const 1))
    (block $exit
      (loop $top
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (block $default
          (block $c2
            (block $c1
              (block $c0
                (br_table $c0 $c1 $c2 $default (i32.rem_u (local.get $i) (i32.const 4))))
              (local.set $acc (call_indirect $t (type $binop) (local.get $acc) (local.get $i) (i32.const 0)))
              (br $default))
            (local.set $acc (call_indirect $t (type $binop) (local.get $acc) (i32.const 3) (i32.const 1)))
            (br $default))
          (table.set $t (i32.const 3) (global.get $fref))
          (local.set $acc (call_indirect $t (type $binop) (local.get $acc) (i32.const 5) (i32.const 3)))
          (local.set $acc (call_indirect $t (type $binop) (local.get $acc) (i32.const 3) (i32.const 2))))
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (local.get $acc)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i32.xor (local.get $acc) (i32.load (i32.const 16))))
  (func (export "square_ref") (param $x i32) (result i32)
    (table.set $t (i32.const 3) (ref.func $square))
    (call_indirect $t (type $unop) (local.get $x) (i32.const 3)))
  (func (export "trap_in_loop") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.div_u (local.get $n) (i32.const 0))))
