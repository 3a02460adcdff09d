package dev.weft.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.WasmConfig;
import dev.weft.node.Node;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test mode running tests at once, as libtest does ({@code --test-threads}, {@code RUST_TEST_THREADS}),
 * on {@code src/test/resources/cli/parallel_tests.wat}: tests that meet, or must not meet, through
 * directories they make in the one directory they share (see the fixture for what each does).
 */
class TestModeParallelTest {

    private static final Path TESTS = Path.of("src", "test", "resources", "cli", "parallel_tests.wasm");

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
        List<String> lines() {
            return List.of(out.split("\n", -1));
        }

        /** The {@code test NAME ...} lines, in the order printed. */
        List<String> testLines() {
            return lines().stream().filter(l -> l.startsWith("test ") && !l.startsWith("test result: ")).toList();
        }

        int indexOf(String line) {
            int i = lines().indexOf(line);
            assertTrue(i >= 0, "no line '" + line + "' in\n" + out);
            return i;
        }
    }

    /** weft run, granting the guests a new empty directory, with these environment variables (and no other). */
    private Result weft(Map<String, String> env, String... runnerArgs) {
        List<String> args = new ArrayList<>(List.of("run", "--dir", freshDir().toString(), TESTS.toString()));
        args.addAll(List.of(runnerArgs));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = WeftCli.run(args.toArray(String[]::new), o, e, new ByteArrayInputStream(new byte[0]), env::get);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result weft(String... runnerArgs) {
        return weft(Map.of(), runnerArgs);
    }

    private int dirs;

    private Path freshDir() {
        try {
            return Files.createDirectory(tmp.resolve("run" + dirs++));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String summary(Result r) {
        return r.lines().stream().filter(l -> l.startsWith("test result: ")).findFirst().orElseThrow()
                .replaceAll("; finished in \\d+\\.\\d\\ds$", "");
    }

    private static final Set<String> MET = Set.of("test meet::a ... ok", "test meet::b ... ok", "test meet::c ... ok",
            "test meet::d ... ok");

    private static final List<String> EXCLUSIVE = List.of("test exclusive::one ... ok", "test exclusive::two ... ok",
            "test exclusive::three ... ok", "test exclusive::four ... ok");

    @Test
    void fourTestsThatWaitForEachOtherPassOnFourThreadsWithoutSeeingEachOthersNames() {
        Result r = weft("--test-threads", "4", "meet");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(MET, Set.copyOf(r.testLines()), r.out());
        assertEquals(4, r.testLines().size(), r.out());
        assertEquals("test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 9 filtered out", summary(r));
        assertEquals("", r.err());
    }

    @Test
    void oneThreadRunsTheTestsOneAtATimeInTheirOrder() {
        Result one = weft("--test-threads", "1", "exclusive");
        assertEquals(0, one.code(), one.out());
        assertEquals(EXCLUSIVE, one.testLines());
        // the fixture's check: on four threads they hold the lock at once and some of them fail
        Result four = weft("--test-threads", "4", "exclusive");
        assertEquals(101, four.code(), four.out());
        assertTrue(four.out().contains("another test holds the lock\n"), four.out());
    }

    @Test
    void theFailuresAndSuccessesAreShownInTheTestsOrderNotTheOrderTheyFinishedIn() {
        Result r = weft("--test-threads", "3", "--show-output", "order");
        assertEquals(101, r.code(), r.out() + r.err());
        // fails_late waits for fails_early to fail, and fails later: the result lines come as they finish
        assertTrue(r.indexOf("test order::fails_early ... FAILED") < r.indexOf("test order::fails_late ... FAILED"),
                r.out());
        assertTrue(r.out().contains("\nsuccesses:\n\n---- order::passes stdout ----\npassing\n\nsuccesses:\n"
                + "    order::passes\n"), r.out());
        String failures = r.out().substring(r.out().indexOf("\nfailures:\n"));
        assertTrue(failures.startsWith("\nfailures:\n\n---- order::fails_late stdout ----\nfailing late\n"), failures);
        assertTrue(failures.indexOf("---- order::fails_late stdout ----") < failures.indexOf("---- order::fails_early stdout ----"),
                failures);
        assertTrue(failures.contains("\nfailures:\n    order::fails_late\n    order::fails_early\n"), failures);
        assertEquals("test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 10 filtered out", summary(r));
    }

    @Test
    void withNocaptureTheOutputOfTestsRunningAtOnceInterleaves() {
        Result r = weft("--test-threads", "4", "--nocapture", "meet");
        assertEquals(0, r.code(), r.out() + r.err());
        int firstResult = r.lines().indexOf(r.testLines().get(0));
        for (String letter : List.of("a", "b", "c", "d")) {
            // every test arrives before any of them can finish
            assertTrue(r.indexOf(letter + " arrived") < firstResult, r.out());
            r.indexOf(letter + " met");
        }
        assertFalse(r.out().contains("---- "), "nothing captured to show: " + r.out());
    }

    @Test
    void rustTestThreadsSetsHowManyRunAtOnceAndTheOptionWins() throws Exception {
        Result env = weft(Map.of("RUST_TEST_THREADS", "4"), "meet");
        assertEquals(0, env.code(), env.out() + env.err());
        assertEquals(MET, Set.copyOf(env.testLines()), env.out());
        Result option = weft(Map.of("RUST_TEST_THREADS", "4"), "--test-threads", "1", "exclusive");
        assertEquals(0, option.code(), option.out() + option.err());
        assertEquals(EXCLUSIVE, option.testLines());
        assertEquals(1, new TestMode.Options().threads(Map.of("RUST_TEST_THREADS", "+1")::get));
    }

    @Test
    void aBadRustTestThreadsIsRefusedInLibtestsWords() throws Exception {
        // as --test-threads: more than Integer.MAX_VALUE is refused too (libtest would take it)
        for (String bad : List.of("0", "-2", "x", "", " 3", "3 ", "4.0", "\u0663", "99999999999")) {
            Result r = weft(Map.of("RUST_TEST_THREADS", bad), "slow::quick");
            assertEquals(WeftCli.USAGE, r.code(), bad + ": " + r.out() + r.err());
            assertEquals("weft: RUST_TEST_THREADS is `" + bad + "`, should be a positive integer\n", r.err());
            assertEquals("", r.out());
        }
        // not read when --test-threads is given, nor to list the tests
        Map<String, String> bad = Map.of("RUST_TEST_THREADS", "x");
        assertEquals(0, weft(bad, "--test-threads", "2", "slow::quick").code());
        assertEquals(0, weft(bad, "--list").code());
    }

    @Test
    void theThreadsDefaultToTheNumberOfProcessors() throws Exception {
        assertEquals(Runtime.getRuntime().availableProcessors(), new TestMode.Options().threads(name -> null));
        assertEquals(3, TestMode.Options.parse(List.of("--test-threads", "3")).threads(name -> "5"));
    }

    /** A test mode run of the fixture's slow tests that warns about tests running over 0.7 s. */
    private String slowRun(String threads) throws Exception {
        WasmModule module = new ModuleLoader(Engine.COMPILER).load(TESTS);
        TestMode.Guest guest = (node, export, argv, gout, gerr) -> node.wasmBody(module,
                WasmConfig.builder().withArgs(argv).withStdout(gout).withStderr(gerr).build(), export);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            int code = new TestMode("slow.wasm", TestMode.tests(module),
                    TestMode.Options.parse(List.of("slow", "--test-threads", threads)), guest,
                    () -> Node.builder().name("weft-test").build(), name -> null, Duration.ofMillis(700), o, o).run();
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTestThatRunsLongIsSaidToOnceAsLibtestSaysIt() throws Exception {
        String parallel = slowRun("2");
        String warning = "test slow::sleeps has been running for over 0.7 seconds\n";
        assertTrue(parallel.contains("test slow::quick ... ok\n" + warning + "test slow::sleeps ... ok\n"), parallel);
        assertEquals(parallel.indexOf("has been running"), parallel.lastIndexOf("has been running"), parallel);
        // libtest warns only when it runs tests in parallel
        String serial = slowRun("1");
        assertTrue(serial.contains("test slow::sleeps ... ok\ntest slow::quick ... ok\n"), serial);
        assertFalse(serial.contains("has been running"), serial);
    }
}
