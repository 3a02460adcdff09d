;; A supervised Wasm worker, driven by three host functions the test provides (module "test"):
;; report(id, event) tells the test it started (1) or is stopping (2); next() waits for a command:
;; 0 stop (return normally), 1 crash (trap), 2 an exit signal arrived (the worker traps exits);
;; exit_with_signal() ends the process with that signal's reason.
;; (wat2wasm --debug-names worker.wat -o worker.wasm)
(module $worker
  (import "test" "report" (func $report (param i32 i32)))
  (import "test" "next" (func $next (result i32)))
  (import "test" "exit_with_signal" (func $exit_with_signal))

  (func $crash
    unreachable)

  (func $serve (export "serve") (param $id i32)
    (local $command i32)
    (call $report (local.get $id) (i32.const 1))
    (block $done
      (loop $again
        (local.set $command (call $next))
        (br_if $done (i32.eqz (local.get $command)))
        (if (i32.eq (local.get $command) (i32.const 1))
          (then (call $crash)))
        (if (i32.eq (local.get $command) (i32.const 2))
          (then
            (call $report (local.get $id) (i32.const 2))
            (call $exit_with_signal)))
        (br $again)))))
