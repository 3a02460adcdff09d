package dev.weft.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Lunatic's test mode of {@code weft run}, on {@code src/test/resources/cli/lunatic_tests.wat}: a
 * module whose exports are named as lunatic-rs's {@code #[lunatic::test]} names them.
 */
class WeftTestModeTest {

    private static final String TESTS = Path.of("src", "test", "resources", "cli", "lunatic_tests.wasm").toString();

    private record Result(int code, String out, String err) {
        List<String> lines() {
            return List.of(out.split("\n", -1));
        }
    }

    /** weft with these arguments, and none of this JVM's environment variables (RUST_TEST_THREADS). */
    private static Result weft(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = WeftCli.run(args, o, e, new ByteArrayInputStream(new byte[0]), name -> null);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result test(String... runnerArgs) {
        String[] args = new String[runnerArgs.length + 2];
        args[0] = "run";
        args[1] = TESTS;
        System.arraycopy(runnerArgs, 0, args, 2, runnerArgs.length);
        return weft(args);
    }

    /** The summary line without its time. */
    private static String summary(Result r) {
        return r.lines().stream().filter(l -> l.startsWith("test result: ")).findFirst().orElseThrow()
                .replaceAll("; finished in \\d+\\.\\d\\ds$", "");
    }

    @Test
    void exportNamesAreParsedAsLunaticRsWritesThem() {
        TestMode.TestFn plain = TestMode.parse("#lunatic_test_tests::adds");
        assertEquals("tests::adds", plain.name());
        assertFalse(plain.ignored());
        assertNull(plain.panic());
        TestMode.TestFn both = TestMode.parse("#lunatic_test_#ignore_#panic_a \\# b#m::f");
        assertEquals("m::f", both.name());
        assertTrue(both.ignored());
        assertEquals("a # b", both.panic());
        assertEquals("", TestMode.parse("#lunatic_test_#panic_#m::g").panic());
    }

    private static final List<String> RESULT_LINES = List.of(
            "test tests::adds ... ok",
            "test tests::fails_on_purpose - should panic ... ok",
            "test tests::slow ... ignored",
            "test tests::broken ... FAILED",
            "test tests::wrong_panic - should panic ... FAILED",
            "test tests::slow_panics ... ignored");

    @Test
    void allTestsOneFailureFailsTheRun() {
        Result r = test("--test-threads", "1");
        List<String> l = r.lines();
        assertEquals(RESULT_LINES, l.subList(2, 8), "one at a time: in their order");
        assertTheSummaryOfTheSixTests(r);
    }

    @Test
    void inParallelTheResultsComeAsTheTestsFinishAndTheSummaryIsTheSame() {
        Result r = test("--test-threads", "6");
        List<String> l = r.lines();
        assertEquals(Set.copyOf(RESULT_LINES), Set.copyOf(l.subList(2, 8)), r.out());
        assertTheSummaryOfTheSixTests(r);
        // without --test-threads: as many as the JVM has processors
        assertTheSummaryOfTheSixTests(test());
    }

    private static void assertTheSummaryOfTheSixTests(Result r) {
        assertEquals(101, r.code(), r.out() + r.err());
        List<String> l = r.lines();
        assertEquals("", l.get(0));
        assertEquals("running 6 tests", l.get(1));
        assertEquals("test result: FAILED. 2 passed; 2 failed; 2 ignored; 0 measured; 0 filtered out", summary(r));
        // the failures with their captured output; passing tests' output stays hidden
        assertTrue(r.out().contains("\nfailures:\n\n---- tests::broken stdout ----\nabout to break\n"
                + "note: the process failed: trap: "), r.out());
        assertTrue(r.out().contains("---- tests::wrong_panic stdout ----\nthread 'main' panicked at src/lib.rs:9:5:\nboom\n"
                + "note: panic did not contain expected string\n"), r.out());
        assertTrue(r.out().contains("expected substring: `\"other # message\"`"), r.out());
        assertTrue(r.out().contains("\nfailures:\n    tests::broken\n    tests::wrong_panic\n"), r.out());
        assertFalse(r.out().contains("adding"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void aFilterThatSelectsOnlyPassingTestsPasses() {
        Result r = test("fails");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(List.of("", "running 1 test", "test tests::fails_on_purpose - should panic ... ok", "",
                "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 5 filtered out"),
                r.lines().subList(0, 5).stream().map(x -> x.replaceAll("; finished in \\d+\\.\\d\\ds$", "")).toList());
        Result adds = test("adds");
        assertEquals(0, adds.code(), adds.out());
        assertTrue(adds.lines().contains("test tests::adds ... ok"), adds.out());
    }

    @Test
    void exactMatchesTheWholeName() {
        Result part = test("adds", "--exact");
        assertEquals(0, part.code(), part.out());
        assertTrue(part.lines().contains("running 0 tests"), part.out());
        assertEquals("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 6 filtered out", summary(part));
        Result whole = test("--exact", "tests::broken");
        assertEquals(101, whole.code(), whole.out());
        assertTrue(whole.lines().contains("test tests::broken ... FAILED"), whole.out());
        assertEquals("test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 5 filtered out", summary(whole));
    }

    @Test
    void ignoredRunsOnlyTheIgnoredTests() {
        Result r = test("--ignored");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.lines().containsAll(List.of("running 2 tests", "test tests::slow ... ok",
                "test tests::slow_panics - should panic ... ok")), r.out());
        assertEquals("test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 4 filtered out", summary(r));
    }

    @Test
    void listPrintsTheTestsAsLibtestDoes() {
        Result r = test("--list");
        assertEquals(0, r.code(), r.err());
        assertEquals("tests::adds: test\ntests::fails_on_purpose: test\ntests::slow: test\ntests::broken: test\n"
                + "tests::wrong_panic: test\ntests::slow_panics: test\n\n6 tests, 0 benchmarks\n", r.out());
        Result terse = test("--list", "--format", "terse", "slow");
        assertEquals("tests::slow: test\ntests::slow_panics: test\n", terse.out());
        Result ignored = test("--list", "--ignored");
        assertEquals("tests::slow: test\ntests::slow_panics: test\n\n2 tests, 0 benchmarks\n", ignored.out());
    }

    @Test
    void nocaptureLetsTheOutputThrough() {
        Result r = test("--nocapture", "tests::adds");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("adding\ntest tests::adds ... ok\n"), r.out());
        // and a panic test still sees its message
        Result p = test("--nocapture", "fails_on_purpose");
        assertEquals(0, p.code(), p.out() + p.err());
        assertTrue(p.err().contains("boom"), p.err());
    }

    @Test
    void anUnknownTestOptionIsABadCommandLine() {
        Result r = test("--bogus");
        assertEquals(WeftCli.USAGE, r.code());
        assertTrue(r.err().startsWith("weft: unknown test option '--bogus'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Result help = test("--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: weft run [OPTIONS] "), help.out());
    }
}
