;; For NodeCloseTest: a loop that never ends and never calls the host (its back-edge is a safepoint).
;; (wat2wasm --debug-names spin.wat -o spin.wasm)
(module
  (func (export "spin") (loop $forever (br $forever))))
