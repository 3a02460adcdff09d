;; (wat2wasm unknown_import.wat -o unknown_import.wasm)
;; A command module that imports env::nope, which Weft does not provide: `weft run` cannot
;; instantiate it.
(module
  (import "env" "nope" (func $nope (param i32) (result i32)))
  (func (export "_start")
    i32.const 1
    call $nope
    drop))
