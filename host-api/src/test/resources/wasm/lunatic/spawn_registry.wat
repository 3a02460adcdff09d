;; LunaticHost fixture: guests that use lunatic::registry and lunatic::process::spawn.
;; Memory layout: 0x100.. names ("svc", "gone", 0xFF), 0x200.. export names, 0x300.. parameter
;; records, 0x500.. out values (node id, pid, error id), 1024.. message buffers, 2048.. report values.
;; A report is a data message (tag 0) of i64 LE values sent to a Java process.
;; (wat2wasm --debug-names spawn_registry.wat -o spawn_registry.wasm)
(module $spawn_registry
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "read_data" (func $read_data (param i32 i32) (result i32)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::process" "environment_id" (func $environment_id (result i64)))
  (import "lunatic::distributed" "node_id" (func $node_id (result i64)))
  (import "lunatic::process" "die_when_link_dies" (func $die_when_link_dies (param i32)))
  (import "lunatic::process" "spawn" (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::process" "get_or_spawn" (func $get_or_spawn
    (param i32 i32 i64 i64 i64 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::registry" "put" (func $put_name (param i32 i32 i64 i64)))
  (import "lunatic::registry" "get" (func $get_name (param i32 i32 i32 i32) (result i32)))
  (import "lunatic::registry" "remove" (func $remove_name (param i32 i32)))
  (import "lunatic::error" "string_size" (func $string_size (param i64) (result i32)))
  (import "lunatic::error" "to_string" (func $to_string (param i64 i32)))
  (memory (export "memory") 1)

  (data (i32.const 0x100) "svc")
  (data (i32.const 0x110) "gone")
  (data (i32.const 0x120) "\ff\fe")
  (data (i32.const 0x130) "shared")
  (data (i32.const 0x200) "child")
  (data (i32.const 0x230) "waiter")
  (data (i32.const 0x210) "crasher")
  (data (i32.const 0x220) "no_such_export")
  ;; child(i64 40, i32 2, i64 parent): the parent's id is stored at 0x300 + 34 + 1 at run time
  (data (i32.const 0x300) "\7e\28\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 0x311) "\7f\02\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 0x322) "\7e\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")

  ;; sends the n i64 values at 2048 to `to` as one untagged data message
  (func $report (param $to i64) (param $n i32)
    (call $create_data (i64.const 0) (i64.const 0))
    (drop (call $write_data (i32.const 2048) (i32.mul (local.get $n) (i32.const 8))))
    (drop (call $send (local.get $to))))

  ;; stores v at report slot i
  (func $slot (param $i i32) (param $v i64)
    (i64.store (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 8))) (local.get $v)))

  ;; registers itself under the name at [ptr, ptr + len), reports [0], then waits for one message
  ;; and reports [its first i64]
  (func (export "registrar") (param $ptr i32) (param $len i32) (param $to i64)
    (call $put_name (local.get $ptr) (local.get $len) (call $node_id) (call $process_id))
    (call $slot (i32.const 0) (i64.const 0))
    (call $report (local.get $to) (i32.const 1))
    (drop (call $receive (i32.const 0) (i32.const 0) (i64.const -1)))
    (drop (call $read_data (i32.const 1024) (i32.const 8)))
    (call $slot (i32.const 0) (i64.load (i32.const 1024)))
    (call $report (local.get $to) (i32.const 1)))

  ;; registers itself under the name and returns at once
  (func (export "register_and_end") (param $ptr i32) (param $len i32)
    (call $put_name (local.get $ptr) (local.get $len) (call $node_id) (call $process_id)))

  ;; looks the name up; if found, sends [value] to the holder; reports [code, node, pid]
  (func (export "lookup") (param $ptr i32) (param $len i32) (param $value i64) (param $to i64)
    (local $code i32)
    (i64.store (i32.const 0x500) (i64.const -1))
    (i64.store (i32.const 0x508) (i64.const -1))
    (local.set $code (call $get_name (local.get $ptr) (local.get $len) (i32.const 0x500) (i32.const 0x508)))
    (if (i32.eqz (local.get $code))
      (then
        (i64.store (i32.const 1024) (local.get $value))
        (call $create_data (i64.const 0) (i64.const 8))
        (drop (call $write_data (i32.const 1024) (i32.const 8)))
        (drop (call $send (i64.load (i32.const 0x508))))))
    (call $slot (i32.const 0) (i64.extend_i32_u (local.get $code)))
    (call $slot (i32.const 1) (i64.load (i32.const 0x500)))
    (call $slot (i32.const 2) (i64.load (i32.const 0x508)))
    (call $report (local.get $to) (i32.const 3)))

  ;; removes the name
  (func (export "remove") (param $ptr i32) (param $len i32)
    (call $remove_name (local.get $ptr) (local.get $len)))

  ;; child(a, b, parent): sends [a + b] to parent
  (func (export "child") (param $a i64) (param $b i32) (param $parent i64)
    (i64.store (i32.const 1024) (i64.add (local.get $a) (i64.extend_i32_s (local.get $b))))
    (call $create_data (i64.const 0) (i64.const 8))
    (drop (call $write_data (i32.const 1024) (i32.const 8)))
    (drop (call $send (local.get $parent))))

  (func (export "crasher")
    unreachable)

  ;; spawns child(40, 2, self), receives its answer; reports [spawn code, receive code, sum, child id]
  (func (export "parent") (param $to i64)
    (local $code i32)
    (i64.store (i32.const 0x323) (call $process_id))
    (local.set $code (call $spawn (i64.const 0) (i64.const -1) (i64.const -1)
      (i32.const 0x200) (i32.const 5) (i32.const 0x300) (i32.const 51) (i32.const 0x500)))
    (call $slot (i32.const 0) (i64.extend_i32_u (local.get $code)))
    (call $slot (i32.const 1) (i64.extend_i32_u (call $receive (i32.const 0) (i32.const 0) (i64.const 5000))))
    (drop (call $read_data (i32.const 1024) (i32.const 8)))
    (call $slot (i32.const 2) (i64.load (i32.const 1024)))
    (call $slot (i32.const 3) (i64.load (i32.const 0x500)))
    (call $report (local.get $to) (i32.const 4)))

  ;; traps exits, spawns crasher linked with tag 99; reports [spawn code, receive code, tag]
  (func (export "link_parent") (param $to i64)
    (call $die_when_link_dies (i32.const 0))
    (call $slot (i32.const 0) (i64.extend_i32_u (call $spawn (i64.const 99) (i64.const -1) (i64.const -1)
      (i32.const 0x210) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0x500))))
    (call $slot (i32.const 1) (i64.extend_i32_u (call $receive (i32.const 0) (i32.const 0) (i64.const 5000))))
    (call $slot (i32.const 2) (call $get_tag))
    (call $report (local.get $to) (i32.const 3)))

  ;; spawns an unknown export; reports [code], then sends the error's string as a message
  (func (export "spawn_unknown") (param $to i64)
    (local $n i32)
    (call $slot (i32.const 0) (i64.extend_i32_u (call $spawn (i64.const 0) (i64.const -1) (i64.const -1)
      (i32.const 0x220) (i32.const 14) (i32.const 0) (i32.const 0) (i32.const 0x500))))
    (call $report (local.get $to) (i32.const 1))
    (local.set $n (call $string_size (i64.load (i32.const 0x500))))
    (call $to_string (i64.load (i32.const 0x500)) (i32.const 4096))
    (call $create_data (i64.const 0) (i64.const 0))
    (drop (call $write_data (i32.const 4096) (local.get $n)))
    (drop (call $send (local.get $to))))

  ;; spawn with 16 bytes of parameters: traps
  (func (export "spawn_bad_params")
    (drop (call $spawn (i64.const 0) (i64.const -1) (i64.const -1)
      (i32.const 0x200) (i32.const 5) (i32.const 0x300) (i32.const 16) (i32.const 0x500))))

  ;; spawn with config 5, which does not exist: traps
  (func (export "spawn_config")
    (drop (call $spawn (i64.const 0) (i64.const 5) (i64.const -1)
      (i32.const 0x200) (i32.const 5) (i32.const 0x300) (i32.const 51) (i32.const 0x500))))
;; waits for one message, then ends
  (func (export "waiter")
    (drop (call $receive (i32.const 0) (i32.const 0) (i64.const -1))))

  ;; get_or_spawn("shared", waiter); reports [code, node id, id]
  (func (export "get_or_spawn_waiter") (param $to i64)
    (i64.store (i32.const 0x500) (i64.const -1))
    (i64.store (i32.const 0x508) (i64.const -1))
    (call $slot (i32.const 0) (i64.extend_i32_u (call $get_or_spawn (i32.const 0x130) (i32.const 6)
      (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 0x230) (i32.const 6) (i32.const 0) (i32.const 0)
      (i32.const 0x500) (i32.const 0x508))))
    (call $slot (i32.const 1) (i64.load (i32.const 0x500)))
    (call $slot (i32.const 2) (i64.load (i32.const 0x508)))
    (call $report (local.get $to) (i32.const 3)))
)
