;; Minimal module: one exported function, built with a name section
;; (wat2wasm --debug-names add.wat -o add.wasm).
(module $adder
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add)
  (func $square (param $x i32) (result i32)
    local.get $x
    local.get $x
    i32.mul)
  (func $add_squares (export "add_squares") (param $a i32) (param $b i32) (result i32)
    (call $add (call $square (local.get $a)) (call $square (local.get $b)))))
