package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Rust guests of {@code examples/rust}, lunatic-rs 0.14.1 programs as users write them for
 * Lunatic: each committed {@code NAME/NAME.wasm} runs through the real {@code ./weft} launcher (a
 * bash subprocess) and must print its transcript. Where Debian's Rust toolchain for wasm32-wasi
 * and a lunatic-rs build are at hand ({@link LunaticRs}), the sources are rebuilt with
 * {@code examples/rust/build.sh} and each rebuilt module must be byte for byte the committed one,
 * and {@code cargo test} / {@code cargo run} with the packages' {@code .cargo/config.toml} run
 * the guests with {@code weft} as cargo's runner; otherwise those are skipped, saying why.
 */
class RustExamplesTest {

    private static final Path EXAMPLES = WeftLauncher.ROOT.resolve("examples/rust");
    /** Every example: NAME/ a cargo package, NAME/NAME.wasm its committed build. */
    private static final List<String> NAMES = List.of("kv_store", "supervised_counter", "counter_tests");
    private static final Path LOGS = WeftLauncher.ROOT.resolve("integration-tests/target/rust-examples-logs");

    @BeforeAll
    static void theLauncherWillNotBuild() throws IOException {
        WeftLauncher.assumeBuilt();
    }

    private static Path wasm(String name) {
        return EXAMPLES.resolve(name).resolve(name + ".wasm");
    }

    private static WeftLauncher.Run weftRun(String log, String name, String... guestArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", WeftLauncher.ROOT.relativize(wasm(name)).toString()));
        args.addAll(List.of(guestArgs));
        WeftLauncher.Run r = WeftLauncher.run(WeftLauncher.ROOT, args, 120, LOGS, log);
        assertTrue(!r.timedOut(), name + ": " + r.describe());
        return r;
    }

    private static List<String> weftReports(WeftLauncher.Run r) {
        return r.err().lines().filter(l -> l.startsWith("weft: ")).toList();
    }

    @Test
    @Timeout(300)
    void kvStore() throws Exception {
        WeftLauncher.Run r = weftRun("kv_store", "kv_store");
        assertEquals(0, r.exit(), r.describe());
        List<String> expected = new ArrayList<>(List.of("server: started as \"kv\""));
        for (int n = 1; n <= 3; n++) {
            expected.add(clientLine(n));
        }
        expected.add("server: holds 6 keys");
        assertEquals(expected, r.lines(), r.describe());
        assertEquals(List.of(), weftReports(r), r.describe());

        WeftLauncher.Run one = weftRun("kv_store-1", "kv_store", "1");
        assertEquals(0, one.exit(), one.describe());
        assertEquals(List.of("server: started as \"kv\"", clientLine(1), "server: holds 2 keys"), one.lines());
    }

    private static String clientLine(int n) {
        return "client " + n + ": put client" + n + "/a=1, client" + n + "/b=2, then client" + n + "/a=" + n + n
                + " (it was 1); get client" + n + "/a -> " + n + n + ", client" + n + "/b -> 2, client" + n
                + "/c -> none";
    }

