;; (wat2wasm parallel_tests.wat -o parallel_tests.wasm)
;; A test binary (exports named as lunatic-rs's #[lunatic::test] names them) whose tests show how
;; test mode runs them: at once or one at a time, and isolated from each other. Tests meet through
;; the one thing they share, the directory granted first (--dir, descriptor 3): they make and look
;; for directories in it. Each test fails by trapping, after a line on stderr saying why.
;;
;; meet::a .. meet::d   each makes the directory named by its letter, then waits (up to 10 s) until
;;                      all four exist: they pass only if the four run at the same time. Each also
;;                      registers the name "me" for itself first, and fails if the name is already
;;                      taken, or is no longer its own after the meeting: tests that saw each other's
;;                      registry would fail.
;; exclusive::one .. four  each takes the directory "lock" (fails if another test holds it), holds it
;;                      500 ms and gives it back: they pass only if they run one at a time.
;; order::fails_late    waits (up to 10 s) for the directory "early", then 500 ms more, and fails.
;; order::passes        prints a line and passes.
;; order::fails_early   prints a line, makes "early" and fails.
;; slow::sleeps         sleeps 1500 ms.  slow::quick  returns at once.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory"
    (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::process" "sleep_ms" (func $sleep_ms (param i64)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::distributed" "node_id" (func $node_id (result i64)))
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::registry" "get" (func $get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..8: one iovec; 8: bytes written; 16: a node id; 24: a process id; 64..128: a filestat
  (data (i32.const 256) "abcd")                                  ;; the meeting's directories, 1 byte each
  (data (i32.const 260) "me")                                    ;; the registered name, 2 bytes
  (data (i32.const 264) "lock")                                  ;; 4 bytes
  (data (i32.const 268) "early")                                 ;; 5 bytes
  (data (i32.const 288) "? arrived\0a")                          ;; 10 bytes, the letter first
  (data (i32.const 304) "? met\0a")                              ;; 6 bytes
  (data (i32.const 320) "gave up waiting for the others\0a")     ;; 31 bytes
  (data (i32.const 352) "saw another test's name\0a")            ;; 24 bytes
  (data (i32.const 384) "another test holds the lock\0a")        ;; 28 bytes
  (data (i32.const 416) "failing late\0a")                       ;; 13 bytes
  (data (i32.const 432) "failing early\0a")                      ;; 14 bytes
  (data (i32.const 448) "passing\0a")                            ;; 8 bytes
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; fails, saying why on stderr
  (func $fail (param $ptr i32) (param $len i32)
    (call $write (i32.const 2) (local.get $ptr) (local.get $len))
    unreachable)
  (func $exists (param $ptr i32) (param $len i32) (result i32)
    (i32.eqz (call $path_filestat_get (i32.const 3) (i32.const 0) (local.get $ptr) (local.get $len) (i32.const 64))))
  (func $mkdir (param $ptr i32) (param $len i32) (result i32)
    (call $path_create_directory (i32.const 3) (local.get $ptr) (local.get $len)))
  ;; waits up to 10 s (1000 times 10 ms) for the directory, else fails
  (func $wait_for (param $ptr i32) (param $len i32)
    (local $tries i32)
    (block $found
      (loop $poll
        (br_if $found (call $exists (local.get $ptr) (local.get $len)))
        (if (i32.ge_u (local.get $tries) (i32.const 1000))
          (then (call $fail (i32.const 320) (i32.const 31))))
        (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
        (call $sleep_ms (i64.const 10))
        (br $poll))))
  ;; is the name "me" registered to this process?
  (func $mine (result i32)
    (if (result i32) (call $get (i32.const 260) (i32.const 2) (i32.const 16) (i32.const 24))
      (then (i32.const 0))
      (else (i64.eq (i64.load (i32.const 24)) (call $process_id)))))
  (func $meet (param $letter i32)
    (if (i32.eqz (call $get (i32.const 260) (i32.const 2) (i32.const 16) (i32.const 24)))
      (then (call $fail (i32.const 352) (i32.const 24))))
    (call $put (i32.const 260) (i32.const 2) (call $node_id) (call $process_id))
    (i32.store8 (i32.const 288) (i32.load8_u (i32.add (i32.const 256) (local.get $letter))))
    (call $write (i32.const 1) (i32.const 288) (i32.const 10))
    (drop (call $mkdir (i32.add (i32.const 256) (local.get $letter)) (i32.const 1)))
    (call $wait_for (i32.const 256) (i32.const 1))
    (call $wait_for (i32.const 257) (i32.const 1))
    (call $wait_for (i32.const 258) (i32.const 1))
    (call $wait_for (i32.const 259) (i32.const 1))
    (if (i32.eqz (call $mine))
      (then (call $fail (i32.const 352) (i32.const 24))))
    (i32.store8 (i32.const 304) (i32.load8_u (i32.add (i32.const 256) (local.get $letter))))
    (call $write (i32.const 1) (i32.const 304) (i32.const 6)))
  (func $exclusive
    (if (call $mkdir (i32.const 264) (i32.const 4))
      (then (call $fail (i32.const 384) (i32.const 28))))
    (call $sleep_ms (i64.const 500))
    (drop (call $path_remove_directory (i32.const 3) (i32.const 264) (i32.const 4))))
  ;; a Rust test binary has a libtest main; test mode must not call it
  (func (export "_start") unreachable)
  (func (export "#lunatic_test_meet::a") (call $meet (i32.const 0)))
  (func (export "#lunatic_test_meet::b") (call $meet (i32.const 1)))
  (func (export "#lunatic_test_meet::c") (call $meet (i32.const 2)))
  (func (export "#lunatic_test_meet::d") (call $meet (i32.const 3)))
  (func (export "#lunatic_test_exclusive::one") (call $exclusive))
  (func (export "#lunatic_test_exclusive::two") (call $exclusive))
  (func (export "#lunatic_test_exclusive::three") (call $exclusive))
  (func (export "#lunatic_test_exclusive::four") (call $exclusive))
  (func (export "#lunatic_test_order::fails_late")
    (call $wait_for (i32.const 268) (i32.const 5))
    (call $sleep_ms (i64.const 500))
    (call $fail (i32.const 416) (i32.const 13)))
  (func (export "#lunatic_test_order::passes")
    (call $write (i32.const 1) (i32.const 448) (i32.const 8)))
  (func (export "#lunatic_test_order::fails_early")
    (call $write (i32.const 1) (i32.const 432) (i32.const 14))
    (drop (call $mkdir (i32.const 268) (i32.const 5)))
    unreachable)
  (func (export "#lunatic_test_slow::sleeps") (call $sleep_ms (i64.const 1500)))
  (func (export "#lunatic_test_slow::quick")))
