package dev.weft.bench;

import dev.weft.mailbox.Message;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The benchmark command ({@code bench/run}): five Erlang-style benchmarks on Weft's Java
 * processes, on Weft's Wasm processes (C guests, {@code bench/wasm}), on plain Java (virtual thread
 * + {@code LinkedBlockingQueue}) and, when {@code erl} is installed, on Erlang, in one run on one
 * machine. Prints one table: warm medians, cold rounds apart, and Weft against Erlang with the
 * targets of issue 2 (Java processes) and of the Wasm issue (Wasm processes). Below the table:
 * 100,000 idle Wasm processes, their spawn time and memory.
 *
 * <pre>
 * bench/run [--rounds N] [--ring-hops N] [--only spawn,pingpong,ring,skynet,fanin,idle,restart,fuel]
 *           [--quick] [--no-erlang] [--no-java] [--no-wasm] [--bench-dir DIR]
 * </pre>
 *
 * <p>Order of work, per benchmark: the Erlang rounds (a fresh Erlang VM), then the Weft, Wasm and
 * Java rounds interleaved (Weft round 1, Wasm round 1, Java round 1, Weft round 2, ...), so slow
 * drift on a noisy machine hits all columns of a row alike. Round 1 of each system is its cold
 * round; the median of the rounds after it is the warm figure.
 */
public final class Main {

    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(3);

    @FunctionalInterface
    interface WeftRound {
        double run(ProcessContext driver, Sizes sizes) throws Exception;
    }

    @FunctionalInterface
    interface WasmRound {
        double run(WasmBenchmarks wasm, ProcessContext driver, Sizes sizes) throws Exception;
    }

    @FunctionalInterface
    interface JavaRound {
        double run(Sizes sizes) throws Exception;
    }

    /** How a Weft/Erlang ratio is judged against the target. */
    record Target(String text, double bound, boolean atMost) {
        boolean met(double ratio) {
            return atMost ? ratio <= bound : ratio >= bound;
        }
    }

    /**
     * One benchmark. {@code wasmSameSize}: the Wasm row runs the same work as the others (else its
     * figure is not compared with Erlang's).
     */
    record Bench(String name, String title, String unit, boolean lowerIsBetter, double scale,
                 int defaultRounds, WeftRound weft, WasmRound wasm, JavaRound java, Target target,
                 Target wasmTarget, boolean wasmSameSize) {}

    private static List<Bench> benchmarks(Sizes s) {
        return List.of(
                new Bench("spawn", String.format("spawn + 1 msg + exit, %,d procs", s.spawnProcesses()),
                        // 10 rounds for every system: a Wasm spawn reaches its steady state only after 3-4
                        // rounds of 100,000 (the JIT compiling Chicory's instantiation path); see BENCHMARKS.md
                        "µs/process", true, 1, 10, WeftBenchmarks::spawn, WasmBenchmarks::spawn, JavaBaselines::spawn,
                        new Target("≤ 1.5× Erlang's time", 1.5, true),
                        new Target("≤ 2× Erlang's time", 2, true), true),
                new Bench("pingpong", String.format("ping-pong, %,d msgs", s.pingPongMessages()),
                        "M msgs/s", false, 1e-6, 6, WeftBenchmarks::pingPong, WasmBenchmarks::pingPong,
                        JavaBaselines::pingPong, new Target("≥ 0.5× Erlang's rate", 0.5, false),
                        new Target("≥ 0.3× Erlang's rate", 0.3, false), true),
                new Bench("ring", String.format("thread ring, %d procs, %,d hops", s.ringSize(), s.ringHops()),
                        "M hops/s", false, 1e-6, 6, WeftBenchmarks::ring, WasmBenchmarks::ring, JavaBaselines::ring,
                        new Target("≥ 1/1.5 of Erlang's rate", 1 / 1.5, false), null, true),
                new Bench("skynet", s.wasmSkynetLeaves() == s.skynetLeaves()
                                ? String.format("skynet, %,d leaves, fan-out 10", s.skynetLeaves())
                                : String.format("skynet, %,d leaves (Wasm: %,d), fan-out 10",
                                        s.skynetLeaves(), s.wasmSkynetLeaves()),
                        "ms", true, 1, 4, WeftBenchmarks::skynet, WasmBenchmarks::skynet, JavaBaselines::skynet,
                        null, null, s.wasmSkynetLeaves() == s.skynetLeaves()),
                new Bench("fanin", String.format("fan-in, %,d senders × %,d msgs", s.faninSenders(), s.faninPerSender()),
                        "M msgs/s", false, 1e-6, 6, WeftBenchmarks::fanIn, WasmBenchmarks::fanIn, JavaBaselines::fanIn,
                        null, null, true));
    }

