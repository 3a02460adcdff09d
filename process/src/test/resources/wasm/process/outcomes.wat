;; WasmProcess fixture: one export per way a process can end (return, traps, deep recursion,
;; a host exit, a failing host function, an endless loop that only a kill stops).
;; (wat2wasm --debug-names outcomes.wat -o outcomes.wasm)
(module $outcomes
  (import "env" "exit" (func $exit (param i32)))
  (import "env" "boom" (func $boom))
  (memory 1)

  (func $add (export "add") (param $a i64) (param $b i32) (result i64)
    local.get $a
    local.get $b
    i64.extend_i32_s
    i64.add)

  (func $_start (export "_start"))

  ;; the trap happens one call down, so the reason must name $inner, not the export
  (func $inner
    unreachable)
  (func $unreachable (export "unreachable")
    call $inner)

  (func $divide (export "divide") (param $n i32) (result i32)
    i32.const 100
    local.get $n
    i32.div_s)

  (func $load_far (export "load_far") (result i32)
    i32.const 70000
    i32.load)

  (func $recurse (export "recurse") (param $n i64) (result i64)
    local.get $n
    i64.const 1
    i64.add
    call $recurse
    i64.const 1
    i64.add)

  (func $do_exit (export "do_exit") (param $code i32)
    local.get $code
    call $exit
    unreachable)

  (func $do_boom (export "do_boom")
    call $boom)

  (func $spin (export "spin")
    (loop $forever
      br $forever))

  (func $grow (export "grow") (param $pages i32) (result i32)
    local.get $pages
    memory.grow)

  ;; no name in the name section: reasons say func[index]
  (func (export "anonymous_trap")
    unreachable))
