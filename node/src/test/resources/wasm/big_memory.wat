;; A guest whose memory starts at 8 pages (512 KiB), for the maxMemoryBytes test.
;; (wat2wasm big_memory.wat -o big_memory.wasm)
(module
  (memory (export "memory") 8)
  (func (export "run")))
