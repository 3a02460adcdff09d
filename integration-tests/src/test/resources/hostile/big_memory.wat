;; (wat2wasm big_memory.wat -o big_memory.wasm)
;; A module whose initial memory (256 pages, 16 MiB) exceeds a smaller cap.
(module
  (memory (export "memory") 256)
  (func (export "run")))
