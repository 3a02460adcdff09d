;; TrapCatch fixture: calls lunatic::trap::catch without exporting _lunatic_catch_trap.
;; (wat2wasm trap_catch_no_export.wat -o trap_catch_no_export.wasm)
(module
  (import "lunatic::trap" "catch" (func $catch (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (call $catch (i32.const 0) (i32.const 0))))