    record Row(Bench bench, Series weft, Series wasm, Series erlang, Series java) {}

    public static void main(String[] args) throws Exception {
        Sizes sizes = Sizes.FULL;
        Integer rounds = null;
        Integer ringHops = null;
        Set<String> only = null;
        boolean erlang = true;
        boolean java = true;
        boolean wasm = true;
        Path benchDir = Files.isDirectory(Path.of("bench", "erlang")) ? Path.of("bench") : Path.of(".");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--ring-hops" -> ringHops = Integer.parseInt(args[++i]);
                case "--only" -> only = Set.of(args[++i].split(","));
                case "--quick" -> sizes = Sizes.QUICK;
                case "--no-erlang" -> erlang = false;
                case "--no-java" -> java = false;
                case "--no-wasm" -> wasm = false;
                case "--bench-dir" -> benchDir = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: bench/run [--rounds N (>= 2)] [--ring-hops N] "
                            + "[--only spawn,pingpong,ring,skynet,fanin,idle,restart,fuel] [--quick] [--no-erlang] [--no-java] "
                            + "[--no-wasm]");
                    return;
                }
                default -> {
                    System.err.println("bench: unknown argument " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        if (rounds != null && rounds < 2) {
            System.err.println("bench: --rounds must be at least 2 (one cold round, then warm ones)");
            System.exit(2);
        }
        if (ringHops != null) {
            sizes = sizes.withRingHops(ringHops);
        }

        printMachine();
        Optional<ErlangRunner> erl = erlang ? ErlangRunner.find(benchDir) : Optional.empty();
        if (!erlang) {
            System.out.println("Erlang: skipped (--no-erlang); no Erlang column.");
        }
        Path wasmModule = benchDir.resolve(WasmBenchmarks.MODULE);
        if (wasm && !Files.isRegularFile(wasmModule)) {
            System.out.println("Wasm: " + wasmModule + " not found (bench/wasm/build.sh builds it); no Wasm column.");
            wasm = false;
        } else if (!wasm) {
            System.out.println("Wasm: skipped (--no-wasm); no Wasm column.");
        }

        List<Row> rows = new ArrayList<>();
        long start = System.nanoTime();
        for (Bench bench : benchmarks(sizes)) {
            if (only != null && !only.contains(bench.name())) {
                continue;
            }
            int n = rounds != null ? rounds : bench.defaultRounds();
            System.out.printf("%n== %s (%d rounds)%n", bench.title(), n);
            Series erlSeries = null;
            if (erl.isPresent()) {
                erlSeries = erl.get().run(bench.name(), n, sizes);
                printSeries("Erlang", bench, erlSeries);
            }
            Series[] jvm = runWeftWasmAndJava(bench, n, sizes, wasm, java, benchDir);
            printSeries("Weft", bench, jvm[0]);
            if (wasm) {
                printSeries("Wasm", bench, jvm[1]);
            }
            if (java) {
                printSeries("Java", bench, jvm[2]);
            }
            rows.add(new Row(bench, jvm[0], wasm ? jvm[1] : null, erlSeries, java ? jvm[2] : null));
        }
        IdleProcesses.Result idle = null;
        String idleError = null;
        if (wasm && (only == null || only.contains("idle"))) {
            System.out.printf("%n== %,d idle Wasm processes%n", sizes.idleProcesses());
            settle();
            try {
                // bench/run passes the launchers' JVM flags: the processes then run in a JVM set up as
                // `weft run` sets it up (no fixed 8 GiB heap); without them, in this JVM
                String launcherFlags = System.getenv("WEFT_BENCH_IDLE_JVM_FLAGS");
                idle = launcherFlags == null
                        ? IdleProcesses.run(benchDir, sizes.idleProcesses())
                        : IdleProcesses.inLauncherJvm(benchDir, sizes.idleProcesses(),
                                List.of(launcherFlags.trim().split("\\s+")));
                System.out.println("  JVM flags: " + (launcherFlags == null
                        ? "this JVM's" : launcherFlags.trim() + " (Weft's launchers' flags, in a JVM of its own)"));
                System.out.println("  " + idle);
            } catch (Exception e) {
                idleError = e.toString();
                System.out.println("  FAILED " + idleError);
            }
        }
        List<String> restart = new ArrayList<>();
        if (only == null || only.contains("restart")) {
            restart = restartLatency(sizes, wasm, erl);
        }
        if (wasm && (only == null || only.contains("fuel"))) {
            System.out.printf("%n== fuel: busy guests, kill, the cost of counting%n");
            settle();
            FuelBenchmarks.main(sizes == Sizes.QUICK ? new String[] {"--quick"} : new String[0]);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        System.out.println();
        if (!rows.isEmpty()) {
            System.out.printf("Results (%d s; %s)%n%n", seconds,
                    erl.map(e -> e.version() + ", erl " + e.flags()).orElse("no Erlang: erl not found or skipped"));
            System.out.print(table(rows, erl.isPresent(), wasm, java));
            System.out.println();
            System.out.println("warm = median of the rounds after the first; cold = the first round. "
                    + "µs and ms: lower is better; M/s: higher is better.");
            System.out.println("Weft/Erlang = Weft's warm figure divided by Erlang's: for µs and ms above 1 means Weft "
                    + "is slower, for M/s below 1 means Weft is slower.");
            if (wasm) {
                System.out.println("Wasm = Weft's Wasm processes (C guests, bench/wasm/bench_guests.c, Chicory's "
                        + "compiler, no WASI); Wasm/Erlang as Weft/Erlang.");
            }
            if (erl.isEmpty()) {
                System.out.println("No Erlang column: " + (erlang ? "erl/erlc not found on PATH." : "--no-erlang.")
                        + " Targets cannot be checked.");
            }
        } else {
            System.out.printf("Done (%d s).%n", seconds);
        }
        if (!restart.isEmpty()) {
            System.out.println();
            System.out.println("Supervisor restart latency, crash to replacement running (one_for_one; target: median"
                    + " under 1 ms):");
            restart.forEach(System.out::println);
        }
        if (idle != null) {
            System.out.println();
            System.out.printf("Idle Wasm processes: %s%n", idle);
        } else if (idleError != null) {
            System.out.println();
            System.out.println("Idle Wasm processes: FAILED " + idleError);
        }
    }

    /** The restart-latency benchmark: its summary lines. */
    private static List<String> restartLatency(Sizes sizes, boolean wasm, Optional<ErlangRunner> erl)
            throws InterruptedException {
        int restarts = sizes == Sizes.QUICK ? 200 : 2000;
        int warmup = restarts / 4;
        System.out.printf("%n== supervisor restart latency (%,d restarts after %,d to warm up)%n", restarts, warmup);
        List<String> lines = new ArrayList<>();
        settle();
        try (Node node = Node.builder().name("bench-restart").build()) {
            RestartLatency.Result java = RestartLatency.java(node, warmup, restarts);
            System.out.println(java.line());
            lines.add(java.line());
            if (wasm) {
                RestartLatency.Result guest = RestartLatency.wasm(node, warmup, restarts);
                System.out.println(guest.line());
                lines.add(guest.line());
            }
        } catch (RuntimeException e) {
            lines.add("  FAILED " + e);
            System.out.println("  FAILED " + e);
        }
        if (erl.isPresent()) {
            try {
                Series s = erl.get().run("restart", 3, sizes);
                String line = s.hasWarm()
                        ? String.format(Locale.ROOT, "  %-11s %,6d restarts   median %8.1f µs   (OTP supervisor)",
                                "Erlang", 2000, s.warmMedian())
                        : "  Erlang      FAILED";
                System.out.println(line);
                lines.add(line);
            } catch (Exception e) {
                lines.add("  Erlang      FAILED " + e);
            }
        }
        return lines;
    }

    /** Weft, Wasm and Java rounds, interleaved. Returns {weft, wasm, java}. */
    private static Series[] runWeftWasmAndJava(Bench bench, int rounds, Sizes sizes, boolean wasm, boolean java,
            Path benchDir) throws Exception {
        List<Double> weft = new ArrayList<>();
        List<Double> guest = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        String weftError = null;
        String wasmError = null;
        String javaError = null;
        try (Node node = Node.builder().build(); AttachedProcess host = node.attach()) {
            WasmBenchmarks guests = null;
            if (wasm) {
                try {
                    guests = WasmBenchmarks.load(node, benchDir);
                } catch (Exception e) {
                    wasmError = "loading the module: " + e;
                }
            }
            for (int r = 0; r < rounds; r++) {
                if (weftError == null) {
                    settle();
                    try {
                        weft.add(weftRound(node, host, ctx -> bench.weft().run(ctx, sizes)));
                    } catch (Exception e) {
                        weftError = "round " + (r + 1) + ": " + e;
                    }
                }
                if (wasm && wasmError == null) {
                    settle();
                    WasmBenchmarks g = guests;
                    try {
                        guest.add(weftRound(node, host, ctx -> bench.wasm().run(g, ctx, sizes)));
                    } catch (Exception e) {
                        wasmError = "round " + (r + 1) + ": " + e;
                    }
                }
                if (java && javaError == null) {
                    settle();
                    try {
                        plain.add(javaRound(bench, sizes));
                    } catch (Exception e) {
                        javaError = "round " + (r + 1) + ": " + e;
                    }
                }
            }
        }
        return new Series[] {
            weftError == null ? Series.of(weft) : Series.failed(weft, weftError),
            wasmError == null ? Series.of(guest) : Series.failed(guest, wasmError),
            javaError == null ? Series.of(plain) : Series.failed(plain, javaError),
        };
    }

    /** A round's program, run inside the round's driver process. */
    @FunctionalInterface
    interface DriverRound {
        double run(ProcessContext driver) throws Exception;
    }

    /** One round inside a fresh Weft driver process; the host waits for its figure. */
    static double weftRound(Node node, AttachedProcess host, DriverRound round) throws Exception {
        Pid hostPid = host.self();
        node.spawn(ctx -> {
            Object result;
            try {
                result = round.run(ctx);
            } catch (Exception | Error e) {
                result = e;
            }
            ctx.send(hostPid, result);
        });
        Message m = host.receive(ROUND_TIMEOUT);
        if (m == null) {
            throw new TimeoutException("no result after " + ROUND_TIMEOUT.toSeconds() + " s");
        }
        if (m.payload() instanceof Throwable t) {
            throw new ExecutionException(t);
        }
        return (Double) m.payload();
    }

    /** One round on a virtual thread, as the Java programs' driver. */
    private static double javaRound(Bench bench, Sizes sizes) throws Exception {
        CompletableFuture<Double> result = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try {
                result.complete(bench.java().run(sizes));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(ROUND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Lets the previous round's garbage go before the next round starts (not timed). */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(50);
    }

    private static void printSeries(String system, Bench bench, Series s) {
        String values = s.rounds().stream().map(v -> format(bench, v)).collect(Collectors.joining(", "));
        System.out.printf("  %-6s %s: %s%s%n", system, bench.unit(), values.isEmpty() ? "-" : values,
                s.error() == null ? "" : "  FAILED " + s.error());
    }

    private static void printMachine() {
        Runtime rt = Runtime.getRuntime();
        String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
        System.out.printf("Weft benchmarks: %d cores, JDK %s (%s), max heap %d MiB, GC %s%n",
                rt.availableProcessors(), Runtime.version(), System.getProperty("java.vm.name"),
                rt.maxMemory() >> 20, gcs);
        System.out.println("JVM flags: " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.println("Weft process threads run on: " + dev.weft.scheduler.Scheduler.carriers()
                + "; plain Java on the JDK's default scheduler");
    }

    // ---- the table ----

    private static String table(List<Row> rows, boolean withErlang, boolean withWasm, boolean withJava) {
        List<String> header = new ArrayList<>(List.of("benchmark", "unit", "Weft warm", "Weft cold"));
        if (withWasm) {
            header.addAll(List.of("Wasm warm", "Wasm cold"));
        }
        if (withErlang) {
            header.addAll(List.of("Erlang warm", "Erlang cold"));
        }
        if (withJava) {
            header.addAll(List.of("Java warm", "Java cold"));
        }
        if (withErlang) {
            header.addAll(List.of("Weft/Erlang", "target (Weft vs Erlang)"));
            if (withWasm) {
                header.addAll(List.of("Wasm/Erlang", "target (Wasm vs Erlang)"));
            }
        }
        List<List<String>> cells = new ArrayList<>();
        for (Row row : rows) {
            Bench b = row.bench();
            List<String> line = new ArrayList<>();
            line.add(b.title());
            line.add(b.unit() + (b.lowerIsBetter() ? " (lower better)" : " (higher better)"));
            line.add(warm(b, row.weft()));
            line.add(cold(b, row.weft()));
            if (withWasm) {
                line.add(warm(b, row.wasm()));
                line.add(cold(b, row.wasm()));
            }
            if (withErlang) {
                line.add(warm(b, row.erlang()));
                line.add(cold(b, row.erlang()));
            }
            if (withJava) {
                line.add(warm(b, row.java()));
                line.add(cold(b, row.java()));
            }
            if (withErlang) {
                compare(line, row.weft(), row.erlang(), b.target(), true);
                if (withWasm) {
                    compare(line, row.wasm(), row.erlang(), b.wasmTarget(), b.wasmSameSize());
                }
            }
            cells.add(line);
        }
        return markdown(header, cells);
    }

    /** Adds the ratio of two warm figures and the target's verdict to a table line. */
    private static void compare(List<String> line, Series ours, Series erlang, Target target, boolean sameSize) {
        boolean both = sameSize && ours != null && ours.hasWarm() && erlang != null && erlang.hasWarm();
        double ratio = both ? ours.warmMedian() / erlang.warmMedian() : Double.NaN;
        line.add(both ? String.format(Locale.ROOT, "%.2f", ratio) : "-");
        if (target == null) {
            line.add("-");
        } else if (!both) {
            line.add(target.text() + ": not measured");
        } else {
            line.add(target.text() + ": " + (target.met(ratio) ? "met" : "MISSED"));
        }
    }

    private static String warm(Bench b, Series s) {
        if (s == null) {
            return "-";
        }
        return s.hasWarm() ? format(b, s.warmMedian()) : (s.error() != null ? "failed" : "-");
    }

    private static String cold(Bench b, Series s) {
        if (s == null) {
            return "-";
        }
        return s.hasCold() ? format(b, s.cold()) : (s.error() != null ? "failed" : "-");
    }

    private static String format(Bench b, double raw) {
        double v = raw * b.scale();
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String markdown(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            width[i] = header.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        appendRow(out, rule, width);
        for (List<String> row : rows) {
            appendRow(out, row, width);
        }
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> row, int[] width) {
        out.append('|');
        for (int i = 0; i < row.size(); i++) {
            String cell = row.get(i);
            boolean numeric = i >= 2 && !cell.isEmpty() && (Character.isDigit(cell.charAt(0)) || cell.equals("-"));
            String pad = " ".repeat(width[i] - cell.length());
            out.append(' ').append(numeric ? pad + cell : cell + pad).append(" |");
        }
        out.append('\n');
    }

    private Main() {}
}
