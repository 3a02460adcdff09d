;; GuestMetrics fixture: guests that use the six lunatic::metrics functions.
;; Memory layout: 0x100.. names ("requests" 8, "temperature" 11, "latency" 7, "shared" 6,
;; "déjà" 6 bytes of UTF-8, 0xFF 0xFE invalid UTF-8 2), 0x200.. the generated name of many_names.
;; (wat2wasm --debug-names metrics.wat -o metrics.wasm)
(module $metrics
  (import "lunatic::metrics" "counter" (func $counter (param i32 i32 i64)))
  (import "lunatic::metrics" "increment_counter" (func $increment_counter (param i32 i32)))
  (import "lunatic::metrics" "gauge" (func $gauge (param i32 i32 f64)))
  (import "lunatic::metrics" "increment_gauge" (func $increment_gauge (param i32 i32 f64)))
  (import "lunatic::metrics" "decrement_gauge" (func $decrement_gauge (param i32 i32 f64)))
  (import "lunatic::metrics" "histogram" (func $histogram (param i32 i32 f64)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "requests")
  (data (i32.const 0x110) "temperature")
  (data (i32.const 0x120) "latency")
  (data (i32.const 0x130) "shared")
  (data (i32.const 0x140) "d\c3\a9j\c3\a0")
  (data (i32.const 0x150) "\ff\fe")

  ;; requests += n, then requests += 1
  (func (export "count") (param $n i64)
    (call $counter (i32.const 0x100) (i32.const 8) (local.get $n))
    (call $increment_counter (i32.const 0x100) (i32.const 8)))

  ;; temperature = set, += up, -= down
  (func (export "temperature") (param $set f64) (param $up f64) (param $down f64)
    (call $gauge (i32.const 0x110) (i32.const 11) (local.get $set))
    (call $increment_gauge (i32.const 0x110) (i32.const 11) (local.get $up))
    (call $decrement_gauge (i32.const 0x110) (i32.const 11) (local.get $down)))

  (func (export "latency") (param $sample f64)
    (call $histogram (i32.const 0x120) (i32.const 7) (local.get $sample)))

  ;; n times: shared += 1.5 and shared -= 0.5
  (func (export "shared_gauge") (param $n i32)
    (loop $again
      (if (i32.gt_s (local.get $n) (i32.const 0))
        (then
          (call $increment_gauge (i32.const 0x130) (i32.const 6) (f64.const 1.5))
          (call $decrement_gauge (i32.const 0x130) (i32.const 6) (f64.const 0.5))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $again)))))

  (func (export "utf8_name")
    (call $increment_counter (i32.const 0x140) (i32.const 6)))

  ;; "requests" used as a gauge after it was a counter
  (func (export "requests_as_gauge")
    (call $gauge (i32.const 0x100) (i32.const 8) (f64.const 1)))
  (func (export "requests_as_histogram")
    (call $histogram (i32.const 0x100) (i32.const 8) (f64.const 1)))
  (func (export "temperature_as_counter")
    (call $increment_counter (i32.const 0x110) (i32.const 11)))

  (func (export "bad_pointer")
    (call $counter (i32.const 0xFFFF) (i32.const 8) (i64.const 1)))
  (func (export "bad_length")
    (call $histogram (i32.const 0x100) (i32.const -1) (f64.const 1)))
  (func (export "long_name")
    (call $gauge (i32.const 0) (i32.const 1025) (f64.const 1)))
  (func (export "invalid_utf8")
    (call $increment_gauge (i32.const 0x150) (i32.const 2) (f64.const 1)))
  (func (export "empty_name")
    (call $counter (i32.const 0x100) (i32.const 0) (i64.const 1)))

  ;; counters "m" + 4 letters a..p (the nibbles of i) for i in [from, to), each += 1
  (func (export "many_names") (param $from i32) (param $to i32)
    (local $i i32)
    (local.set $i (local.get $from))
    (i32.store8 (i32.const 0x200) (i32.const 0x6D))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (i32.store8 (i32.const 0x201) (i32.add (i32.const 0x61) (i32.and (local.get $i) (i32.const 15))))
        (i32.store8 (i32.const 0x202)
          (i32.add (i32.const 0x61) (i32.and (i32.shr_u (local.get $i) (i32.const 4)) (i32.const 15))))
        (i32.store8 (i32.const 0x203)
          (i32.add (i32.const 0x61) (i32.and (i32.shr_u (local.get $i) (i32.const 8)) (i32.const 15))))
        (i32.store8 (i32.const 0x204)
          (i32.add (i32.const 0x61) (i32.and (i32.shr_u (local.get $i) (i32.const 12)) (i32.const 15))))
        (call $increment_counter (i32.const 0x200) (i32.const 5))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again))))
)
