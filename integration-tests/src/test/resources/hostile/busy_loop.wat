;; (wat2wasm busy_loop.wat -o busy_loop.wasm)
;; spin(): loops forever without calling the host.
(module
  (memory (export "memory") 1)
  (func (export "spin")
    (local $i i64)
    (loop $forever
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $forever))))
