;; TrapCatch fixture: exports _lunatic_catch_trap with the wrong type (i32) -> i32.
;; (wat2wasm trap_catch_bad_export.wat -o trap_catch_bad_export.wasm)
(module
  (import "lunatic::trap" "catch" (func $catch (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_lunatic_catch_trap") (param i32) (result i32)
    (local.get 0))
  (func (export "run") (result i32)
    (call $catch (i32.const 0) (i32.const 0))))
