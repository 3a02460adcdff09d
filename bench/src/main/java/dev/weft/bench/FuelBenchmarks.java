package dev.weft.bench;

import com.dylibso.chicory.runtime.Instance;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.internal.wasm.ModuleInternals;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Fairness for Wasm guests: what preempting busy guests buys and costs (issue 5). Standalone:
 * {@code java --add-opens java.base/java.lang=ALL-UNNAMED -cp ... dev.weft.bench.FuelBenchmarks [--quick]
 * [--only pingpong,kill,cost]}.
 *
 * <ol>
 *   <li>the round-trip time of a ping-pong pair of Java processes next to 4 busy-looping Wasm
 *       guests (which never call the host), median and p99; target p99 under 10 ms;
 *   <li>the time from {@code kill} to the exit of a busy-looping guest; target under 10 ms;
 *   <li>the cost of it on compute-bound guests (recursive fib, a summing loop): the form processes
 *       without a fuel limit run (preempted at safepoints) against the module as given; target under
 *       15%. Also printed: the cost of exact fuel counting, which processes with a max fuel pay.
 * </ol>
 */
public final class FuelBenchmarks {

    /**
     * The guest, built by wat2wasm from:
     * <pre>
     * (module
     *   (func (export "spin") (loop $l (br $l)))
     *   (func $fib (export "fib") (param $n i32) (result i64)
     *     (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
     *       (then (i64.extend_i32_u (local.get $n)))
     *       (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
     *                      (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
     *   (func (export "sum_to") (param $n i64) (result i64) (local $i i64) (local $s i64)
     *     (loop $l
     *       (local.set $i (i64.add (local.get $i) (i64.const 1)))
     *       (local.set $s (i64.add (local.get $s) (i64.xor (local.get $i) (local.get $s))))
     *       (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
     *     (local.get $s)))
     * </pre>
     */
    static final byte[] GUEST = HexFormat.of().parseHex(
            "0061736d01000000010e0360000060017f017e60017e017e030403000102071703047370696e00000366696200010673"
            + "756d5f746f00020a4903070003400c000b0b1d002000410249047e2000ad05200041016b1001200041026b10017c0b"
            + "0b2101027e0340200142017c2101200220012002857c210220012000540d000b20020b");

    private static final int BUSY = 4;

    private FuelBenchmarks() {}

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        System.out.printf("Fuel benchmarks: %d cores, %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        WasmModule counted = new ModuleLoader(Engine.COMPILER, true).load(GUEST);
        counted.compileFuelCountingForm(); // the rows with a max fuel measure compiled code, not the interpreter
        WasmModule uncounted = new ModuleLoader(Engine.COMPILER, false).load(GUEST);
        List<String> only = List.of("pingpong", "kill", "cost");
        int at = Arrays.asList(args).indexOf("--only");
        if (at >= 0 && at + 1 < args.length) {
            only = List.of(args[at + 1].split(","));
        }
        if (only.contains("pingpong")) {
            pingPong(counted, quick ? 2_000 : 20_000);
        }
        if (only.contains("kill")) {
            killLatency(counted, quick ? 30 : 200);
        }
        if (only.contains("cost")) {
            countingCost(counted, uncounted, quick ? 3 : 15);
        }
    }

    // ------------------------------------------------------------------ 1. round trips next to busy guests

    record Ping(Pid from) {}

    record Result(long[] nanos) {}

    static void pingPong(WasmModule module, int roundTrips) throws Exception {
        for (int busy : new int[] {0, BUSY}) {
            try (ProcessRuntime runtime = new ProcessRuntime(); AttachedProcess me = runtime.attach()) {
                List<Pid> spinners = spin(runtime, module, busy);
                Histogram rtt = Percentiles.ofNanos(roundTrips(runtime, me, roundTrips));
                System.out.printf("  ping-pong round trip next to %d busy guests: median %s, p99 %s, max %s"
                        + " (%d round trips)%s%n", busy, ms(rtt.getValueAtPercentile(50)), ms(rtt.getValueAtPercentile(99)),
                        ms(rtt.getMaxValue()), rtt.getTotalCount(),
                        busy == 0 ? "" : verdict(rtt.getValueAtPercentile(99), 10_000_000L, "p99 < 10 ms"));
                for (Pid p : spinners) {
                    runtime.exit(p, ExitReason.KILL);
                }
            }
        }
    }

