package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Weft's conformance to Lunatic: lunatic-rs 0.14.1's own test suite (17 test binaries, 121
 * {@code #[lunatic::test]} tests) and its examples, programs written for Lunatic and built
 * unmodified, run on the real {@code ./weft} launcher as {@code cargo test} would with
 * {@code runner = "weft run --dir ."}: from the lunatic-rs source folder (some open files
 * relative to it). Every test must pass and every example (servers aside) must exit 0 and print
 * what its source says it prints, except the {@link #EXPECTED_FAILURES}, which must still fail:
 * one that passes fails this test, to be taken off the list.
 *
 * <p>Needs the workspace's lunatic-rs ({@link LunaticRs}: built with its build.sh into
 * {@code target/lunatic-rs} when not built yet); skipped, saying why, without it. Runs up to
 * {@code -Dweft.lunaticrs.parallel} (default 2) binaries at a time; logs in
 * {@code target/lunatic-rs/conformance-logs}.
 */
class LunaticRsConformanceTest {

    /**
     * What of lunatic-rs's suite fails on Weft today, and why: the one list to shrink as Weft
     * catches up. A key is a test binary (all its tests), one test ({@code binary::test}, as
     * libtest names it) or an example ({@code example NAME}).
     */
    static final Map<String, String> EXPECTED_FAILURES = reasonsByKey(
            "udp", "networking: lunatic::networking (UDP, TCP, TLS, DNS) is not implemented yet",
            "serializers", "networking: each test serializes a TCP stream resource (lunatic::networking::resolve)",
            "supervisor::two_failing_process_one_for_all", "speed: the test sleeps 10 ms and expects a sibling shut"
                    + " down and two children restarted, each step a request to a logger process; on Weft that chain"
                    + " takes about 25 ms for this 28 MB debug build (spawn, instantiation, cold JIT), not 10",
            "supervisor::four_failing_process_rest_for_all", "speed: as two_failing_process_one_for_all, with three"
                    + " restarts one after the other in the same 10 ms",
            "example resolve", "networking: lunatic::networking::resolve is not implemented yet",
            "example tls_client", "networking: lunatic::networking::tls_connect is not implemented yet");

    /**
     * Tests that pass on a quiet machine but give a process only milliseconds, so that a loaded one
     * (the rest of the build beside them) may fail them even run alone: a failure is printed, not
     * counted against Weft. Not a place for tests that fail everywhere (those are
     * {@link #EXPECTED_FAILURES}).
     */
    static final Map<String, String> TIMING_SENSITIVE = reasonsByKey(
            "supervisor::two_failing_process_one_for_one", "sleeps 10 ms for a supervisor to restart a child"
                    + " whose init is a request to a logger process: Weft makes it on a quiet machine, not always on a"
                    + " loaded one (it passed alone in one full build and failed alone in the next)",
            "supervisor::one_failing_process", "sleeps 10 ms for a supervisor to restart a child, then makes"
                    + " requests without a timeout to the child it then lists: if the restart is not done, that is"
                    + " the dead one, and the test waits for ever (seen on a loaded machine)",
            "supervisor::lookup_children", "the same with a registered child: 10 ms after its panic it looks the"
                    + " name up and makes a request without a timeout (hung once on a loaded machine)");

    /** Examples left out: servers, which wait for a client. */
    private static final List<String> SERVERS = List.of("tcp_echo_server", "tcp_echo_multi_server", "tls_echo_server");

    /**
     * What each example prints, from its source (lunatic-rs-0.14.1/examples): a pattern per line
     * of stdout, in order unless the example's processes print concurrently; and a pattern per
     * 'weft: ' report on stderr (a process that failed). Every example must exit 0 and print no
     * "panicked". An example missing here fails the test: write what it prints.
     */
    private static final Map<String, Expected> EXAMPLES = Map.ofEntries(
            Map.entry("abstract_process", Expected.silent()),        // asserts only; main ends the counter's run
            Map.entry("configs", new Expected(false,
                    List.of("Process \\d+ trying to allocate 2MB", "Process \\d+ going into infinite loop"),
                    // the 2 MB vector exceeds max_memory (1.5 MB): the process traps in abort
                    List.of("weft: process \\d+ \\(.*\\) failed: trap: .*"),
                    // the loop exceeds max_fuel (100,000 instructions) if it gets them before main's
                    // 200 ms end the run: nearly always, but a loaded machine may not give it the time
                    List.of("weft: process \\d+ \\(.*\\) failed: out of fuel \\(max_fuel 1: 100000 instructions\\)"))),
            // a node alone knows no nodes (as under lunatic run), so nothing is spawned on one
            Map.entry("distributed", Expected.lines("Nodes \\[\\]")),
            Map.entry("metrics", Expected.silent()),                 // 6000 samples, 10 ms apart: a minute
            Map.entry("monitor", Expected.lines("Hello", "Process \\d+ died")),
            // its arguments (the module alone) and environment (none is granted)
            Map.entry("print_env", Expected.lines("\\[\".*print_env\\.wasm\"\\]")),
            Map.entry("process_local", Expected.silent()),
            Map.entry("process_name", Expected.lines("Received message!")),
            Map.entry("request_response", Expected.silent()),
            Map.entry("resolve", Expected.lines("wikipedia.org resolves to .+")),
            Map.entry("spawn_macro", new Expected(false,
                    List.of("Hello! I'm a string\\.", "Hello non-capturing closure!"), List.of())),
            Map.entry("spawn_task", Expected.lines("Hello world from a process!", "Hello world from a 2nd process!")),
            Map.entry("supervised_abstract_process", Expected.silent()),
            Map.entry("tls_client", Expected.lines("Got response from rust-lang.org .+")));

    private static final long TEST_BINARY_TIMEOUT_S = 300;
    /** An expected failure may hang (request_reply does, for minutes): it gets less time. */
    private static final long EXPECTED_FAILURE_TIMEOUT_S = 30;
    private static final long EXAMPLE_TIMEOUT_S = 180;
    private static final Path LOGS = LunaticRs.OUT.resolve("conformance-logs");

    /** {@code mayReport}: reports that may or may not come (a race the example's own timing sets up). */
    record Expected(boolean ordered, List<String> stdout, List<String> reports, List<String> mayReport) {
        Expected(boolean ordered, List<String> stdout, List<String> reports) {
            this(ordered, stdout, reports, List.of());
        }

        static Expected silent() {
            return new Expected(true, List.of(), List.of());
        }

        static Expected lines(String... stdout) {
            return new Expected(true, List.of(stdout), List.of());
        }
    }

    private static Map<String, String> reasonsByKey(String... keysAndReasons) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndReasons.length; i += 2) {
            m.put(keysAndReasons[i], keysAndReasons[i + 1]);
        }
        return m;
    }

    /** One run of the launcher: what it ran, and how it ended. */
    private record Job(String label, List<String> args, long timeoutSeconds, Future<WeftLauncher.Run> run) {
        WeftLauncher.Run result() throws Exception {
            return run.get();
        }
    }

    /** A libtest line: test NAME[ - should panic] ... ok|FAILED|ignored. */
    private static final Pattern TEST_LINE = Pattern.compile("^test (\\S+)(?: - should panic)? \\.\\.\\. (ok|FAILED|ignored)$",
            Pattern.MULTILINE);

    @TestFactory
    @Timeout(3600)
    Stream<DynamicNode> lunaticRsSuiteOnWeft() throws Exception {
        Optional<String> absent = LunaticRs.absent();
        absent.ifPresent(why -> System.out.println("LunaticRsConformanceTest skipped: " + why));
        assumeTrue(absent.isEmpty(), absent.orElse(""));
        WeftLauncher.assumeBuilt();
        LunaticRs.ensureBuilt();

        Map<String, Integer> exported = exportedTests();
        List<String> binaries = names(LunaticRs.OUT.resolve("tests"));
        List<String> examples = names(LunaticRs.OUT.resolve("examples")).stream().filter(e -> !SERVERS.contains(e)).toList();
        int parallel = Integer.getInteger("weft.lunaticrs.parallel", 2);
        long start = System.nanoTime();

        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        Map<String, List<Job>> binaryJobs = new LinkedHashMap<>();
        Map<String, Job> exampleJobs = new LinkedHashMap<>();
        try {
            // the longest first: metrics takes a minute by design
            for (String e : examples.stream().sorted((a, b) -> Boolean.compare(!a.equals("metrics"), !b.equals("metrics"))).toList()) {
                exampleJobs.put(e, submit(pool, "example-" + e,
                        List.of("run", "--dir", ".", LunaticRs.OUT.resolve("examples/" + e + ".wasm").toString()),
                        EXAMPLE_TIMEOUT_S));
            }
            for (String b : binaries) {
                String wasm = LunaticRs.OUT.resolve("tests/" + b + ".wasm").toString();
                List<Job> jobs = new ArrayList<>();
                if (EXPECTED_FAILURES.containsKey(b)) {
                    jobs.add(submit(pool, "test-" + b, List.of("run", "--dir", ".", wasm), EXPECTED_FAILURE_TIMEOUT_S));
                } else {
                    List<String> args = new ArrayList<>(List.of("run", "--dir", ".", wasm));
                    List<String> apart = new ArrayList<>(expectedFailingTests(b));
                    apart.addAll(timingSensitiveTests(b));
                    for (String t : apart) {
                        args.addAll(List.of("--skip", t));
                    }
                    if (!apart.isEmpty()) {
                        args.add("--exact");
                    }
                    jobs.add(submit(pool, "test-" + b, args, TEST_BINARY_TIMEOUT_S));
                    for (String t : apart) {
                        jobs.add(submit(pool, "test-" + t.replace("::", "-"),
                                List.of("run", "--dir", ".", wasm, t, "--exact"), EXPECTED_FAILURE_TIMEOUT_S));
                    }
                }
                binaryJobs.put(b, jobs);
            }

            for (List<Job> jobs : binaryJobs.values()) {
                for (Job j : jobs) {
                    j.result();
                }
            }
            for (Job j : exampleJobs.values()) {
                j.result();
            }
            // everything ran; what failed now gets one more run, alone (retries)
            List<DynamicNode> nodes = new ArrayList<>();
            Tally tally = new Tally();
            for (Map.Entry<String, List<Job>> e : binaryJobs.entrySet()) {
                nodes.add(testBinary(e.getKey(), e.getValue(), exported.get(e.getKey()), tally));
            }
            List<DynamicTest> exampleTests = new ArrayList<>();
            for (String e : examples) {
                exampleTests.add(example(e, exampleJobs.get(e), tally));
            }
            nodes.add(DynamicContainer.dynamicContainer("examples (servers left out)", exampleTests));
            tally.print(exported.values().stream().mapToInt(Integer::intValue).sum(), (System.nanoTime() - start) / 1e9,
                    parallel);
            return nodes.stream();
        } finally {
            pool.shutdownNow();
        }
    }

    private static Job submit(ExecutorService pool, String label, List<String> args, long timeoutSeconds) {
        return new Job(label, args, timeoutSeconds,
                pool.submit(() -> WeftLauncher.run(LunaticRs.SOURCE, args, timeoutSeconds, LOGS, label)));
    }

    private static List<String> expectedFailingTests(String binary) {
        return EXPECTED_FAILURES.keySet().stream().filter(k -> k.startsWith(binary + "::")).toList();
    }

    private static List<String> timingSensitiveTests(String binary) {
        return TIMING_SENSITIVE.keySet().stream().filter(k -> k.startsWith(binary + "::")).toList();
    }

    /** The tests of one binary: its run, the tests it reported, and its expected failures. */
    private static DynamicContainer testBinary(String binary, List<Job> jobs, Integer exports, Tally tally) throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        Job main = jobs.get(0);
        WeftLauncher.Run run = main.result();
        Map<String, String> outcomes = outcomes(run.out());
        int ok = count(outcomes, "ok");
        int failed = count(outcomes, "FAILED");
        int ignored = count(outcomes, "ignored");
        String log = "log: " + LunaticRs.OUT.relativize(LOGS.resolve(main.label() + ".out"));
        String reason = EXPECTED_FAILURES.get(binary);
        if (reason != null) {
            tally.binary(binary, ok, 0, ignored, failed + missing(exports, outcomes.size()), run, true);
            tests.add(DynamicTest.dynamicTest(binary + " (expected to fail: " + reason + ")", () -> {
                boolean passes = run.exit() == 0 && exports != null && ok + ignored == exports;
                if (passes) {
                    fail(binary + " passes now: take \"" + binary + "\" off LunaticRsConformanceTest.EXPECTED_FAILURES");
                }
            }));
            return DynamicContainer.dynamicContainer(binary, tests);
        }
        List<String> xfails = expectedFailingTests(binary);
        int expectedFailed = 0;
        for (int i = 0; i < xfails.size(); i++) {
            String t = xfails.get(i);
            WeftLauncher.Run x = jobs.get(i + 1).result();
            String outcome = outcomes(x.out()).get(t);
            boolean stillFails = !"ok".equals(outcome);
            expectedFailed += stillFails ? 1 : 0;
            String how = x.timedOut() ? "killed after " + jobs.get(i + 1).timeoutSeconds() + " s" : String.valueOf(outcome);
            tests.add(DynamicTest.dynamicTest(t + " (expected to fail: " + EXPECTED_FAILURES.get(t) + "; here: " + how + ")", () -> {
                if (!stillFails) {
                    fail(t + " passes now: take \"" + t + "\" off LunaticRsConformanceTest.EXPECTED_FAILURES");
                }
            }));
        }
        // timing-sensitive tests ran apart, with less time (they may hang: a request to a child not yet restarted)
        List<String> sensitive = timingSensitiveTests(binary);
        int sensitiveOk = 0;
        for (int i = 0; i < sensitive.size(); i++) {
            String t = sensitive.get(i);
            Job j = jobs.get(1 + xfails.size() + i);
            WeftLauncher.Run x = j.result();
            String outcome = x.timedOut() ? "killed after " + j.timeoutSeconds() + " s" : String.valueOf(outcomes(x.out()).get(t));
            boolean passedHere = "ok".equals(outcome);
            sensitiveOk += passedHere ? 1 : 0;
            if (!passedHere) {
                System.out.println("timing-sensitive test failed on this machine, allowed: " + t + " (" + outcome + ")");
            }
            tests.add(DynamicTest.dynamicTest(t + " (timing-sensitive: " + TIMING_SENSITIVE.get(t) + "; here: " + outcome + ")",
                    () -> { }));
        }
        int reported = outcomes.size() + xfails.size() + sensitive.size();
        // A test that failed beside others gets one more run, alone: several of lunatic-rs's tests
        // give a process a few milliseconds to do something, which a loaded machine may not give it.
        List<String> passedOnRetry = new ArrayList<>();
        for (Map.Entry<String, String> o : outcomes.entrySet()) {
            if (o.getValue().equals("FAILED")) {
                WeftLauncher.Run again = WeftLauncher.run(LunaticRs.SOURCE,
                        List.of("run", "--dir", ".", LunaticRs.OUT.resolve("tests/" + binary + ".wasm").toString(),
                                o.getKey(), "--exact"),
                        TEST_BINARY_TIMEOUT_S, LOGS, "retry-" + o.getKey().replace("::", "-"));
                if ("ok".equals(outcomes(again.out()).get(o.getKey()))) {
                    passedOnRetry.add(o.getKey());
                }
            }
        }
        tally.binary(binary, ok + passedOnRetry.size() + sensitiveOk,
                failed - passedOnRetry.size() + sensitive.size() - sensitiveOk + missing(exports, reported),
                ignored, expectedFailed, run, false);
        tally.retried(passedOnRetry);
        for (Map.Entry<String, String> o : outcomes.entrySet()) {
            String name = o.getKey();
            String outcome = o.getValue();
            String label = passedOnRetry.contains(name) ? name + " (failed beside others, passed alone)" : name;
            tests.add(DynamicTest.dynamicTest(label, () -> assertTrue(
                    outcome.equals("ok") || outcome.equals("ignored") || passedOnRetry.contains(name),
                    name + " " + outcome + " (and again alone):\n" + failureOf(run.out(), name) + "\n(" + log + ")")));
        }
        int failedForGood = failed - passedOnRetry.size();
        tests.add(DynamicTest.dynamicTest(binary + ": every test exported ran, and the binary exits 0", () -> {
            assertTrue(!run.timedOut(), binary + " ran past " + main.timeoutSeconds() + " s (" + log + ")");
            assertEquals(exports, reported, binary + ": tests reported (+ expected failures run apart) vs the"
                    + " #lunatic_test_ exports in BUILD-INFO.txt: " + run.describe());
            if (failedForGood == 0 && failed > 0) {
                assertEquals(101, run.exit(), binary + ": a failed test's exit code: " + run.describe());
            } else {
                assertEquals(0, run.exit(), binary + ": " + run.describe());
            }
        }));
        return DynamicContainer.dynamicContainer(binary, tests);
    }

    private static int missing(Integer exports, int reported) {
        return exports == null ? 0 : Math.max(0, exports - reported);
    }

    /** An example: it exits 0 and prints what its source says; or it is expected to fail, and does. */
    private static DynamicTest example(String name, Job job, Tally tally) throws Exception {
        WeftLauncher.Run first = job.result();
        Expected expected = EXAMPLES.get(name);
        WeftLauncher.Run run = first;
        String mismatch = expected == null
                ? "no expected output for " + name + " in LunaticRsConformanceTest.EXAMPLES: write what its source prints"
                : mismatch(expected, run);
        String reason = EXPECTED_FAILURES.get("example " + name);
        if (mismatch != null && reason == null && expected != null) {
            // one more run, alone: some examples give their processes a few milliseconds
            WeftLauncher.Run again = WeftLauncher.run(LunaticRs.SOURCE, job.args(), job.timeoutSeconds(), LOGS,
                    "retry-example-" + name);
            if (mismatch(expected, again) == null) {
                tally.retried(List.of("example " + name));
                run = again;
                mismatch = null;
            }
        }
        tally.example(name, mismatch, reason != null, run);
        String wrong = mismatch;
        WeftLauncher.Run shown = run;
        if (reason != null) {
            return DynamicTest.dynamicTest("example " + name + " (expected to fail: " + reason + ")", () -> {
                if (wrong == null) {
                    fail("example " + name + " passes now: take \"example " + name
                            + "\" off LunaticRsConformanceTest.EXPECTED_FAILURES");
                }
            });
        }
        return DynamicTest.dynamicTest("example " + name, () -> {
            if (wrong != null) {
                fail("example " + name + ": " + wrong + " (and again alone)\n" + shown.describe());
            }
        });
    }

    /** What is wrong with an example's run, or null. */
    private static String mismatch(Expected expected, WeftLauncher.Run run) {
        if (run.timedOut()) {
            return "ran past " + EXAMPLE_TIMEOUT_S + " s";
        }
        if (run.exit() != 0) {
            return "exit " + run.exit();
        }
        if ((run.out() + run.err()).contains("panicked")) {
            return "a panic";
        }
        String lines = matchLines(expected.stdout(), run.lines(), expected.ordered());
        if (lines != null) {
            return "stdout: " + lines;
        }
        List<String> reports = run.err().lines().filter(l -> l.startsWith("weft: "))
                .filter(l -> expected.mayReport().stream().noneMatch(l::matches)).toList();
        String r = matchLines(expected.reports(), reports, false);
        return r == null ? null : "weft's reports on stderr: " + r;
    }

    /** Do the lines match the patterns one for one (in order, or in any order)? null if so, else why not. */
    private static String matchLines(List<String> patterns, List<String> lines, boolean ordered) {
        if (patterns.size() != lines.size()) {
            return lines.size() + " lines, expected " + patterns.size() + " " + patterns;
        }
        List<String> left = new ArrayList<>(lines);
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            if (ordered) {
                if (!lines.get(i).matches(p)) {
                    return "line " + (i + 1) + " '" + lines.get(i) + "' is not /" + p + "/";
                }
                continue;
            }
            int match = -1;
            for (int j = 0; j < left.size() && match < 0; j++) {
                match = left.get(j).matches(p) ? j : -1;
            }
            if (match < 0) {
                return "no line is /" + p + "/ (lines: " + lines + ")";
            }
            left.remove(match);
        }
        return null;
    }

    /** Each test's outcome, as libtest printed it, in order. */
    private static Map<String, String> outcomes(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher matcher = TEST_LINE.matcher(out);
        while (matcher.find()) {
            m.put(matcher.group(1), matcher.group(2));
        }
        return m;
    }

    private static int count(Map<String, String> outcomes, String outcome) {
        return (int) outcomes.values().stream().filter(outcome::equals).count();
    }

    /** libtest's "---- NAME stdout ----" section of a failed test. */
    private static String failureOf(String out, String name) {
        int at = out.indexOf("---- " + name + " stdout ----");
        if (at < 0) {
            return "(no output)";
        }
        int end = out.indexOf("\n\n", at);
        return out.substring(at, end < 0 ? out.length() : end);
    }

    /** The #lunatic_test_ exports per test binary, from build.sh's BUILD-INFO.txt ("N\tNAME.wasm"). */
    private static Map<String, Integer> exportedTests() throws IOException {
        Map<String, Integer> m = new LinkedHashMap<>();
        Matcher matcher = Pattern.compile("(?m)^(\\d+)\\t(\\S+)\\.wasm$")
                .matcher(Files.readString(LunaticRs.OUT.resolve("BUILD-INFO.txt")));
        while (matcher.find()) {
            m.put(matcher.group(2), Integer.parseInt(matcher.group(1)));
        }
        return m;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wasm"))
                    .map(n -> n.substring(0, n.length() - ".wasm".length())).sorted().toList();
        }
    }

    /** run-suite.sh's tally: a line per binary and per example, and the totals. */
    private static final class Tally {
        private final StringBuilder lines = new StringBuilder();
        private int passed;
        private int failed;
        private int ignored;
        private int expected;
        private int examplesOk;
        private int examplesFailed;
        private int examplesExpected;

        void binary(String name, int ok, int failedHere, int ignoredHere, int expectedHere, WeftLauncher.Run run,
                boolean wholeBinaryExpected) {
            passed += ok;
            failed += failedHere;
            ignored += ignoredHere;
            expected += expectedHere;
            lines.append(String.format(Locale.ROOT, "%-28s %3d ok %3d failed %3d ignored %3d expected to fail  %s  %5.1f s%s%n",
                    name, ok, failedHere, ignoredHere, expectedHere,
                    run.timedOut() ? "killed " : "exit " + run.exit(), run.seconds(),
                    wholeBinaryExpected ? "  (the whole binary is expected to fail)" : ""));
        }

        void example(String name, String mismatch, boolean expectedToFail, WeftLauncher.Run run) {
            String what;
            if (mismatch == null) {
                examplesOk++;
                what = expectedToFail ? "ok (expected to fail!)" : "ok";
            } else if (expectedToFail) {
                examplesExpected++;
                what = "expected to fail: " + mismatch;
            } else {
                examplesFailed++;
                what = "FAILED: " + mismatch;
            }
            lines.append(String.format(Locale.ROOT, "example %-28s %5.1f s  %s%n", name, run.seconds(), what));
        }

        private final List<String> retried = new ArrayList<>();

        void retried(List<String> names) {
            retried.addAll(names);
        }

        void print(int exported, double seconds, int parallel) {
            System.out.print("lunatic-rs 0.14.1 on weft (" + LunaticRs.SOURCE + "):\n" + lines);
            if (!retried.isEmpty()) {
                System.out.println("failed beside others, passed alone (counted as passed): " + String.join(", ", retried));
            }
            System.out.printf(Locale.ROOT, "tests: %d passed, %d failed, %d expected to fail, %d ignored (of %d exported)%n",
                    passed, failed, expected, ignored, exported);
            System.out.printf(Locale.ROOT, "examples (servers left out): %d passed, %d failed, %d expected to fail%n",
                    examplesOk, examplesFailed, examplesExpected);
            System.out.printf(Locale.ROOT, "in %.0f s, %d at a time (logs: %s)%n", seconds, parallel, LOGS);
        }
    }
}
