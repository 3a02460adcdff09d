package dev.weft.bench;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.Pid;
import dev.weft.process.wasm.WasmModule;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Many idle Wasm processes on one node: a host process spawns {@code n} processes of the C guest
 * {@code idle} ({@code bench/wasm/bench_guests.c}) with {@code Node.spawnWasm}, each of which sends
 * READY and then blocks in {@code lunatic::message::receive}. The config is the defaults with WASI
 * off, as in the other Wasm benchmarks (the guest imports only {@code lunatic::*}; with WASI on,
 * each process also gets its own WASI instance, which about doubles the spawn time, BENCHMARKS.md). Timed from the first spawn until all n READY
 * messages are in. Then the memory they hold: heap used after a full GC, and the process's resident
 * set size (RSS), each minus the same figure before the first spawn, divided by n.
 *
 * <p>{@code bench/run} runs it in a JVM of its own with the flags of Weft's launchers
 * ({@code scripts/java-env.sh}: no fixed heap, so the default maximum heap of a quarter of RAM),
 * as {@code weft run} would run such processes: {@link #inLauncherJvm}. Its {@link #main} prints the
 * result as one {@code RESULT} line.
 */
final class IdleProcesses {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final WasmConfig CONFIG = WasmConfig.builder().withWasi(false).build();

    record Result(int processes, long nanos, long heapBytes, long rssBytes, long maxHeap) {

        double microsPerProcess() {
            return nanos / 1e3 / processes;
        }

        double heapKiBPerProcess() {
            return heapBytes / 1024.0 / processes;
        }

        double rssKiBPerProcess() {
            return rssBytes / 1024.0 / processes;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%,d processes blocked in receive; spawned and running in %.2f s (%.1f µs/process); "
                            + "heap after GC %.1f KiB/process (%,d MiB in all), RSS %.1f KiB/process (%,d MiB); "
                            + "max heap %,d MiB",
                    processes, nanos / 1e9, microsPerProcess(), heapKiBPerProcess(), heapBytes >> 20,
                    rssKiBPerProcess(), rssBytes >> 20, maxHeap >> 20);
        }
    }

    private IdleProcesses() {}

    /** {@code IdleProcesses BENCH_DIR N}: runs the benchmark, prints {@code RESULT n nanos heap rss maxHeap}. */
    public static void main(String[] args) throws Exception {
        Result r = run(Path.of(args[0]), Integer.parseInt(args[1]));
        System.out.printf(Locale.ROOT, "RESULT %d %d %d %d %d%n", r.processes(), r.nanos(), r.heapBytes(), r.rssBytes(),
                r.maxHeap());
    }

    /**
     * Runs the benchmark in a new JVM (this JVM's java and classpath) with {@code jvmFlags}, e.g. the
     * launchers' flags.
     */
    static Result inLauncherJvm(Path benchDir, int n, List<String> jvmFlags) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), IdleProcesses.class.getName(),
                benchDir.toString(), Integer.toString(n)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        for (String line : output.split("\\R")) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.split(" ");
                return new Result(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]));
            }
        }
        throw new IllegalStateException("the idle-processes JVM exited with " + code + " and no result:\n" + output.strip());
    }

    /** Runs the benchmark on a fresh node; the processes are gone when it returns. */
    static Result run(Path benchDir, int n) throws Exception {
        try (Node node = Node.builder().build(); AttachedProcess host = node.attach()) {
            WasmModule module = node.loadModule(benchDir.resolve(WasmBenchmarks.MODULE));
            long serial = host.self().serial();
            // warm-up, not measured: the first instances pay for class loading and JIT compilation
            spawnAll(node, host, module, serial, Math.min(n, 2000));
            quiet();
            long heap0 = heapUsed();
            long rss0 = rss();
            long t0 = System.nanoTime();
            List<Pid> pids = spawnAll(node, host, module, serial, n);
            long elapsed = System.nanoTime() - t0;
            quiet();
            long heap1 = heapUsed();
            long rss1 = rss();
            for (Pid pid : pids) {
                host.send(pid, WasmBenchmarks.STOP, new DataMessage(new byte[0]));
            }
            return new Result(n, elapsed, heap1 - heap0, rss1 - rss0, Runtime.getRuntime().maxMemory());
        }
    }

    /** Spawns n idle processes and waits until all are running; returns their pids. */
    static List<Pid> spawnAll(Node node, AttachedProcess host, WasmModule module, long hostSerial, int n)
            throws TimeoutException {
        List<Pid> pids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pids.add(node.spawnWasm(module, CONFIG, "idle", hostSerial));
        }
        MessageFilter ready = MessageFilter.tags(WasmBenchmarks.READY);
        for (int i = 0; i < n; i++) {
            Message m = host.receive(ready, READY_TIMEOUT);
            if (m == null) {
                throw new TimeoutException("only " + i + " of " + n + " idle processes running after "
                        + READY_TIMEOUT.toSeconds() + " s without progress (" + node.processCount() + " alive)");
            }
        }
        return pids;
    }

    private static void quiet() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        Thread.sleep(200);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The JVM's resident set size, from /proc (0 where there is none). */
    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