    @Test
    @Timeout(300)
    void supervisedCounter() throws Exception {
        WeftLauncher.Run r = weftRun("supervised_counter", "supervised_counter");
        assertEquals(0, r.exit(), r.describe());
        List<String> lines = r.lines();
        String[] patterns = {
            "counter: started at 0",
            "main: supervisor (\\d+) started counter (\\d+)",
            "client 1: counter (\\d+) answered 1, 2, 3",
            "client 2: counter (\\d+) answered 4, 5, 6",
            "main: asking counter (\\d+) to crash",
            "counter: crashing at 6",
            "counter: started at 0",                           // the supervisor's restart
            "client 3: counter (\\d+) answered 1, 2, 3",        // the restarted counter counts from 0
            "main: the supervisor restarted the counter: (\\d+) -> (\\d+); the old one is alive: false",
            "main: the supervisor's child is counter (\\d+)",
        };
        assertEquals(patterns.length, lines.size(), r.describe());
        List<List<String>> ids = new ArrayList<>();
        for (int i = 0; i < patterns.length; i++) {
            Matcher m = Pattern.compile(patterns[i]).matcher(lines.get(i));
            assertTrue(m.matches(), "line " + (i + 1) + " '" + lines.get(i) + "' is not /" + patterns[i] + "/\n" + r.describe());
            List<String> groups = new ArrayList<>();
            for (int g = 1; g <= m.groupCount(); g++) {
                groups.add(m.group(g));
            }
            ids.add(groups);
        }
        String first = ids.get(1).get(1);
        String restarted = ids.get(7).get(0);
        assertNotEquals(first, restarted, "the restarted counter is a new process");
        assertEquals(List.of(first), ids.get(2), "client 1 reached the first counter");
        assertEquals(List.of(first), ids.get(3), "client 2 reached the first counter");
        assertEquals(List.of(first), ids.get(4));
        assertEquals(List.of(first, restarted), ids.get(8));
        assertEquals(List.of(restarted), ids.get(9), "the supervisor's child is the restarted counter");
        // the crash: Rust's panic message, and weft's report of the failed process, once
        assertTrue(r.err().contains("panicked at 'the counter was asked to crash'"), r.describe());
        List<String> reports = weftReports(r);
        assertEquals(1, reports.size(), r.describe());
        assertTrue(reports.get(0).matches("weft: process " + first + " \\(.*\\) failed: trap: .*"), reports.get(0));
    }

    /** The tests of counter_tests's library, as libtest names them. */
    private static final List<String> COUNTER_TESTS = List.of(
            "counts_from_its_start", "messages_and_requests_arrive_in_order", "clients_in_other_processes_share_it",
            "a_crashed_counter_is_no_longer_alive", "a_test_with_a_mailbox", "a_request_to_a_crashed_counter_times_out",
            "a_panicking_test_that_should_panic_passes - should panic", "ignored_unless_asked");

    @Test
    @Timeout(300)
    void counterTests() throws Exception {
        WeftLauncher.Run r = weftRun("counter_tests", "counter_tests");
        assertEquals(0, r.exit(), r.describe());
        assertEquals(counterTestLines(false), testLines(r.out()), r.describe());
        assertTrue(r.out().contains("\ntest result: ok. 7 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out;"),
                r.describe());

        // libtest's arguments: a filter, and the ignored test run too
        WeftLauncher.Run filtered = weftRun("counter_tests-filtered", "counter_tests", "crashed", "--include-ignored");
        assertEquals(0, filtered.exit(), filtered.describe());
        assertEquals(List.of(
                "test counter_tests::tests::a_crashed_counter_is_no_longer_alive ... ok",
                "test counter_tests::tests::a_request_to_a_crashed_counter_times_out ... ok"),
                testLines(filtered.out()), filtered.describe());
        assertTrue(filtered.out().contains("\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 6 filtered out;"),
                filtered.describe());
    }

    private static List<String> counterTestLines(boolean includeIgnored) {
        return COUNTER_TESTS.stream().map(t -> "test counter_tests::tests::" + t + " ... "
                + (t.equals("ignored_unless_asked") && !includeIgnored ? "ignored" : "ok")).sorted().toList();
    }

    /** The result lines, sorted: tests run in parallel, as under libtest, so they finish in any order. */
    private static List<String> testLines(String out) {
        return out.lines().filter(l -> l.startsWith("test ") && !l.startsWith("test result:")).sorted().toList();
    }

    // ---------------------------------------------------------------------------------------------
    // The committed modules are what the sources build, and cargo runs them with weft

