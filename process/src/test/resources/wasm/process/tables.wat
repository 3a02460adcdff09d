;; A table of 200 elements, for the table cap (WasmProcessTest).
;; (wat2wasm tables.wat -o tables.wasm)
(module
  (table $t 200 funcref)
  ;; check(): growing by 1,000 is refused (-1) under a cap of 300; growing by 50 works (old size 200)
  (func (export "check")
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 1000)) (i32.const -1)) (then (unreachable)))
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 50)) (i32.const 200)) (then (unreachable)))
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 51)) (i32.const -1)) (then (unreachable)))
    (if (i32.ne (table.size $t) (i32.const 250)) (then (unreachable)))))
