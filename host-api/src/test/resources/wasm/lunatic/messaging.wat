;; LunaticHost fixture: guests that talk through lunatic::message and lunatic::process.
;; Memory layout: 0..16 tag arrays, 1024.. message buffers, 2048.. report values (i64 each).
;; A report is a data message (tag 0) of i64 LE values sent to a Java process.
;; (wat2wasm --debug-names messaging.wat -o messaging.wasm)
(module $messaging
  (import "lunatic::message" "create_data" (func $create_data (param i64 i64)))
  (import "lunatic::message" "write_data" (func $write_data (param i32 i32) (result i32)))
  (import "lunatic::message" "read_data" (func $read_data (param i32 i32) (result i32)))
  (import "lunatic::message" "seek_data" (func $seek_data (param i64)))
  (import "lunatic::message" "get_tag" (func $get_tag (result i64)))
  (import "lunatic::message" "get_process_id" (func $get_process_id (result i64)))
  (import "lunatic::message" "data_size" (func $data_size (result i64)))
  (import "lunatic::message" "send" (func $send (param i64) (result i32)))
  (import "lunatic::message" "receive" (func $receive (param i32 i32 i64) (result i32)))
  (import "lunatic::message" "send_receive_skip_search" (func $send_receive_skip_search (param i64 i64 i64) (result i32)))
  (import "lunatic::timer" "send_after" (func $send_after (param i64 i64) (result i64)))
  (import "lunatic::timer" "cancel_timer" (func $cancel_timer (param i64) (result i32)))
  (import "lunatic::process" "exists" (func $exists (param i64) (result i32)))
  (import "lunatic::process" "process_id" (func $process_id (result i64)))
  (import "lunatic::process" "die_when_link_dies" (func $die_when_link_dies (param i32)))
  (import "lunatic::process" "link" (func $link (param i64 i64)))
  (import "lunatic::process" "monitor" (func $monitor (param i64)))
  (memory (export "memory") 1)

  ;; sends the n i64 values at 2048 to `to` as one untagged data message
  (func $report (param $to i64) (param $n i32)
    i64.const 0
    i64.const 0
    call $create_data
    i32.const 2048
    local.get $n
    i32.const 8
    i32.mul
    call $write_data
    drop
    local.get $to
    call $send
    drop)

  ;; stores v at report slot i
  (func $put (param $i i32) (param $v i64)
    local.get $i
    i32.const 8
    i32.mul
    i32.const 2048
    i32.add
    local.get $v
    i64.store)

  ;; the report [0] ("ready") to `to`
  (func $ready (param $to i64)
    i32.const 0
    i64.const 0
    call $put
    local.get $to
    i32.const 1
    call $report)

  ;; ping: sends [own id, i] to $peer (tag 1) and expects [i + 1] back (tag 2), $rounds times;
  ;; then reports [rounds done] to $report_to
  (func $ping (export "ping") (param $peer i64) (param $report_to i64) (param $rounds i32)
    (local $i i32)
    (block $done
      (loop $round
        local.get $i
        local.get $rounds
        i32.ge_u
        br_if $done
        ;; build [own id, i]
        i64.const 1
        i64.const 16
        call $create_data
        i32.const 1024
        call $process_id
        i64.store
        i32.const 1032
        local.get $i
        i64.extend_i32_u
        i64.store
        i32.const 1024
        i32.const 16
        call $write_data
        i32.const 16
        i32.ne
        if unreachable end
        local.get $peer
        call $send
        drop
        ;; wait for the reply tagged 2
        i32.const 0
        i64.const 2
        i64.store
        i32.const 0
        i32.const 1
        i64.const -1
        call $receive
        if unreachable end ;; not a data message
        call $get_tag
        i64.const 2
        i64.ne
        if unreachable end
        call $data_size
        i64.const 8
        i64.ne
        if unreachable end
        i32.const 1040
        i32.const 64
        call $read_data
        i32.const 8
        i32.ne
        if unreachable end
        i32.const 1040
        i64.load
        local.get $i
        i64.extend_i32_u
        i64.const 1
        i64.add
        i64.ne
        if unreachable end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $round))
    i32.const 0
    local.get $i
    i64.extend_i32_u
    call $put
    local.get $report_to
    i32.const 1
    call $report)

  ;; pong: $rounds times, receives [sender, i] (any message) and replies [i + 1] tagged 2
  (func $pong (export "pong") (param $rounds i32)
    (local $i i32)
    (block $done
      (loop $round
        local.get $i
        local.get $rounds
        i32.ge_u
        br_if $done
        i32.const 0
        i32.const 0
        i64.const -1
        call $receive
        if unreachable end
        i32.const 1024
        i32.const 16
        call $read_data
        i32.const 16
        i32.ne
        if unreachable end
        i64.const 2
        i64.const 8
        call $create_data
        i32.const 1040
        i32.const 1032
        i64.load
        i64.const 1
        i64.add
        i64.store
        i32.const 1040
        i32.const 8
        call $write_data
        drop
        i32.const 1024
        i64.load
        call $send
        drop
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $round)))

  ;; selective: tells $report_to it is ready, waits for a tag-7 message (1 s), then for a tag-9
  ;; message (50 ms: times out), then for any message (1 s); reports
  ;; [code, tag, first byte, code, code, tag, size, bytes read after seek_data(1)]
  (func $selective (export "selective") (param $report_to i64)
    local.get $report_to
    call $ready
    i32.const 0
    i64.const 7
    i64.store
    i32.const 8
    i64.const 9
    i64.store
    ;; tag 7
    i32.const 0
    i32.const 0
    i32.const 1
    i64.const 1000
    call $receive
    i64.extend_i32_u
    call $put
    i32.const 1
    call $get_tag
    call $put
    i32.const 1024
    i32.const 1
    call $read_data
    drop
    i32.const 2
    i32.const 1024
    i64.load8_u
    call $put
    ;; tag 9: nothing comes
    i32.const 3
    i32.const 8
    i32.const 1
    i64.const 50
    call $receive
    i64.extend_i32_u
    call $put
    ;; any
    i32.const 4
    i32.const 0
    i32.const 0
    i64.const 1000
    call $receive
    i64.extend_i32_u
    call $put
    i32.const 5
    call $get_tag
    call $put
    i32.const 6
    call $data_size
    call $put
    i64.const 1
    call $seek_data
    i32.const 7
    i32.const 1024
    i32.const 100
    call $read_data
    i64.extend_i32_u
    call $put
    local.get $report_to
    i32.const 8
    call $report)

  ;; trap_links: traps exits, links to $other with tag 42, says ready, waits (no timeout) for any
  ;; message; reports [code, tag]
  (func $trap_links (export "trap_links") (param $other i64) (param $report_to i64)
    i32.const 0
    call $die_when_link_dies
    i64.const 42
    local.get $other
    call $link
    local.get $report_to
    call $ready
    i32.const 0
    i32.const 0
    i32.const 0
    i64.const -1
    call $receive
    i64.extend_i32_u
    call $put
    i32.const 1
    call $get_tag
    call $put
    local.get $report_to
    i32.const 2
    call $report)

  ;; monitors: monitors $other, says ready, waits for any message; reports [code, tag, process id]
  (func $monitors (export "monitors") (param $other i64) (param $report_to i64)
    local.get $other
    call $monitor
    local.get $report_to
    call $ready
    i32.const 0
    i32.const 0
    i32.const 0
    i64.const -1
    call $receive
    i64.extend_i32_u
    call $put
    i32.const 1
    call $get_tag
    call $put
    i32.const 2
    call $get_process_id
    call $put
    local.get $report_to
    i32.const 3
    call $report)

  ;; bad input: write_data from a buffer past the end of the 1-page memory
  (func $write_out_of_bounds (export "write_out_of_bounds")
    i64.const 0
    i64.const 0
    call $create_data
    i32.const 0x20000
    i32.const 8
    call $write_data
    drop)

  ;; bad input: a tag array of 2 tags that starts 8 bytes before the end of memory
  (func $receive_tags_out_of_bounds (export "receive_tags_out_of_bounds")
    i32.const 0xfff8
    i32.const 2
    i64.const 0
    call $receive
    drop)

  ;; no scratch message: send without create_data
  (func $send_nothing (export "send_nothing")
    i64.const 1
    call $send
    drop)

  ;; request: sends [own id] to $server and waits 1 s for a reply tagged 77, reads its i64; then
  ;; sends again and waits 50 ms for a reply tagged 78 (the server answers 77 again: timeout);
  ;; reports [code, value, code]
  (func $request (export "request") (param $server i64) (param $report_to i64)
    i64.const 0
    i64.const 8
    call $create_data
    i32.const 1024
    call $process_id
    i64.store
    i32.const 1024
    i32.const 8
    call $write_data
    drop
    i32.const 0
    local.get $server
    i64.const 77
    i64.const 1000
    call $send_receive_skip_search
    i64.extend_i32_u
    call $put
    i32.const 1040
    i32.const 8
    call $read_data
    drop
    i32.const 1
    i32.const 1040
    i64.load
    call $put
    i64.const 0
    i64.const 8
    call $create_data
    i32.const 1024
    i32.const 8
    call $write_data
    drop
    i32.const 2
    local.get $server
    i64.const 78
    i64.const 50
    call $send_receive_skip_search
    i64.extend_i32_u
    call $put
    local.get $report_to
    i32.const 3
    call $report)

  ;; timers: sends $report_to a tag-3 message after 20 ms and a tag-4 one after 10 s, cancels the
  ;; second (twice); reports [first cancel, second cancel, exists(self), exists(2^40)]
  (func $timers (export "timers") (param $report_to i64)
    (local $t i64)
    i64.const 3
    i64.const 0
    call $create_data
    local.get $report_to
    i64.const 20
    call $send_after
    drop
    i64.const 4
    i64.const 0
    call $create_data
    local.get $report_to
    i64.const 10000
    call $send_after
    local.set $t
    i32.const 0
    local.get $t
    call $cancel_timer
    i64.extend_i32_u
    call $put
    i32.const 1
    local.get $t
    call $cancel_timer
    i64.extend_i32_u
    call $put
    i32.const 2
    call $process_id
    call $exists
    i64.extend_i32_u
    call $put
    i32.const 3
    i64.const 0x10000000000
    call $exists
    i64.extend_i32_u
    call $put
    local.get $report_to
    i32.const 4
    call $report))
