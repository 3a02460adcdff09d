;; Well-formed but invalid: $bad returns an i64 where it declares an i32.
;; wat2wasm itself refuses it, so it is built without checking:
;; (wat2wasm --no-check --debug-names invalid-type.wat -o invalid-type.wasm)
(module
  (func $ok (result i32) i32.const 1)
  (func $bad (export "bad") (result i32) i64.const 1))
