package dev.weft.node.cli;

import dev.weft.node.Node;
import dev.weft.node.cli.TestRunner.Outcome;
import dev.weft.node.cli.TestRunner.Status;
import dev.weft.process.ProcessBody;
import dev.weft.process.wasm.WasmModule;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Lunatic's test mode of {@code weft run}: a module that exports functions named
 * {@code #lunatic_test_...} (what lunatic-rs's {@code #[lunatic::test]} generates) is a test binary,
 * and each such export is a test, run as the root process of a node of its own, with libtest-style
 * output, so that {@code cargo test} with {@code runner = "weft run"} works. As with libtest, up to
 * {@code --test-threads} tests (or {@code RUST_TEST_THREADS}, or the number of CPUs) run at once
 * ({@link TestRunner}).
 *
 * <p>The export name is {@code #lunatic_test_} [{@code #ignore_}] [{@code #panic_}<i>expected</i>{@code #}]
 * <i>name</i>, where <i>expected</i> has every {@code #} escaped as {@code \#} and <i>name</i> is the
 * test's module path and function name ({@code tests::adds}), which is the name shown and filtered on.
 * A {@code #panic_} test passes only if its process fails and the failure (its captured output or
 * its exit reason) contains <i>expected</i>; an empty <i>expected</i> accepts any failure.
 *
 * <p>As in Lunatic, {@code _start} is not called: each test export is the entry of its process.
 */
final class TestMode {

    static final String PREFIX = "#lunatic_test_";
    static final String IGNORE = "#ignore_";
    static final String PANIC = "#panic_";

    static final String SYNOPSIS = "[FILTER]... [--exact] [--ignored] [--include-ignored] [--skip FILTER]"
            + " [--nocapture] [--show-output] [--test-threads N] [--list] [--format pretty|terse]";

    /** Builds the body of a process running {@code export} with this WASI stdio and arguments. */
    @FunctionalInterface
    interface Guest {
        ProcessBody body(Node node, String export, List<String> argv, PrintStream stdout, PrintStream stderr);
    }

    /** One test export. {@code panic} is null unless the test must fail. */
    record TestFn(String export, String name, boolean ignored, String panic) {}

    /** A bad test-mode command line. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** Is this module a test binary: does it export a function named {@code #lunatic_test_...}? */
    static boolean isTestModule(WasmModule module) {
        return module.exportedFunctions().stream().anyMatch(n -> n.startsWith(PREFIX));
    }

    /** The tests of a module, in export order. */
    static List<TestFn> tests(WasmModule module) {
        List<TestFn> tests = new ArrayList<>();
        for (String export : module.exportedFunctions()) {
            if (export.startsWith(PREFIX)) {
                tests.add(parse(export));
            }
        }
        return tests;
    }

    /** Splits an export name into the test's flags and displayed name. */
    static TestFn parse(String export) {
        String rest = export.substring(PREFIX.length());
        boolean ignored = false;
        if (rest.startsWith(IGNORE)) {
            ignored = true;
            rest = rest.substring(IGNORE.length());
        }
        String panic = null;
        if (rest.startsWith(PANIC)) {
            String s = rest.substring(PANIC.length());
            // the expected message runs to the first '#' that is not escaped as '\#'
            int end = -1;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '#' && (i == 0 || s.charAt(i - 1) != '\\')) {
                    end = i;
                    break;
                }
            }
            if (end >= 0) {
                panic = s.substring(0, end).replace("\\#", "#");
                rest = s.substring(end + 1);
            }
        }
        return new TestFn(export, rest, ignored, panic);
    }

    // ------------------------------------------------------------------ options

    /**
     * The libtest options that {@code cargo test -- ...} passes, as far as Weft supports them: a
     * picocli command object, parsed as libtest's getopts parses them ({@code --name value} or
     * {@code --name=value}, a value may start with {@code -}, an option may repeat, the last
     * {@code --format} or {@code -q} wins, {@code --} ends the options).
     */
    static final class Options {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "FILTER")
        List<String> filters = new ArrayList<>();
        @Option(names = "--skip", paramLabel = "FILTER")
        List<String> skips = new ArrayList<>();
        @Option(names = "--exact")
        boolean exact;
        @Option(names = "--ignored")
        boolean ignored;
        @Option(names = "--include-ignored")
        boolean includeIgnored;
        @Option(names = {"--nocapture", "--no-capture"})
        boolean nocapture;
        @Option(names = "--show-output")
        boolean showOutput;
        @Option(names = "--list")
        boolean list;
        @Option(names = {"-h", "--help"})
        boolean help;
        /** Accepted, no effect. */
        @Option(names = "--color", paramLabel = "WHEN")
        String color;
        /** Accepted, no effect ({@code -Z unstable-options}). */
        @Option(names = "-Z", paramLabel = "FLAG")
        String unstable;
        boolean terse;

        /** Like {@code --format terse}; a setter, so that the later of the two wins. */
        @Option(names = {"-q", "--quiet"})
        void quiet(boolean on) {
            terse = on;
        }

        @Option(names = "--format", paramLabel = "pretty|terse")
        void format(String value) {
            terse = switch (value) {
                case "terse" -> true;
                case "pretty" -> false;
                default -> throw new ParameterException(spec.commandLine(),
                        "--format must be pretty or terse in test mode, got '" + value + "'");
            };
        }

        /** {@code --test-threads}; null if not given. */
        Integer testThreads;

        /** How many tests run at once, at most; the last one given wins. */
        @Option(names = "--test-threads", paramLabel = "N")
        void testThreads(String value) {
            testThreads = positive(value);
            if (testThreads == null) {
                throw new ParameterException(spec.commandLine(),
                        "--test-threads needs a positive number, got '" + value + "'");
            }
        }

        /**
         * How many tests run at once, as libtest decides: {@code --test-threads}, else the
         * {@code RUST_TEST_THREADS} environment variable, else the number of CPUs.
         *
         * @throws UsageException if {@code RUST_TEST_THREADS} is not a positive number
         */
        int threads(Function<String, String> getenv) throws UsageException {
            if (testThreads != null) {
                return testThreads;
            }
            String value = getenv.apply("RUST_TEST_THREADS");
            if (value == null) {
                return Runtime.getRuntime().availableProcessors();
            }
            Integer threads = positive(value);
            if (threads == null) { // libtest's words
                throw new UsageException("RUST_TEST_THREADS is `" + value + "`, should be a positive integer");
            }
            return threads;
        }

        /** A positive decimal number as Rust reads one ({@code +} allowed, ASCII digits), or null. */
        private static Integer positive(String value) {
            if (!value.matches("\\+?[0-9]+")) {
                return null;
            }
            try {
                int n = Integer.parseInt(value);
                return n > 0 ? n : null;
            } catch (NumberFormatException e) { // too big
                return null;
            }
        }

        static Options parse(List<String> args) throws UsageException {
            Options o = new Options();
            CommandLine cmd = new CommandLine(o)
                    .setOverwrittenOptionsAllowed(true) // --exact --exact, --format twice: the last wins
                    .setAllowOptionsAsOptionParameters(true); // --skip --exact skips tests named --exact
            try {
                cmd.parseArgs(args.toArray(String[]::new));
            } catch (UnmatchedArgumentException e) {
                throw new UsageException("unknown test option '" + e.getUnmatched().get(0)
                        + "' (test mode takes " + SYNOPSIS + ")");
            } catch (MissingParameterException e) {
                throw new UsageException(((OptionSpec) e.getMissing().get(0)).longestName() + " needs a value");
            } catch (ParameterException e) {
                throw new UsageException(e.getMessage());
            }
            return o;
        }

        private boolean matches(String name, String pattern) {
            return exact ? name.equals(pattern) : name.contains(pattern);
        }

        /** Does the command line select this test (before --ignored)? */
        boolean selects(TestFn t) {
            if (!filters.isEmpty() && filters.stream().noneMatch(f -> matches(t.name(), f))) {
                return false;
            }
            if (skips.stream().anyMatch(s -> matches(t.name(), s))) {
                return false;
            }
            return !ignored || t.ignored();
        }

        /** Is this selected test run, or reported as ignored? */
        boolean runs(TestFn t) {
            return !t.ignored() || ignored || includeIgnored;
        }
    }

    // ------------------------------------------------------------------ running

    private final String app;
    private final List<TestFn> tests;
    private final Options options;
    private final Guest guest;
    private final Supplier<Node> nodes;
    private final Function<String, String> getenv;
    private final Duration warnAfter;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * The run of {@code tests} as {@code options} say, each test's process made by {@code guest} on
     * a node of {@code nodes}; {@code getenv} gives {@code RUST_TEST_THREADS}.
     */
    TestMode(String app, List<TestFn> tests, Options options, Guest guest, Supplier<Node> nodes,
            Function<String, String> getenv, PrintStream out, PrintStream err) {
        this(app, tests, options, guest, nodes, getenv, TestRunner.WARN_AFTER, out, err);
    }

    /** As above, warning about a test that runs longer than {@code warnAfter} instead of 60 s. */
    TestMode(String app, List<TestFn> tests, Options options, Guest guest, Supplier<Node> nodes,
            Function<String, String> getenv, Duration warnAfter, PrintStream out, PrintStream err) {
        this.app = app;
        this.tests = tests;
        this.options = options;
        this.guest = guest;
        this.nodes = nodes;
        this.getenv = getenv;
        this.warnAfter = warnAfter;
        this.out = out;
        this.err = err;
    }

    /**
     * Lists or runs the tests; returns the exit code: 0, or 101 if a test failed, or 2 (after a line
     * on the error stream) if {@code RUST_TEST_THREADS} is not a positive number.
     */
    int run() {
        long start = System.nanoTime();
        if (options.help) {
            out.println("Usage: weft run [OPTIONS] " + app + " " + SYNOPSIS);
            out.println();
            out.println(app + " is a Lunatic test binary: each export named #lunatic_test_... is a test, run as"
                    + " its own root process. FILTER selects the tests whose name contains it (equals it with"
                    + " --exact); --ignored runs only the ignored tests, --include-ignored all; --nocapture lets"
                    + " their output through; --list lists them. Up to N tests run at once: --test-threads N, else"
                    + " the RUST_TEST_THREADS environment variable, else the number of CPUs. The exit code is 101 if"
                    + " a test fails.");
            out.flush();
            return WeftCli.OK;
        }
        List<TestFn> selected = tests.stream().filter(options::selects).toList();
        int filteredOut = tests.size() - selected.size();
        if (options.list) {
            for (TestFn t : selected) {
                out.println(t.name() + ": test");
            }
            if (!options.terse) {
                out.println();
                out.println(plural(selected.size(), "test") + ", 0 benchmarks");
            }
            out.flush();
            return 0;
        }
        int threads;
        try {
            threads = options.threads(getenv);
        } catch (UsageException e) {
            err.println("weft: " + e.getMessage());
            err.flush();
            return WeftCli.USAGE;
        }
        out.println();
        out.println("running " + plural(selected.size(), "test"));
        out.flush();
        List<Outcome> outcomes = new TestRunner(app, guest, nodes, options.nocapture, threads, warnAfter, out, err)
                .run(selected, options::runs);
        List<Outcome> passed = outcomes.stream().filter(o -> o.status() == Status.OK).toList();
        List<Outcome> failed = outcomes.stream().filter(o -> o.status() == Status.FAILED).toList();
        long ignored = outcomes.stream().filter(o -> o.status() == Status.IGNORED).count();
        // libtest prints these outputs in the order the tests finished; here, in the tests' order
        if (options.showOutput && !passed.isEmpty()) {
            section("successes", passed);
        }
        if (!failed.isEmpty()) {
            section("failures", failed);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.println();
        out.println(String.format(Locale.ROOT,
                "test result: %s. %d passed; %d failed; %d ignored; 0 measured; %d filtered out; finished in %.2fs",
                failed.isEmpty() ? "ok" : "FAILED", passed.size(), failed.size(), ignored, filteredOut, seconds));
        out.println();
        out.flush();
        return failed.isEmpty() ? WeftCli.OK : WeftCli.TRAP;
    }

    /** The outputs of these tests (those that have one), then their names. */
    private void section(String heading, List<Outcome> outcomes) {
        out.println();
        out.println(heading + ":");
        for (Outcome o : outcomes) {
            if (!o.output().isEmpty()) {
                out.println();
                out.println("---- " + o.test().name() + " stdout ----");
                out.print(TestRunner.withNewline(o.output()));
            }
        }
        out.println();
        out.println(heading + ":");
        for (Outcome o : outcomes) {
            out.println("    " + o.test().name());
        }
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
