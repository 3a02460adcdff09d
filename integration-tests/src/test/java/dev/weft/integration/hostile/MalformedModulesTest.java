package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.hostapi.WasmConfig;
import dev.weft.node.Node;
import dev.weft.process.StartedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.internal.wasm.ModuleInternals;
import dev.weft.process.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed modules: the repository's valid modules mutated at random (seeded: flipped bytes,
 * truncation, inserted and deleted bytes, broken section lengths, sections dropped, duplicated,
 * swapped or spliced in from another module), for a time budget. Each is loaded with
 * {@link Node#loadModule(byte[], Engine)}: it must be refused with a {@link ModuleLoadException} or
 * load; a module that loads has its exported functions run as processes (arguments all zero) and
 * killed after a bound. Never another exception escaping to the caller, never a hang past the
 * bound; a neighbour on the same node keeps answering.
 */
class MalformedModulesTest {

    private static final long SEED = 20261124L;
    private static final Duration BUDGET = Duration.ofSeconds(15);
    /** How long a loaded module's processes may run before they are killed. */
    private static final Duration RUN_BOUND = Duration.ofMillis(50);
    /** How long a load, or a killed process's exit, may take before it counts as a hang. */
    private static final Duration HANG = Duration.ofSeconds(10);
    private static final int CASES_PER_NODE = 300;

    private static final List<Path> ROOTS = List.of(
            Path.of("..", "examples", "wasm"),
            Path.of("..", "host-api", "src", "test", "resources"),
            Path.of("..", "process", "src", "test", "resources"),
            Path.of("..", "node", "src", "test", "resources"),
            Path.of("src", "test", "resources", "hostile"));

    static List<byte[]> seeds() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path root : ROOTS) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> p.toString().endsWith(".wasm")).sorted().forEach(files::add);
            }
        }
        List<byte[]> seeds = new ArrayList<>();
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            if (b.length >= 8 && b[0] == 0 && b[1] == 'a' && b[2] == 's' && b[3] == 'm') {
                seeds.add(b);
            }
        }
        return seeds;
    }

    // ------------------------------------------------------------------ mutations

    /** A section of a module: its whole encoding (id, size, payload) at [start, end). */
    private record Section(int id, int start, int end) {}

    static List<Section> sections(byte[] m) {
        List<Section> out = new ArrayList<>();
        int i = 8;
        while (i < m.length) {
            int start = i;
            int id = m[i++] & 0xff;
            long size = 0;
            int shift = 0;
            while (true) {
                if (i >= m.length || shift > 28) {
                    return out;
                }
                int b = m[i++] & 0xff;
                size |= (long) (b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (i + size > m.length) {
                return out;
            }
            i += (int) size;
            out.add(new Section(id, start, i));
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static final byte[] INTERESTING = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff, 0x0b, 0x41, 0x10, 0x60};

    /** One mutation of {@code m}; {@code other} is another seed, for splicing. Also returns its name. */
    static byte[] mutate(byte[] m, byte[] other, Random r, StringBuilder name) {
        byte[] b = m.clone();
        List<Section> secs = sections(m);
        int op = r.nextInt(10);
        switch (op) {
            case 0 -> { // flip bits
                int n = 1 + r.nextInt(4);
                name.append("flip").append(n);
                for (int k = 0; k < n; k++) {
                    int at = 8 + r.nextInt(Math.max(1, b.length - 8));
                    if (at < b.length) {
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
            }
            case 1 -> { // random bytes / interesting values
                int n = 1 + r.nextInt(8);
                name.append("set").append(n);
                for (int k = 0; k < n; k++) {
                    int at = r.nextInt(b.length);
                    b[at] = r.nextBoolean() ? (byte) r.nextInt(256) : INTERESTING[r.nextInt(INTERESTING.length)];
                }
            }
            case 2 -> { // truncate
                name.append("truncate");
                b = Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 3 -> { // insert
                int at = r.nextInt(b.length + 1);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                name.append("insert").append(ins.length);
                b = concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
            }
            case 4 -> { // delete a range
                int at = r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(32));
                name.append("delete").append(len);
                b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
            }
            case 5 -> { // break a section's size (the byte after its id)
                name.append("section-size");
                if (!secs.isEmpty()) {
                    Section s = secs.get(r.nextInt(secs.size()));
                    b[s.start() + 1] = (byte) (b[s.start() + 1] + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(3)));
                }
            }
            case 6 -> { // drop a section
                name.append("drop-section");
                if (!secs.isEmpty()) {
                    Section s = secs.get(r.nextInt(secs.size()));
                    b = concat(Arrays.copyOf(m, s.start()), Arrays.copyOfRange(m, s.end(), m.length));
                }
            }
            case 7 -> { // duplicate a section
                name.append("dup-section");
                if (!secs.isEmpty()) {
                    Section s = secs.get(r.nextInt(secs.size()));
                    b = concat(Arrays.copyOf(m, s.end()), Arrays.copyOfRange(m, s.start(), m.length));
                }
            }
            case 8 -> { // swap two sections
                name.append("swap-sections");
                if (secs.size() >= 2) {
                    int i = r.nextInt(secs.size() - 1);
                    Section a = secs.get(i);
                    Section c = secs.get(i + 1);
                    b = concat(Arrays.copyOf(m, a.start()), Arrays.copyOfRange(m, c.start(), c.end()),
                            Arrays.copyOfRange(m, a.start(), a.end()), Arrays.copyOfRange(m, c.end(), m.length));
                }
            }
            default -> { // splice: replace one section by another module's section of the same id, or insert one
                name.append("splice");
                List<Section> theirs = sections(other);
                if (!secs.isEmpty() && !theirs.isEmpty()) {
                    Section s = secs.get(r.nextInt(secs.size()));
                    Section t = theirs.stream().filter(x -> x.id() == s.id()).findFirst()
                            .orElse(theirs.get(r.nextInt(theirs.size())));
                    b = concat(Arrays.copyOf(m, s.start()), Arrays.copyOfRange(other, t.start(), t.end()),
                            Arrays.copyOfRange(m, s.end(), m.length));
                }
            }
        }
        if (r.nextInt(4) == 0 && b.length > 8) { // sometimes a second, small mutation on top
            b[8 + r.nextInt(b.length - 8)] ^= (byte) (1 << r.nextInt(8));
            name.append("+flip");
        }
        return b;
    }

    // ------------------------------------------------------------------ the run

    /** Zero arguments for an export's parameters, or null if it has a parameter a process cannot take. */
    private static Object[] zeroArgs(FunctionType type) {
        Object[] args = new Object[type.params().size()];
        for (int i = 0; i < args.length; i++) {
            ValType t = type.params().get(i);
            if (t.equals(ValType.I32)) {
                args[i] = 0;
            } else if (t.equals(ValType.I64)) {
                args[i] = 0L;
            } else if (t.equals(ValType.F32)) {
                args[i] = 0f;
            } else if (t.equals(ValType.F64)) {
                args[i] = 0d;
            } else {
                return null;
            }
        }
        return args;
    }

    /** The exported functions of {@code module} with their zero arguments (at most 4). */
    private static Map<String, Object[]> runnableExports(WasmModule module) {
        Map<String, Object[]> out = new TreeMap<>();
        com.dylibso.chicory.wasm.WasmModule m = ModuleInternals.chicoryModule(module); // as the loader parsed it
        ExportSection exports = m.exportSection();
        int imported = module.importedFunctionCount();
        for (int i = 0; i < exports.exportCount() && out.size() < 4; i++) {
            Export e = exports.getExport(i);
            if (e.exportType() != ExternalType.FUNCTION || e.index() < imported) {
                continue;
            }
            FunctionType type = m.functionSection().getFunctionType(e.index() - imported, m.typeSection());
            Object[] args = zeroArgs(type);
            if (args != null) {
                out.put(e.name(), args);
            }
        }
        return out;
    }

    private static final class Tally {
        int tried;
        int refused;
        final Map<String, Integer> refusedBy = new TreeMap<>();
        int loaded;
        int processes;
        final Map<String, Integer> exits = new TreeMap<>();
        int killedAfterBound;
        int spawnRefused;
        int invalidAccepted;
        int invalidSpawnThrew;
        int invalidEscaped;
        int nodes;
        int nodesSurvived;
        long pings;
        final List<String> failures = new ArrayList<>();

        void failure(String what) {
            if (failures.size() < 30) {
                failures.add(what);
            } else if (failures.size() == 30) {
                failures.add("...");
            }
        }
    }

    @Test
    @Timeout(120)
    void mutatedModulesAreRefusedOrRunSafely() throws Exception {
        List<byte[]> seeds = seeds();
        assertTrue(seeds.size() >= 10, "expected the repository's .wasm files, found " + seeds.size()
                + " (run from the integration-tests directory)");
        Random r = new Random(SEED);
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        WasmConfig config = WasmConfig.builder().withStdout(sink).withStderr(sink)
                .withMaxMemoryBytes(64L << 20).build();
        Tally t = new Tally();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        ExecutorService loader = Executors.newSingleThreadExecutor(task -> {
            Thread th = new Thread(task, "malformed-module-loader");
            th.setDaemon(true);
            return th;
        });
        long start = System.nanoTime();
        try {
            while (System.nanoTime() < deadline) {
                t.nodes++;
                try (Node node = Node.builder().build()) {
                    Hostile.Neighbour neighbour = new Hostile.Neighbour(node);
                    for (int k = 0; k < CASES_PER_NODE && System.nanoTime() < deadline; k++) {
                        // small modules more often: the smaller of two seeds picked at random
                        byte[] a = seeds.get(r.nextInt(seeds.size()));
                        byte[] b = seeds.get(r.nextInt(seeds.size()));
                        byte[] seed = a.length <= b.length ? a : b;
                        byte[] other = seeds.get(r.nextInt(seeds.size()));
                        StringBuilder name = new StringBuilder();
                        byte[] bytes = mutate(seed, other, r, name);
                        // the compiler (slow to load: it generates bytecode) on one case in four, mostly small
                        // modules; the interpreter (quick to load) on the others
                        Engine engine = r.nextInt(4) == 0 && (bytes.length < 8192 || r.nextBoolean())
                                ? Engine.COMPILER : Engine.INTERPRETER;
                        String label = "case " + t.tried + " (" + name + ", " + bytes.length + " bytes, " + engine + ")";
                        t.tried++;
                        runCase(node, loader, bytes, engine, config, label, t);
                        if (k % 25 == 24) {
                            neighbour.assertAnswers(3, Hostile.WAIT);
                        }
                    }
                    neighbour.assertAnswers(10, Hostile.WAIT);
                    t.pings += neighbour.pings;
                    t.nodesSurvived++;
                    neighbour.close();
                }
            }
        } finally {
            loader.shutdownNow();
        }
        System.out.printf("[hostile] malformed modules (seed %d, %d seed modules, %.1f s): %d cases tried; %d refused "
                + "with ModuleLoadException %s; %d refused with Chicory's InvalidException escaping (must be 0); "
                + "%d loaded, of which %d invalid ones accepted (must be 0; %d startWasm calls on them threw "
                + "IndexOutOfBoundsException); %d processes run (exits %s; %d still running at %d ms and killed; "
                + "%d spawns refused); %d/%d nodes survived; neighbours unaffected: %d pings answered in order; "
                + "%d failures%n",
                SEED, seeds.size(), (System.nanoTime() - start) / 1e9, t.tried, t.refused, t.refusedBy,
                t.invalidEscaped, t.loaded, t.invalidAccepted, t.invalidSpawnThrew, t.processes, t.exits,
                t.killedAfterBound, RUN_BOUND.toMillis(), t.spawnRefused, t.nodesSurvived, t.nodes, t.pings,
                t.failures.size());
        t.failures.forEach(f -> System.out.println("[hostile]   " + f));
        assertTrue(t.failures.isEmpty(), String.join("\n", t.failures));
        assertTrue(t.tried >= 1000, "expected thousands of cases in the budget, got " + t.tried);
    }

    /** With WEFT_FUZZ_DUMP=dir, keeps the bytes of a case that went wrong, to turn it into a test. */
    private static void dump(Tally t, byte[] bytes) {
        String dir = System.getenv("WEFT_FUZZ_DUMP");
        if (dir != null) {
            try {
                Files.write(Path.of(dir, "case" + (t.tried - 1) + ".wasm"), bytes);
            } catch (IOException ignored) {
                // a debugging aid only
            }
        }
    }

    private static void runCase(Node node, ExecutorService loader, byte[] bytes, Engine engine, WasmConfig config,
            String label, Tally t) throws InterruptedException {
        Future<WasmModule> loading = loader.submit(() -> node.loadModule(bytes, engine));
        WasmModule module;
        try {
            module = loading.get(HANG.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            loading.cancel(true);
            t.failure(label + ": loadModule still busy after " + HANG);
            return;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModuleLoadException mle) {
                t.refused++;
                t.refusedBy.merge(mle.kind().toString(), 1, Integer::sum);
                if (mle.getMessage() == null || mle.getMessage().isBlank()) {
                    t.failure(label + ": refused without a message");
                }
            } else if (cause instanceof com.dylibso.chicory.wasm.InvalidException
                    && String.valueOf(cause.getMessage()).startsWith("unknown type")) {
                t.invalidEscaped++; // was a bug (MalformedModuleBugsTest.importOfAMissingTypeIsRefused)
                dump(t, bytes);
                t.failure(label + ": Chicory's InvalidException escaped loadModule: " + cause);
            } else {
                dump(t, bytes);
                t.failure(label + ": loadModule threw " + cause);
            }
            return;
        }
        t.loaded++;
        Map<String, Object[]> exports;
        boolean invalid = false;
        try {
            exports = runnableExports(module);
        } catch (RuntimeException e) {
            // bug (MalformedModuleBugsTest): the loader accepted a module that fails validation, e.g.
            // an export of a function or memory index out of range. Its exports must still not throw
            // anything unexpected when spawned.
            t.invalidAccepted++;
            invalid = true;
            dump(t, bytes);
            t.failure(label + ": the loader accepted a module that fails validation: " + e);
            exports = new TreeMap<>();
            for (String name : module.exportedFunctions()) {
                exports.put(name, new Object[0]);
            }
        }
        List<StartedProcess> running = new ArrayList<>();
        for (Map.Entry<String, Object[]> export : exports.entrySet()) {
            try {
                running.add(node.startWasm(module, config, export.getKey(), export.getValue()));
                t.processes++;
            } catch (IllegalArgumentException refused) {
                t.spawnRefused++; // documented: an export or arguments the module cannot take
            } catch (IndexOutOfBoundsException e) {
                if (invalid) {
                    t.invalidSpawnThrew++; // the same known bug, seen from startWasm
                } else {
                    t.failure(label + ": startWasm(" + export.getKey() + ") threw " + e);
                }
            } catch (RuntimeException | Error e) {
                t.failure(label + ": startWasm(" + export.getKey() + ") threw " + e);
            }
        }
        long bound = System.nanoTime() + RUN_BOUND.toNanos();
        for (StartedProcess p : running) {
            ExitReason reason;
            try {
                reason = p.exited().get(Math.max(0, bound - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException stillRunning) {
                t.killedAfterBound++;
                node.exit(p.pid(), ExitReason.KILL);
                try {
                    reason = p.awaitExit(HANG);
                } catch (TimeoutException hang) {
                    t.failure(label + ": a process did not end within " + HANG + " of kill");
                    continue;
                }
            } catch (ExecutionException impossible) {
                t.failure(label + ": " + impossible);
                continue;
            }
            String kind = reason.kind();
            if (reason instanceof ExitReason.Error e && e.message().startsWith("host function ")) {
                kind = "host-failure";
                t.failure(label + ": a host exception ended the process: " + e.message());
            }
            t.exits.merge(kind, 1, Integer::sum);
        }
    }
}