    /** Builds the examples into {@code out} with build.sh; skipped (saying why) without a toolchain. */
    private static void build(Path out) throws Exception {
        Path lunaticRsBuild = LunaticRs.OUT.resolve("build");
        if (LunaticRs.absent().isEmpty()) {
            LunaticRs.ensureBuilt(); // installs Debian's Rust toolchain if missing, makes vendor/ and src/
        }
        String why = null;
        if (!Files.isExecutable(Path.of("/usr/bin/cargo")) || !Files.isExecutable(Path.of("/usr/bin/rustc"))) {
            why = "no Debian Rust toolchain (/usr/bin/cargo, /usr/bin/rustc)";
        } else if (!Files.isDirectory(Path.of("/usr/lib/rustlib/wasm32-wasi"))) {
            why = "no wasm32-wasi std for /usr/bin/rustc (libstd-rust-dev-wasm32)";
        } else if (!Files.isDirectory(lunaticRsBuild.resolve("vendor")) || !Files.isDirectory(lunaticRsBuild.resolve("src"))) {
            why = LunaticRs.absent().orElse("no lunatic-rs build at " + lunaticRsBuild);
        }
        if (why != null) {
            System.out.println("RustExamplesTest: not rebuilding the Rust examples: " + why);
        }
        assumeTrue(why == null, why);
        WeftLauncher.Run r = WeftLauncher.runCommand(WeftLauncher.ROOT,
                Map.of("LUNATIC_RS_BUILD", lunaticRsBuild.toString()),
                List.of("bash", EXAMPLES.resolve("build.sh").toString(), out.toString()), 600, LOGS, "build");
        assertEquals(0, r.exit(), "examples/rust/build.sh failed: " + r.describe());
        System.out.printf("RustExamplesTest: examples/rust/build.sh took %.1f s%n", r.seconds());
    }

    @Test
    @Timeout(1200)
    void rebuiltExamplesAreTheCommittedModules(@TempDir Path tmp) throws Exception {
        build(tmp);
        for (String name : NAMES) {
            Path rebuilt = tmp.resolve(name).resolve(name + ".wasm");
            assertTrue(Files.isRegularFile(rebuilt), "build.sh did not build " + rebuilt);
            assertArrayEquals(Files.readAllBytes(wasm(name)), Files.readAllBytes(rebuilt),
                    name + ".wasm rebuilt from source differs from the committed " + WeftLauncher.ROOT.relativize(wasm(name))
                            + " (rebuild it with examples/rust/build.sh and commit it)");
        }
    }

    /** {@code cargo test} and {@code cargo run} in the packages, with weft on the PATH as their runner. */
    @Test
    @Timeout(1200)
    void cargoRunsTheExamplesWithWeftAsTheRunner(@TempDir Path tmp) throws Exception {
        build(tmp.resolve("out"));
        Path work = WeftLauncher.ROOT.resolve("target/rust-examples"); // build.sh's work folder
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path weft = Files.writeString(bin.resolve("weft"), "#!/bin/sh\nexec bash '" + WeftLauncher.WEFT + "' \"$@\"\n");
        assertTrue(weft.toFile().setExecutable(true));
        String path = bin + ":" + System.getenv("PATH");

        WeftLauncher.Run test = cargo(work, "counter_tests", path, "test --release", "cargo-test");
        assertEquals(0, test.exit(), test.describe());
        assertEquals(counterTestLines(false), testLines(test.out()), test.describe());
        assertTrue(test.err().contains("Running unittests src/lib.rs"), test.describe());

        WeftLauncher.Run run = cargo(work, "kv_store", path, "run --release -- 2", "cargo-run");
        assertEquals(0, run.exit(), run.describe());
        assertEquals(List.of("server: started as \"kv\"", clientLine(1), clientLine(2), "server: holds 4 keys"),
                run.lines(), run.describe());
    }

    private static WeftLauncher.Run cargo(Path work, String name, String path, String args, String log) throws Exception {
        String script = ". '" + work.resolve("env.sh") + "' && cd '" + work.resolve("src").resolve(name)
                + "' && exec /usr/bin/cargo " + args;
        WeftLauncher.Run r = WeftLauncher.runCommand(WeftLauncher.ROOT, Map.of("PATH", path),
                List.of("bash", "-c", script), 600, LOGS, log);
        assertTrue(!r.timedOut(), r.describe());
        return r;
    }
}
