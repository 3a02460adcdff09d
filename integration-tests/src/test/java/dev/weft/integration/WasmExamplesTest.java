package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ImportSection;
import dev.weft.node.cli.WeftCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C guests of {@code examples/wasm}, run with {@code weft run} in this JVM through
 * {@link WeftCli#run(String[], PrintStream, PrintStream)}: each must exit 0 and print its transcript.
 * When clang is on PATH, the guests are rebuilt from source with {@code examples/wasm/build.sh} and
 * each rebuilt module must have the committed module's imports, so a committed {@code .wasm} that
 * no longer matches its source is noticed.
 */
class WasmExamplesTest {

    /** examples/wasm, relative to this module's directory (the tests' working directory). */
    private static final Path EXAMPLES = Path.of("..", "examples", "wasm");

    /** Every example, NAME/NAME.c built into NAME/NAME.wasm. */
    private static final List<String> NAMES =
            List.of("hello", "pingpong", "ring", "spawn_many", "link_trap", "registry", "supervisor");

    private record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Path wasm(String name) {
        return EXAMPLES.resolve(name).resolve(name + ".wasm");
    }

    private static Run weftRun(String name, String... guestArgs) {
        List<String> args = new ArrayList<>(List.of("run", wasm(name).toString()));
        args.addAll(List.of(guestArgs));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = WeftCli.run(args.toArray(String[]::new), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run assertRunsOk(String name, String... guestArgs) {
        Run r = weftRun(name, guestArgs);
        assertEquals(0, r.exit(), name + " exit code\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    private static void assertLine(Run r, String line) {
        assertTrue(r.lines().contains(line), "expected the line '" + line + "' in:\n" + r.out()
                + "\nstderr:\n" + r.err());
    }

    @Test
    @Timeout(30)
    void hello() {
        Run r = assertRunsOk("hello", "a", "b");
        assertEquals(List.of("Hello from Weft!", "arg 1: a", "arg 2: b"), r.lines());
    }

    @Test
    @Timeout(30)
    void pingpong() {
        Run r = assertRunsOk("pingpong");
        assertEquals(List.of("pingpong: 1000 round trips", "exchanged 1000 pings and 1000 pongs", "ok"),
                r.lines());
        Run small = assertRunsOk("pingpong", "7");
        assertLine(small, "exchanged 7 pings and 7 pongs");
    }

    @Test
    @Timeout(30)
    void ring() {
        Run r = assertRunsOk("ring");
        assertEquals(List.of("ring: 100 processes, 10 laps", "hops: 1000", "ok"), r.lines());
        Run small = assertRunsOk("ring", "3", "2");
        assertEquals(List.of("ring: 3 processes, 2 laps", "hops: 6", "ok"), small.lines());
    }

    @Test
    @Timeout(30)
    void spawnMany() {
        Run r = assertRunsOk("spawn_many");
        assertEquals(List.of("spawn_many: 1000 processes", "replies: 1000",
                "sum: 332834500 (expected 332834500)", "ok"), r.lines());
    }

    @Test
    @Timeout(30)
    void linkTrap() {
        Run r = assertRunsOk("link_trap");
        assertTrue(r.err().matches("(?s)weft: process \\d+ \\(crasher\\) failed: trap: .*in crasher\\s*"),
                "one crash report, for the crasher: " + r.err());
        assertEquals(List.of(
                "main traps exits",
                "spawned crasher, linked with tag 42",
                "crasher: received code 1 (link died), tag 42",
                "spawned quitter, linked with tag 43 and monitored",
                "quitter: received code 2 (process died), from quitter",
                "quitter: then code 9027 (timeout): a normal exit sends no link-died message",
                "ok"), r.lines());
    }

    @Test
    @Timeout(30)
    void registry() {
        Run r = assertRunsOk("registry");
        assertEquals(List.of(
                "whereis(\"upcase\") before the server starts: not found",
                "server registered as \"upcase\": yes",
                "client sends: hello, registry",
                "client got reply: HELLO, REGISTRY",
                "ok"), r.lines());
        assertLine(assertRunsOk("registry", "Weft"), "client got reply: WEFT");
    }

    @Test
    @Timeout(30)
    void supervisor() {
        Run r = assertRunsOk("supervisor");
        List<String> lines = r.lines();
        // pids differ from run to run: compare the lines with the numbers taken out
        List<String> shapes = lines.stream().map(l -> l.replaceAll("\\d{2,}|(?<=pid |supervisor |-> )\\d+", "#"))
                .toList();
        assertEquals(List.of(
                "supervision tree started (root supervisor #)",
                "round 1: worker-1 (pid #) served a request",
                "round 1: worker-2 (pid #) served a request",
                "round 1: worker-3 (pid #) served a request",
                "round 1: asking worker-2 to crash",
                "round 2: worker-1 (pid #) served a request",
                "  worker-2 was restarted: pid # -> #",
                "round 2: worker-2 (pid #) served a request",
                "round 2: worker-3 (pid #) served a request",
                "round 2: asking worker-1 to crash",
                "  worker-1 was restarted: pid # -> #",
                "round 3: worker-1 (pid #) served a request",
                "round 3: worker-2 (pid #) served a request",
                "round 3: worker-3 (pid #) served a request",
                "root supervisor: 2 children (1 supervisor, 1 worker), 2 running",
                "  worker-1: worker, pid #",
                "  pool: supervisor, pid #",
                "tree stopped"), shapes);
        // weft run reports each worker's crash on stderr, once
        List<String> reports = r.err().lines().filter(l -> l.startsWith("weft: process ")).toList();
        assertEquals(2, reports.size(), r.err());
        for (String report : reports) {
            assertTrue(report.matches("weft: process \\d+ \\(worker\\) failed: trap: .*unreachable.* in worker"), report);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The committed modules are built from these sources

    @Test
    @Timeout(120)
    void rebuiltExamplesHaveCommittedImports(@TempDir Path tmp) throws Exception {
        assumeTrue(Subprocess.onPath("clang"), "clang is not on PATH");
        Process p = new ProcessBuilder("bash", EXAMPLES.resolve("build.sh").toString(), tmp.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "build.sh timed out");
        assertEquals(0, p.exitValue(), "examples/wasm/build.sh failed (toolchain, Debian 12: apt-get install"
                + " clang lld wasi-libc libclang-rt-14-dev-wasm32):\n" + new String(output, StandardCharsets.UTF_8));
        for (String name : NAMES) {
            Path rebuilt = tmp.resolve(name).resolve(name + ".wasm");
            assertTrue(Files.isRegularFile(rebuilt), "build.sh did not build " + rebuilt);
            List<String> committedImports = imports(wasm(name));
            assertEquals(committedImports, imports(rebuilt),
                    "imports of " + name + ".wasm rebuilt from source vs the committed "
                            + wasm(name) + " (rebuild it with examples/wasm/build.sh and commit it)");
            assertTrue(committedImports.stream().anyMatch(i -> i.startsWith("wasi_snapshot_preview1\t")),
                    name + " is a WASI module");
            if (!name.equals("hello")) {
                assertTrue(committedImports.stream().anyMatch(i -> i.startsWith("lunatic::")),
                        name + " uses the Lunatic ABI");
            }
        }
    }

    /** The module's imports, in order, as "module\tname\ttype" (functions with their signature). */
    private static List<String> imports(Path path) throws Exception {
        WasmModule module = Parser.parse(path);
        ImportSection section = module.importSection();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < section.importCount(); i++) {
            Import imp = section.getImport(i);
            String type = imp.importType().toString();
            if (imp instanceof FunctionImport f) {
                FunctionType t = module.typeSection().getType(f.typeIndex());
                type = "func" + t.params() + "->" + t.returns();
            }
            out.add(imp.module() + "\t" + imp.name() + "\t" + type);
        }
        return out;
    }
}
