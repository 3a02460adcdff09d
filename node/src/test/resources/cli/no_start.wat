;; (wat2wasm no_start.wat -o no_start.wasm)
;; A reactor-style module: it exports a function, but no _start, so `weft run` refuses it.
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
