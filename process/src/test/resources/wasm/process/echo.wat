;; WasmProcess fixture: a guest that talks to Java processes through two host functions,
;; receive() -> i64 and send(i64), both blocking or messaging on the process's own thread.
;; (wat2wasm --debug-names echo.wat -o echo.wasm)
(module $echo
  (import "env" "receive" (func $receive (result i64)))
  (import "env" "send" (func $send (param i64)))

  ;; receives a value and sends back value * factor
  (func $echo (export "echo") (param $factor i64)
    call $receive
    local.get $factor
    i64.mul
    call $send)

  ;; tells the host it is about to loop (send(7)), then loops forever without calling the host
  (func $announce_and_spin (export "announce_and_spin")
    i64.const 7
    call $send
    (loop $forever
      br $forever)))
