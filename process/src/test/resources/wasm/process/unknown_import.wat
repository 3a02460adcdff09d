;; WasmProcess fixture: imports a host function the tests do not provide.
;; (wat2wasm unknown_import.wat -o unknown_import.wasm)
(module
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (func (export "run") (result i64)
    call $process_id))
