package dev.weft.process.wasm;

import java.io.ByteArrayOutputStream;

/**
 * Builds, in Java, a module with one function too large for the JVM (over 64 KiB of bytecode once
 * Chicory compiles it) between small ones:
 *
 * <pre>
 * (import "env" "tick" (func $tick (param i64)))                         ;; function 0
 * (func $small (export "small") (param i64) (result i64)                  ;; function 1: x * 3 + 1
 * (func $big (export "big") (param $n i64) (param $ticks i32) (result i64) ;; function 2
 *   (local $i i64) (local $acc i64)
 *   (loop $l
 *     ;; {pad} times: acc += k, k = 1, 2, ... 100, 1, 2, ...
 *     (local.set $acc (call $small (local.get $acc)))      ;; calls back into compiled code
 *     (if (local.get $ticks) (then (call $tick (local.get $i))))
 *     (br_if $l (i64.ne (local.tee $i (i64.add (local.get $i) (i64.const 1))) (local.get $n))))
 *   (local.get $acc))
 * (func $calls_big (export "calls_big") (param i64 i32) (result i64)       ;; function 3: big(n, ticks) + 1
 * </pre>
 *
 * {@code big(0, _)} loops for ever (until {@code $i} wraps), closing its loop with {@code br_if}.
 */
final class LargeFunctionModule {

    /** The function index of {@code big}. */
    static final int BIG = 2;

    /** Enough additions to make {@code big} too large for the JVM. */
    static final int PAD = 12_000;

    private LargeFunctionModule() {}

    /** What {@code big(n, _)} returns. */
    static long big(long n) {
        long step = 0;
        for (int j = 0; j < PAD; j++) {
            step += j % 100 + 1;
        }
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc = (acc + step) * 3 + 1;
        }
        return acc;
    }

    static byte[] bytes() {
        Out m = new Out();
        m.raw(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
        // types: 0 (i64) -> (), 1 (i64) -> (i64), 2 (i64 i32) -> (i64)
        m.section(1, new Out().u(3)
                .raw(0x60, 1, I64, 0)
                .raw(0x60, 1, I64, 1, I64)
                .raw(0x60, 2, I64, I32, 1, I64));
        m.section(2, new Out().u(1).name("env").name("tick").raw(0x00).u(0));
        m.section(3, new Out().u(3).u(1).u(2).u(2));
        m.section(7, new Out().u(3)
                .name("small").raw(0x00).u(1)
                .name("big").raw(0x00).u(2)
                .name("calls_big").raw(0x00).u(3));
        Out small = new Out().u(0).raw(0x20, 0, 0x42, 3, 0x7e, 0x42, 1, 0x7c, 0x0b);
        Out big = new Out().u(1).u(2).raw(I64);
        big.raw(0x03, 0x40); // loop
        for (int j = 0; j < PAD; j++) {
            big.raw(0x20, 3, 0x42).s(j % 100 + 1).raw(0x7c, 0x21, 3); // acc += k
        }
        big.raw(0x20, 3, 0x10, 1, 0x21, 3); // acc = small(acc)
        big.raw(0x20, 1, 0x04, 0x40, 0x20, 2, 0x10, 0, 0x0b); // if ticks: tick(i)
        big.raw(0x20, 2, 0x42, 1, 0x7c, 0x22, 2, 0x20, 0, 0x52, 0x0d, 0); // br_if (++i != n)
        big.raw(0x0b, 0x20, 3, 0x0b);
        Out callsBig = new Out().u(0).raw(0x20, 0, 0x20, 1, 0x10, 2, 0x42, 1, 0x7c, 0x0b);
        m.section(10, new Out().u(3).body(small).body(big).body(callsBig));
        return m.bytes();
    }

    private static final int I32 = 0x7f;
    private static final int I64 = 0x7e;

    /** Wasm's binary encoding: LEB128 numbers, names, sections. */
    private static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Out raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Out u(long v) {
            do {
                int b = (int) (v & 0x7f);
                v >>>= 7;
                out.write(v == 0 ? b : b | 0x80);
            } while (v != 0);
            return this;
        }

        Out s(long v) {
            while (true) {
                int b = (int) (v & 0x7f);
                v >>= 7;
                boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
                out.write(done ? b : b | 0x80);
                if (done) {
                    return this;
                }
            }
        }

        Out name(String s) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            u(b.length);
            out.writeBytes(b);
            return this;
        }

        Out body(Out code) {
            u(code.out.size());
            out.writeBytes(code.bytes());
            return this;
        }

        Out section(int id, Out content) {
            raw(id);
            return body(content);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
