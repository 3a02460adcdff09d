package dev.weft.node.cli;

import dev.weft.node.Node;
import dev.weft.process.ExitReason;
import dev.weft.process.ProcessBody;
import dev.weft.process.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * and each such export is a test, run as its own root process, with libtest-style output, so that
 * {@code cargo test} with {@code runner = "weft run"} works.
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
            + " [--nocapture] [--show-output] [--list] [--format pretty|terse]";

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

        /** Accepted if positive; Weft runs the tests one after the other. */
        @Option(names = "--test-threads", paramLabel = "N")
        void testThreads(String value) {
            int threads;
            try {
                threads = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                threads = 0;
            }
            if (threads < 1) {
                throw new ParameterException(spec.commandLine(),
                        "--test-threads needs a positive number, got '" + value + "'");
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
    private final java.util.function.Supplier<Node> nodes;
    private final PrintStream out;
    private final PrintStream err;

    TestMode(String app, List<TestFn> tests, Options options, Guest guest, java.util.function.Supplier<Node> nodes,
            PrintStream out, PrintStream err) {
        this.app = app;
        this.tests = tests;
        this.options = options;
        this.guest = guest;
        this.nodes = nodes;
        this.out = out;
        this.err = err;
    }

    private enum Status { OK, FAILED, IGNORED }

    private record Outcome(TestFn test, Status status, String output) {}

    /** Lists or runs the tests; returns the exit code: 0, or 101 if a test failed. */
    int run() {
        long start = System.nanoTime();
        if (options.help) {
            out.println("Usage: weft run [OPTIONS] " + app + " " + SYNOPSIS);
            out.println();
            out.println(app + " is a Lunatic test binary: each export named #lunatic_test_... is a test, run as"
                    + " its own root process. FILTER selects the tests whose name contains it (equals it with"
                    + " --exact); --ignored runs only the ignored tests, --include-ignored all; --nocapture lets"
                    + " their output through; --list lists them. The exit code is 101 if a test fails.");
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
        out.println();
        out.println("running " + plural(selected.size(), "test"));
        out.flush();
        List<Outcome> outcomes = new ArrayList<>();
        for (TestFn t : selected) {
            Outcome o = options.runs(t) ? runOne(t) : new Outcome(t, Status.IGNORED, "");
            outcomes.add(o);
            String what = t.panic() != null && o.status() != Status.IGNORED ? " - should panic" : "";
            out.println("test " + t.name() + what + " ... " + o.status().name().toLowerCase(Locale.ROOT)
                    .replace("failed", "FAILED"));
            out.flush();
        }
        List<Outcome> passed = outcomes.stream().filter(o -> o.status() == Status.OK).toList();
        List<Outcome> failed = outcomes.stream().filter(o -> o.status() == Status.FAILED).toList();
        long ignored = outcomes.stream().filter(o -> o.status() == Status.IGNORED).count();
        if (options.showOutput && !passed.isEmpty()) {
            out.println();
            out.println("successes:");
            for (Outcome o : passed) {
                if (!o.output().isEmpty()) {
                    out.println();
                    out.println("---- " + o.test().name() + " stdout ----");
                    out.print(withNewline(o.output()));
                }
            }
            out.println();
            out.println("successes:");
            for (Outcome o : passed) {
                out.println("    " + o.test().name());
            }
        }
        if (!failed.isEmpty()) {
            out.println();
            out.println("failures:");
            for (Outcome o : failed) {
                if (!o.output().isEmpty()) {
                    out.println();
                    out.println("---- " + o.test().name() + " stdout ----");
                    out.print(withNewline(o.output()));
                }
            }
            out.println();
            out.println("failures:");
            for (Outcome o : failed) {
                out.println("    " + o.test().name());
            }
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

    /** Runs one test as the root process of its own node, its stdout and stderr captured together. */
    private Outcome runOne(TestFn t) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream buffer = new PrintStream(captured, true, StandardCharsets.UTF_8);
        // with --nocapture the output goes through, and is still kept to look for the panic message
        PrintStream stdout = options.nocapture ? new PrintStream(new Tee(out, captured), true, StandardCharsets.UTF_8) : buffer;
        PrintStream stderr = options.nocapture ? new PrintStream(new Tee(err, captured), true, StandardCharsets.UTF_8) : buffer;
        ExitReason reason;
        try (Node node = nodes.get()) { // a fresh node per test
            ProcessBody body;
            try {
                body = guest.body(node, t.export(), List.of(app), stdout, stderr);
            } catch (IllegalArgumentException e) { // the export takes arguments or returns something
                return new Outcome(t, Status.FAILED, "note: a test function must take no arguments and return nothing: "
                        + e.getMessage() + "\n");
            }
            reason = node.start(body).exited().join(); // watched before it runs: a quick guest must not end first
        } finally {
            stdout.flush();
            stderr.flush();
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        String shown = options.nocapture ? "" : text;
        boolean succeeded = reason.isNormal();
        String why = reason.describe();
        if (t.panic() == null) {
            return succeeded
                    ? new Outcome(t, Status.OK, shown)
                    : new Outcome(t, Status.FAILED, withNewline(shown) + "note: the process failed: " + why + "\n");
        }
        if (succeeded) {
            return new Outcome(t, Status.FAILED, withNewline(shown) + "note: test did not panic as expected\n");
        }
        if (text.contains(t.panic()) || why.contains(t.panic())) {
            return new Outcome(t, Status.OK, shown);
        }
        return new Outcome(t, Status.FAILED, withNewline(shown)
                + "note: panic did not contain expected string\n"
                + "      process failed: `" + why + "`,\n"
                + " expected substring: `\"" + t.panic() + "\"`\n");
    }

    private static String withNewline(String s) {
        return s.isEmpty() || s.endsWith("\n") ? s : s + "\n";
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
        }
    }
}
