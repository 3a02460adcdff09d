;; A module with imports of every kind, built without a name section
;; (wat2wasm imports.wat -o imports.wasm).
(module
  (import "lunatic::process" "process_id" (func (result i64)))
  (import "env" "log" (func (param i32 i32)))
  (import "env" "memory" (memory 1 16))
  (import "env" "table" (table 2 funcref))
  (import "env" "counter" (global (mut i32)))
  (import "env" "seed" (global i64))
  (func (export "self") (result i64)
    call 0)
  (func (export "hello")
    i32.const 0
    i32.const 5
    call 1)
  (export "memory" (memory 0)))
