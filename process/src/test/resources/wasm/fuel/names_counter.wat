;; Fuel fixture: an invalid module whose code names a global one past the last one, the index the
;; fuel counter would get. It must be refused as invalid, never run with access to its counter.
;; (wat2wasm --no-check names_counter.wat -o names_counter.wasm)
(module
  (global $g (mut i64) (i64.const 1))
  (func (export "cheat") (global.set 1 (i64.const 9223372036854775807))))
