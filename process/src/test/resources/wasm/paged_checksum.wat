;; PagedMemory end-to-end fixture: 17 pages (the usual C/Rust size), one data segment on page 10,
;; and a loop that stores and loads across page boundaries, plus memory.fill and an overlapping
;; memory.copy that crosses pages. checksum() must give the same result on every memory.
(module
  (memory (export "memory") 17)
  (data (i32.const 655370) "weft paged memory")

  ;; Store an i64 every $stride bytes in [$start, $end - 8], then fold i32 loads at +3 and
  ;; i16 loads at +7 (both straddle page boundaries for suitable strides) into a hash.
  (func $mix (param $start i32) (param $end i32) (param $stride i32) (result i64)
    (local $i i32) (local $h i64)
    (local.set $i (local.get $start))
    (block $done
      (loop $store
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $end)))
        (i64.store (local.get $i)
          (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x9E3779B97F4A7C15)))
        (local.set $i (i32.add (local.get $i) (local.get $stride)))
        (br $store)))
    (local.set $h (i64.const 1469598103934665603))
    (local.set $i (local.get $start))
    (block $done2
      (loop $load
        (br_if $done2 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $h
          (i64.mul
            (i64.xor (local.get $h) (i64.extend_i32_u (i32.load offset=3 (local.get $i))))
            (i64.const 1099511628211)))
        (local.set $h
          (i64.add (local.get $h) (i64.load16_s offset=7 (local.get $i))))
        (local.set $i (i32.add (local.get $i) (local.get $stride)))
        (br $load)))
    (local.get $h))

  (func (export "checksum") (result i64)
    (local $h i64)
    (local.set $h (call $mix (i32.const 0) (i32.const 1114112) (i32.const 4093)))
    ;; fill 100000 bytes across pages 2..3, then an overlapping copy upward across pages
    (memory.fill (i32.const 131000) (i32.const 0x5a) (i32.const 100000))
    (memory.copy (i32.const 140000) (i32.const 130000) (i32.const 70000))
    ;; and an overlapping copy downward
    (memory.copy (i32.const 60000) (i32.const 65000) (i32.const 80000))
    (local.set $h (i64.xor (local.get $h)
      (call $mix (i32.const 1000) (i32.const 1000) (i32.const 8))))
    ;; fold in every 61st byte of the first 5 pages and the data segment's page
    (call $fold (local.get $h) (i32.const 0) (i32.const 327680) (i32.const 61))
    (local.set $h)
    (call $fold (local.get $h) (i32.const 655360) (i32.const 720896) (i32.const 1)))

  (func $fold (param $h i64) (param $start i32) (param $end i32) (param $step i32) (result i64)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $h (i64.mul
          (i64.xor (local.get $h) (i64.load8_u (local.get $start)))
          (i64.const 1099511628211)))
        (local.set $start (i32.add (local.get $start) (local.get $step)))
        (br $l)))
    (local.get $h))

  (func (export "load8") (param $addr i32) (result i32)
    local.get $addr
    i32.load8_u))