    private static List<Pid> spin(ProcessRuntime runtime, WasmModule module, int n) throws InterruptedException {
        List<Pid> pids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pids.add(runtime.spawn(WasmProcess.builder(module, "spin").build()));
        }
        Thread.sleep(100); // into their loops
        return pids;
    }

    private static long[] roundTrips(ProcessRuntime runtime, AttachedProcess me, int n) {
        Pid test = me.self();
        Pid echo = runtime.spawn(ctx -> {
            while (true) {
                Message m = ctx.receive();
                if (m.payload() instanceof Ping p) {
                    ctx.send(p.from(), m.payload());
                }
            }
        });
        int warmup = Math.min(1_000, n / 5);
        runtime.spawn(ctx -> {
            long[] nanos = new long[n];
            Ping ping = new Ping(ctx.self());
            for (int i = -warmup; i < n; i++) {
                long t0 = System.nanoTime();
                ctx.send(echo, ping);
                ctx.receive();
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - t0;
                }
            }
            ctx.send(test, new Result(nanos));
        });
        Message m = me.receive(x -> x.payload() instanceof Result, Duration.ofMinutes(5));
        runtime.exit(echo, ExitReason.KILL);
        if (m == null) {
            throw new IllegalStateException("the ping-pong pair did not finish in 5 minutes");
        }
        return ((Result) m.payload()).nanos();
    }

    // ------------------------------------------------------------------ 2. kill to exit

    /**
     * A Java process monitors a fresh busy guest, kills it and waits for its DOWN message, as an
     * Erlang supervisor would: the time from the kill to the DOWN, measured in the killer.
     */
    static void killLatency(WasmModule module, int kills) throws Exception {
        for (int others : new int[] {0, BUSY - 1}) {
            try (ProcessRuntime runtime = new ProcessRuntime(); AttachedProcess me = runtime.attach()) {
                List<Pid> spinners = spin(runtime, module, others);
                Pid test = me.self();
                runtime.spawn(ctx -> {
                    long[] nanos = new long[kills];
                    for (int i = 0; i < kills; i++) {
                        var victim = ctx.spawnMonitor(WasmProcess.builder(module, "spin").build());
                        ctx.sleep(Duration.ofMillis(5)); // into its loop
                        long t0 = System.nanoTime();
                        ctx.exit(victim.pid(), ExitReason.KILL);
                        Message down = ctx.receive(m -> m.payload() instanceof dev.weft.process.DownMessage d
                                && d.ref().equals(victim.ref()), Duration.ofSeconds(10));
                        nanos[i] = System.nanoTime() - t0;
                        if (down == null || ((dev.weft.process.DownMessage) down.payload()).reason() != ExitReason.KILLED) {
                            throw new IllegalStateException("a killed guest did not exit killed: " + down);
                        }
                    }
                    ctx.send(test, new Result(nanos));
                });
                Message m = me.receive(x -> x.payload() instanceof Result, Duration.ofMinutes(5));
                if (m == null) {
                    throw new IllegalStateException("the kill benchmark did not finish in 5 minutes");
                }
                Histogram nanos = Percentiles.ofNanos(((Result) m.payload()).nanos());
                System.out.printf("  kill to DOWN of a busy guest (%d other busy guests): median %s, p99 %s,"
                        + " max %s (%d kills)%s%n", others, ms(nanos.getValueAtPercentile(50)),
                        ms(nanos.getValueAtPercentile(99)), ms(nanos.getMaxValue()), kills,
                        verdict(nanos.getValueAtPercentile(99), 10_000_000L, "p99 < 10 ms"));
                for (Pid p : spinners) {
                    runtime.exit(p, ExitReason.KILL);
                }
            }
        }
    }

    // ------------------------------------------------------------------ 3. the cost of counting

    static void countingCost(WasmModule counted, WasmModule uncounted, int rounds) throws Exception {
        // on the JVM directly: what a process without a fuel limit runs (preempted at safepoints),
        // and the fuel-counting form that processes with a max fuel run (refills without yielding)
        Instance plain = ModuleInternals.instanceBuilder(uncounted).build();
        Instance preemptible = ModuleInternals.instanceBuilder(counted).build();
        Instance fuel = Instance.builder(ModuleInternals.chicoryModule(counted))
                .withMachineFactory(ModuleInternals.machineFactory(counted))
                .withGlobalFactory(ModuleInternals.fuelGlobals(counted, left -> Math.max(1, WasmProcess.FUEL_SLICE + left)))
                .build();
        String form = counted.preemptible() ? "preemptible" : "NOT preemptible (counts fuel)";
        compare("fib(32), " + form, rounds, true, () -> plain.export("fib").apply(32)[0],
                () -> preemptible.export("fib").apply(32)[0]);
        compare("sum loop (100M iterations), " + form, rounds, true,
                () -> plain.export("sum_to").apply(100_000_000L)[0],
                () -> preemptible.export("sum_to").apply(100_000_000L)[0]);
        compare("fib(32), counting fuel (processes with max fuel)", rounds, false,
                () -> plain.export("fib").apply(32)[0], () -> fuel.export("fib").apply(32)[0]);
        compare("sum loop (100M iterations), counting fuel (processes with max fuel)", rounds, false,
                () -> plain.export("sum_to").apply(100_000_000L)[0], () -> fuel.export("sum_to").apply(100_000_000L)[0]);
        // as processes: plus the scheduler's watcher and, for the counting form, a yield every slice
        try (ProcessRuntime runtime = new ProcessRuntime()) {
            compare("fib(32) as a process", rounds, true,
                    () -> runProcess(runtime, WasmProcess.builder(uncounted, "fib").args(32)),
                    () -> runProcess(runtime, WasmProcess.builder(counted, "fib").args(32)));
            compare("fib(32) as a process with max fuel, yielding every slice", rounds, false,
                    () -> runProcess(runtime, WasmProcess.builder(uncounted, "fib").args(32)),
                    () -> runProcess(runtime, WasmProcess.builder(counted, "fib").args(32).maxFuel(1_000_000)));
        }
    }

    private static long runProcess(ProcessRuntime runtime, WasmProcess.Builder process) {
        Pid p = runtime.spawn(process.build());
        try {
            ExitReason r = runtime.whenExited(p).get(5, TimeUnit.MINUTES);
            if (!r.isNormal()) {
                throw new IllegalStateException("fib exited with " + r);
            }
            return 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface Work {
        long run() throws Exception;
    }

    /** Prints the cost of {@code counted} over {@code plain}; judged against 15% if {@code target}. */
    private static void compare(String what, int rounds, boolean target, Work plain, Work counted) throws Exception {
        long plainResult = plain.run();
        long countedResult = counted.run(); // warm both up
        if (plainResult != countedResult) {
            throw new IllegalStateException(what + ": counted " + countedResult + ", not counted " + plainResult);
        }
        long[] a = new long[rounds];
        long[] b = new long[rounds];
        for (int i = 0; i < rounds; i++) { // interleaved, so drift hits both alike
            long t0 = System.nanoTime();
            plain.run();
            a[i] = System.nanoTime() - t0;
            t0 = System.nanoTime();
            counted.run();
            b[i] = System.nanoTime() - t0;
        }
        long pa = Percentiles.ofNanos(a).getValueAtPercentile(50);
        long pb = Percentiles.ofNanos(b).getValueAtPercentile(50);
        double overhead = 100.0 * (pb - pa) / pa;
        String verdict = !target ? "" : overhead < 15 ? " (target < 15%: met)" : " (target < 15%: MISSED)";
        System.out.printf("  cost, %s: as given %s, with Weft's %s %s (medians of %d): %+.1f%%%s%n", what,
                ms(pa), target ? "preemption" : "fuel counting", ms(pb), rounds, overhead, verdict);
    }

    // ------------------------------------------------------------------ figures

    private static String ms(long nanos) {
        return String.format("%.3f ms", nanos / 1e6);
    }

    private static String verdict(long nanos, long target, String what) {
        return nanos < target ? " (target " + what + ": met)" : " (target " + what + ": MISSED)";
    }
}
