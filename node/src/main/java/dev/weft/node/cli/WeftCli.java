package dev.weft.node.cli;

import dev.weft.hostapi.WasmConfig;
import dev.weft.node.Node;
import dev.weft.process.ExitReason;
import dev.weft.process.ProcessBody;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.ModuleLoader;

import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import dev.weft.scheduler.Scheduler;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code weft} command line: {@code weft run app.wasm [args...]} runs a WASI command module's
 * {@code _start} as the root process of a fresh node and exits with the guest's exit code.
 *
 * <p>{@link #main(String[])} calls {@link #run(String[], PrintStream, PrintStream)} and exits the
 * JVM with its result; tests call {@code run} in-process. Every error is one line on the error
 * stream, starting with {@code weft: }, and has its own exit code (see {@link #EXIT_CODES}).
 */
@Command(name = "weft",
        mixinStandardHelpOptions = true,
        version = "weft " + WeftCli.VERSION,
        description = "Weft: Erlang-style processes for WebAssembly guests on the JVM.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            WeftCli.EXIT_CODES_0, WeftCli.EXIT_CODES_N, WeftCli.EXIT_CODES_2, WeftCli.EXIT_CODES_101,
            WeftCli.EXIT_CODES_110, WeftCli.EXIT_CODES_111, WeftCli.EXIT_CODES_112, WeftCli.EXIT_CODES_113,
            WeftCli.EXIT_CODES_114, WeftCli.EXIT_CODES_115, WeftCli.EXIT_CODES_116, WeftCli.EXIT_CODES_119},
        footer = {"%nA guest may itself exit with any code, including those above: the codes of weft's"
                + " own errors come with a 'weft: ' line on stderr.",
                "Run 'weft run --help' for the options of a run."})
public final class WeftCli implements Callable<Integer> {

    /** The project version; {@code WeftCliTest} checks it against the POM's. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    /** The guest returned from {@code _start}, or called {@code proc_exit(0)}. */
    public static final int OK = 0;
    /** Bad command line: unknown option, bad value, missing app, a --dir that is not a directory. */
    public static final int USAGE = 2;
    /** The guest trapped or failed (a host function failed, it was killed): the reason is printed. */
    public static final int TRAP = 101;
    /** The module file cannot be read: missing, a directory, no permission. */
    public static final int UNREADABLE = 110;
    /** The file is not a WebAssembly binary module. */
    public static final int NOT_WASM = 111;
    /** The module is malformed or invalid. */
    public static final int MALFORMED = 112;
    /** The module uses something Weft cannot run (SIMD, a function the compiler cannot translate). */
    public static final int UNSUPPORTED = 113;
    /** The module has no exported {@code _start} function (or one that takes arguments). */
    public static final int NO_START = 114;
    /** The module imports a function Weft does not provide, or with another type. */
    public static final int UNKNOWN_IMPORT = 115;
    /** The module cannot be instantiated for another reason (its memory is above --max-memory, ...). */
    public static final int CANNOT_INSTANTIATE = 116;
    /** A bug in weft itself. */
    public static final int INTERNAL = 119;

    static final String EXIT_CODES_0 = "0:the guest returned from _start or called proc_exit(0)";
    static final String EXIT_CODES_N = "N:the guest called proc_exit(N) (exit(N) in C)";
    static final String EXIT_CODES_2 = "2:bad command line";
    static final String EXIT_CODES_101 = "101:the guest trapped or failed; the reason is on stderr";
    static final String EXIT_CODES_110 = "110:cannot read app.wasm (missing, a directory, no permission)";
    static final String EXIT_CODES_111 = "111:app.wasm is not a WebAssembly module";
    static final String EXIT_CODES_112 = "112:app.wasm is malformed or invalid";
    static final String EXIT_CODES_113 = "113:app.wasm uses something Weft cannot run (e.g. SIMD)";
    static final String EXIT_CODES_114 = "114:app.wasm exports no _start function";
    static final String EXIT_CODES_115 = "115:app.wasm imports a function Weft does not provide";
    static final String EXIT_CODES_116 = "116:app.wasm cannot be instantiated (e.g. memory above --max-memory)";
    static final String EXIT_CODES_119 = "119:internal error in weft";

    /** The exit-code table of {@code --help}, code to meaning. */
    public static final Map<Integer, String> EXIT_CODES = exitCodes();

    private static final int PAGE = 65536;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    @Spec
    private CommandSpec spec;

    private WeftCli(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.in);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs the command line in this JVM, with stdin taken from {@link System#in}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.in);
    }

    /**
     * Runs the command line in this JVM: the guest's stdout and stderr are {@code out} and
     * {@code err}, its stdin {@code in}. Returns the exit code {@code weft} would exit with.
     */
    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
        return run(args, out, err, in, System::getenv);
    }

    /** As {@link #run(String[], PrintStream, PrintStream, InputStream)}, reading weft's own environment variables with {@code getenv}. */
    static int run(String[] args, PrintStream out, PrintStream err, InputStream in, Function<String, String> getenv) {
        WeftCli cli = new WeftCli(out, err, in);
        CommandLine cmd = new CommandLine(cli);
        cmd.addSubcommand("run", new RunCommand(out, err, in, getenv));
        UsageErrors.registerConverters(cmd); // after the subcommands: picocli hands converters to those it has
        // everything after app.wasm is the guest's, options included: weft run app.wasm --verbose
        cmd.getSubcommands().get("run").setStopAtPositional(true);
        cmd.setOut(new PrintWriter(out, true, charsetOf(out)));
        cmd.setErr(new PrintWriter(err, true, charsetOf(err)));
        cmd.setParameterExceptionHandler(WeftCli::badCommandLine);
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            err.println("weft: internal error: " + oneLine(String.valueOf(e)));
            return INTERNAL;
        });
        try {
            // picocli would say "Unmatched argument at index 0", or complain about a later argument
            String unknown = UsageErrors.unknownCommand(args, cmd.getSubcommands().keySet());
            if (unknown != null) {
                err.println("weft: " + oneLine(UsageErrors.unknownCommandLine(unknown, cmd.getSubcommands().keySet())));
                return USAGE;
            }
            return cmd.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** {@code weft} alone: the usage, on stderr, as a bad command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return USAGE;
    }

    private static int badCommandLine(ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        PrintWriter w = c.getErr();
        w.println("weft: " + oneLine(UsageErrors.describe(e)) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
        w.flush();
        return USAGE;
    }

    // ------------------------------------------------------------------ weft run

    @Command(name = "run",
            mixinStandardHelpOptions = true,
            version = "weft " + WeftCli.VERSION,
            description = {
                "Runs the _start function of a WASI command module as the root process of a new node,"
                        + " waits for it and exits with its exit code.",
                "When _start returns (main, in C) or calls proc_exit, the run is over: every process the guest"
                        + " spawned ends with it, finished or not, so main waits for the work it started.",
                "The guest sees only what the command line grants: its arguments (app.wasm first),"
                        + " the --env variables and the --dir directories; stdin, stdout and stderr are weft's.",
                "Test mode (Lunatic's): if app.wasm exports functions named #lunatic_test_... (lunatic-rs's"
                        + " #[lunatic::test]), each is run as the root process of a node of its own instead of"
                        + " _start, up to --test-threads N (else RUST_TEST_THREADS, else the number of CPUs) at once,"
                        + " and the arguments are the test runner's: [FILTER]... [--exact] [--ignored]"
                        + " [--include-ignored] [--skip FILTER] [--nocapture] [--show-output] [--test-threads N]"
                        + " [--list] [--format pretty|terse]; it exits with 101 if a test fails."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                WeftCli.EXIT_CODES_0, WeftCli.EXIT_CODES_N, WeftCli.EXIT_CODES_2, WeftCli.EXIT_CODES_101,
                WeftCli.EXIT_CODES_110, WeftCli.EXIT_CODES_111, WeftCli.EXIT_CODES_112, WeftCli.EXIT_CODES_113,
                WeftCli.EXIT_CODES_114, WeftCli.EXIT_CODES_115, WeftCli.EXIT_CODES_116, WeftCli.EXIT_CODES_119},
            footer = {"%nA guest may itself exit with any code, including those above: the codes of weft's"
                    + " own errors come with a 'weft: ' line on stderr."})
    static final class RunCommand implements Callable<Integer> {
        private final PrintStream out;
        private final PrintStream err;
        private final InputStream in;
        private final Function<String, String> getenv;

        @Spec
        private CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Grant the guest this directory, at the same path (repeatable).")
        private List<String> dirs = new ArrayList<>();

        @Option(names = "--env", paramLabel = "K=V",
                description = "Set an environment variable of the guest (repeatable); it sees no other.")
        private List<String> env = new ArrayList<>();

        /** The size options' ranges: what the node and the Wasm engine can honour. */
        static final SizeOption MAX_MEMORY = new SizeOption("--max-memory", PAGE, WasmConfig.MAX_MEMORY_BYTES);
        static final SizeOption MAX_MESSAGE = new SizeOption("--max-message", 0, 1L << 30);
        static final SizeOption MAX_STACK = new SizeOption("--max-stack", Scheduler.MIN_STACK_SIZE, Scheduler.MAX_STACK_SIZE);

        @Option(names = "--max-memory", paramLabel = "SIZE",
                description = "Most linear memory each process may have, in bytes or with a k, m or g suffix"
                        + " (64k to 4g, rounded down to whole 64 KiB pages; default 1g).")
        private String maxMemory;

        @Option(names = "--max-fuel", paramLabel = "N",
                description = "Most work each process may do, in units of 100,000 Wasm instructions (Lunatic's);"
                        + " a process that uses it up ends with 'out of fuel'. Counting makes call-heavy guests"
                        + " 2-3 times slower; without a limit busy guests are preempted instead. Default: no limit.")
        private Long maxFuel;

        @Option(names = "--max-processes", paramLabel = "N",
                description = "Most processes alive at once on the node (default 2097152); a spawn beyond it fails.")
        private Integer maxProcesses;

        @Option(names = "--max-message", paramLabel = "SIZE",
                description = "Largest message a guest may build, in bytes or with a k, m or g suffix"
                        + " (0 to 1g; default 64m).")
        private String maxMessage;

        @Option(names = "--max-table-elements", paramLabel = "N",
                description = "Most elements in each of a guest's tables (default 100000).")
        private Integer maxTableElements;

        @Option(names = "--max-stack", paramLabel = "SIZE",
                description = "Stack each process may use, in bytes or with a k, m or g suffix (64k to 1g;"
                        + " default 1m); it bounds how deep a guest may recurse: deeper, its process ends with"
                        + " 'call stack exhausted'.")
        private String maxStack;
        /** --max-stack in bytes, once checked; null for the node's default. */
        private Long maxStackBytes;

        @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "compiler",
                description = "compiler (default: Wasm compiled to JVM bytecode) or interpreter.")
        private Engine engine;

        @Parameters(index = "0", paramLabel = "app.wasm", description = "The WASI command module to run.")
        private String app;

        @Parameters(index = "1..*", paramLabel = "args",
                description = "The guest's arguments (in test mode, the test runner's).")
        private List<String> args = new ArrayList<>();

        RunCommand(PrintStream out, PrintStream err, InputStream in, Function<String, String> getenv) {
            this.out = out;
            this.err = err;
            this.in = in;
            this.getenv = getenv;
        }

        @Override
        public Integer call() {
            CommandLine cmd = spec.commandLine();
            // -------- the grants
            Map<String, String> environment = new LinkedHashMap<>();
            for (String kv : env) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new ParameterException(cmd, "--env needs NAME=VALUE, got '" + kv + "'");
                }
                environment.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            List<Path> hostDirs = new ArrayList<>();
            for (String d : dirs) {
                Path p;
                try {
                    p = Path.of(d);
                } catch (InvalidPathException e) {
                    throw new ParameterException(cmd, "--dir " + d + ": not a valid path");
                }
                if (!Files.isDirectory(p)) {
                    throw new ParameterException(cmd, "--dir " + d + ": no such directory");
                }
                hostDirs.add(p);
            }
            long maxMemoryBytes = maxMemory == null ? (long) WasmProcess.DEFAULT_MAX_MEMORY_PAGES * PAGE
                    : size(cmd, MAX_MEMORY, maxMemory) / PAGE * PAGE;
            int maxMessageBytes = maxMessage == null ? WasmConfig.DEFAULT_MAX_MESSAGE_BYTES
                    : (int) size(cmd, MAX_MESSAGE, maxMessage);
            maxStackBytes = maxStack == null ? null : size(cmd, MAX_STACK, maxStack);
            if (maxProcesses != null && maxProcesses < 1) {
                throw new ParameterException(cmd, "--max-processes must be at least 1, got " + maxProcesses);
            }
            if (maxTableElements != null && maxTableElements < 0) {
                throw new ParameterException(cmd, "--max-table-elements must not be negative, got " + maxTableElements);
            }
            if (maxFuel != null && maxFuel < 0) {
                throw new ParameterException(cmd, "--max-fuel must not be negative, got " + maxFuel);
            }

            // -------- the module
            Path file;
            try {
                file = Path.of(app);
            } catch (InvalidPathException e) {
                return fail(UNREADABLE, app + ": not a valid path");
            }
            WasmModule module;
            try {
                module = new ModuleLoader(engine).load(file);
            } catch (ModuleLoadException e) {
                return fail(switch (e.kind()) {
                    case UNREADABLE -> UNREADABLE;
                    case NOT_WASM -> NOT_WASM;
                    case MALFORMED, INVALID -> MALFORMED;
                    case UNSUPPORTED -> UNSUPPORTED;
                }, e.getMessage());
            }
            if (maxFuel != null && maxFuel > 0) {
                // every process counts fuel: compile that form now, or the root would run interpreted
                try {
                    module.compileFuelCountingForm();
                } catch (IllegalStateException e) {
                    return fail(UNSUPPORTED, app + ": " + e.getMessage());
                }
            }
            // Lunatic's test mode: a module exporting #lunatic_test_... functions is a test binary
            boolean testMode = TestMode.isTestModule(module);
            if (!testMode && !module.hasFunctionExport("_start")) {
                return fail(NO_START, app + ": the module exports no _start function, so it is not a WASI command"
                        + (module.exportedFunctions().isEmpty() ? "" : "; it exports " + module.exportedFunctions()));
            }

            // -------- the root process (one per test in test mode), as `lunatic run`'s: every
            // permission, the granted directories and environment; its children inherit them
            WasmConfig.Builder root = WasmConfig.builder()
                    .withMaxMemoryBytes(maxMemoryBytes)
                    .withMaxFuel(maxFuel == null ? 0 : maxFuel)
                    .withMaxMessageBytes(maxMessageBytes)
                    .withMaxTableElements(maxTableElements == null ? WasmProcess.DEFAULT_MAX_TABLE_ELEMENTS : maxTableElements)
                    .withStdin(in);
            environment.forEach(root::withEnv);
            for (int i = 0; i < dirs.size(); i++) {
                root.withDirectory(dirs.get(i), hostDirs.get(i));
            }
            WasmConfig rootConfig = root.build();
            TestMode.Guest guest = (node, export, argv, gout, gerr) -> node.wasmBody(module, rootConfig.toBuilder()
                    .withArgs(argv).withStdout(gout).withStderr(gerr).build(), export);
            if (testMode) {
                // the arguments after app.wasm are the test runner's (libtest's), not the guest's
                TestMode.Options options;
                try {
                    options = TestMode.Options.parse(args);
                } catch (TestMode.UsageException e) {
                    throw new ParameterException(cmd, e.getMessage());
                }
                return new TestMode(app, TestMode.tests(module), options, guest, () -> node("weft-test", false), getenv,
                        out, err).run();
            }
            List<String> argv = new ArrayList<>();
            argv.add(app);
            argv.addAll(args);
            ExitReason reason;
            try (Node node = node("weft-run", true)) {
                ProcessBody body;
                try {
                    body = guest.body(node, "_start", argv, out, err);
                } catch (IllegalArgumentException e) { // _start takes arguments
                    return fail(NO_START, app + ": _start must take no arguments and return nothing: " + e.getMessage());
                }
                reason = node.start(body).exited().join(); // watched before it runs: a quick guest must not end first
            } finally {
                out.flush();
                err.flush();
            }
            return exitCode(reason);
        }

        /** A node for the run; with crash reports, a guest's process that fails prints a line to stderr. */
        private Node node(String name, boolean crashReports) {
            Node.Builder b = Node.builder().name(name).engine(engine);
            if (crashReports) {
                b.crashReports(line -> {
                    err.println("weft: " + oneLine(line));
                    err.flush();
                });
            }
            if (maxProcesses != null) {
                b.maxProcesses(maxProcesses);
            }
            if (maxStackBytes != null) {
                b.maxStackSize(maxStackBytes);
            }
            return b.build();
        }

        /** The bytes of a size option's value, or the one-line usage error. */
        private static long size(CommandLine cmd, SizeOption option, String value) {
            try {
                return option.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, e.getMessage());
            }
        }

        /** The exit code of {@code weft run} for the root process's exit reason. */
        private int exitCode(ExitReason reason) {
            return switch (reason) {
                case ExitReason.Normal normal -> OK;
                case ExitReason.ExitCode exit when exit.code() >= 0 && exit.code() <= 255 -> exit.code();
                case ExitReason.ExitCode exit -> fail(1, app + ": exited with code "
                        + Integer.toUnsignedString(exit.code()) + ", which a process cannot exit with; exiting with 1");
                case ExitReason.CannotInstantiate cannot when cannot.unlinkable() -> fail(UNKNOWN_IMPORT,
                        app + ": " + cannot.message() + " (weft run provides wasi_snapshot_preview1 and lunatic::*)");
                case ExitReason.CannotInstantiate cannot -> fail(CANNOT_INSTANTIATE, app + ": " + cannot.message());
                // memory and tables are checked when the module is instantiated; the stack while it runs
                case ExitReason.LimitExceeded limit when limit.limit() != ExitReason.Limit.STACK_BYTES ->
                        fail(CANNOT_INSTANTIATE, app + ": " + limit.message());
                default -> fail(TRAP, app + ": " + reason.describe());
            };
        }

        private int fail(int code, String message) {
            err.println("weft: " + oneLine(message));
            err.flush();
            return code;
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    private static Charset charsetOf(PrintStream s) {
        return s.charset();
    }

    private static Map<Integer, String> exitCodes() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (String line : List.of(EXIT_CODES_0, EXIT_CODES_2, EXIT_CODES_101, EXIT_CODES_110, EXIT_CODES_111,
                EXIT_CODES_112, EXIT_CODES_113, EXIT_CODES_114, EXIT_CODES_115, EXIT_CODES_116, EXIT_CODES_119)) {
            int colon = line.indexOf(':');
            m.put(Integer.parseInt(line.substring(0, colon)), line.substring(colon + 1));
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
