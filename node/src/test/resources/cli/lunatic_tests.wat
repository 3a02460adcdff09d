;; (wat2wasm lunatic_tests.wat -o lunatic_tests.wasm)
;; A test binary as lunatic-rs's #[lunatic::test] names its exports:
;; "#lunatic_test_" [ "#ignore_" ] [ "#panic_" <expected, '#' escaped as '\#'> "#" ] <module path>::<fn>.
;; `weft run` runs it in test mode: every such export is a test, run as its own root process.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "adding\0a")                                                ;; 7 bytes
  (data (i32.const 288) "about to break\0a")                                        ;; 15 bytes
  (data (i32.const 320) "thread 'main' panicked at src/lib.rs:9:5:\0aboom\0a")      ;; 47 bytes
  ;; write(fd, ptr, len): one iovec at 0, bytes written at 8
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; a Rust test binary has a libtest main; test mode must not call it
  (func (export "_start") unreachable)
  (func (export "#lunatic_test_tests::adds")
    (call $write (i32.const 1) (i32.const 256) (i32.const 7)))
  (func (export "#lunatic_test_#panic_boom#tests::fails_on_purpose")
    (call $write (i32.const 2) (i32.const 320) (i32.const 47))
    unreachable)
  (func (export "#lunatic_test_#ignore_tests::slow"))
  (func (export "#lunatic_test_tests::broken")
    (call $write (i32.const 1) (i32.const 288) (i32.const 15))
    unreachable)
  (func (export "#lunatic_test_#panic_other \\# message#tests::wrong_panic")
    (call $write (i32.const 2) (i32.const 320) (i32.const 47))
    unreachable)
  (func (export "#lunatic_test_#ignore_#panic_#tests::slow_panics")
    unreachable))
