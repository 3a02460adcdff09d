;; Uses a SIMD instruction, which neither of Weft's engines runs: loading must refuse it.
;; (wat2wasm --debug-names simd.wat -o simd.wasm)
(module
  (func $splat (export "splat") (param i32) (result i32)
    local.get 0
    i32x4.splat
    i32x4.extract_lane 2))
