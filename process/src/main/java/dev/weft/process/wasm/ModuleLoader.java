package dev.weft.process.wasm;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.NameCustomSection;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.OpCode;
import dev.weft.process.internal.wasm.ChicoryCompiler;
import dev.weft.process.internal.wasm.FuelInstrumenter;
import dev.weft.process.internal.wasm.SafepointCompiler;
import dev.weft.scheduler.Scheduler;
import dev.weft.process.wasm.ModuleLoadException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Loads Wasm modules: parses, validates and (for {@link Engine#COMPILER}) compiles each one once,
 * function by function (one too large for the JVM is left to Chicory's interpreter, and logged),
 * and keeps it by content hash and engine. Loading the same bytes again, from any thread, returns
 * the same {@link WasmModule}; concurrent loads of the same bytes wait for one another and the
 * work is done once. A refused module is not kept. Thread-safe.
 */
public final class ModuleLoader {
    private static final System.Logger LOG = System.getLogger("dev.weft.process");

    private record Key(String id, Engine engine) {}

    private final Engine defaultEngine;
    private final boolean countFuel;
    private final ConcurrentHashMap<Key, CompletableFuture<WasmModule>> modules = new ConcurrentHashMap<>();
    private final AtomicInteger loaded = new AtomicInteger();
    private final AtomicLong compilations = new AtomicLong();
    private final AtomicLong parses = new AtomicLong();

    /** A loader whose default engine is the compiler. */
    public ModuleLoader() {
        this(Engine.COMPILER);
    }

    /** A loader whose modules count fuel (see {@link #ModuleLoader(Engine, boolean)}). */
    public ModuleLoader(Engine defaultEngine) {
        this(defaultEngine, true);
    }

    /**
     * A loader; with {@code countFuel} (the default) busy guests cannot hold a carrier: a compiled
     * module is {@link WasmModule#preemptible() preemptible} (its processes give up their carrier
     * at a call or loop back-edge when they kept it for a slice while others wait) and also gets a
     * form that counts its work ({@link FuelInstrumenter}), which processes with a
     * {@link WasmProcess.Builder#maxFuel(long) max fuel} run (they give up their carrier every
     * slice of 100,000 instructions and run out of fuel at the limit), as do all processes of the
     * interpreter engine. Without it modules run as they are (for benchmarks of those costs; a busy
     * guest then holds its carrier).
     */
    public ModuleLoader(Engine defaultEngine, boolean countFuel) {
        this.defaultEngine = Objects.requireNonNull(defaultEngine, "defaultEngine");
        this.countFuel = countFuel;
    }

    /** Do this loader's modules count fuel? */
    public boolean countsFuel() {
        return countFuel;
    }

    public Engine defaultEngine() {
        return defaultEngine;
    }

    /** Loads a module file with the default engine; the file's name starts every error message. */
    public WasmModule load(Path file) throws ModuleLoadException {
        return load(file, defaultEngine);
    }

    /** Loads a module file with the given engine; the file's name starts every error message. */
    public WasmModule load(Path file, Engine engine) throws ModuleLoadException {
        Objects.requireNonNull(file, "file");
        byte[] bytes = read(file);
        try {
            return load0(bytes, engine, file.toString());
        } catch (ModuleLoadException e) {
            throw e.from(file.toString());
        }
    }

    /** Loads a module from its bytes (copied) with the default engine. */
    public WasmModule load(byte[] bytes) throws ModuleLoadException {
        return load(bytes, defaultEngine);
    }

    /** Loads a module from its bytes (copied) with the given engine. */
    public WasmModule load(byte[] bytes, Engine engine) throws ModuleLoadException {
        return load0(Objects.requireNonNull(bytes, "bytes").clone(), engine, null);
    }

    /** The module with this id (content hash) if it is loaded, for the default engine if both are. */
    public Optional<WasmModule> cached(String id) {
        Optional<WasmModule> m = cached(id, defaultEngine);
        return m.isPresent() ? m : cached(id, defaultEngine == Engine.COMPILER ? Engine.INTERPRETER : Engine.COMPILER);
    }

    /** The module with this id (content hash) loaded for this engine, if any. */
    public Optional<WasmModule> cached(String id, Engine engine) {
        CompletableFuture<WasmModule> f = modules.get(new Key(id, engine));
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of(f.join());
    }

    /** How many modules are loaded (a module loaded for both engines counts twice). */
    public int size() {
        return loaded.get();
    }

    /** How many times this loader has run the compiler (for tests). */
    long compilations() {
        return compilations.get();
    }

    /** How many times this loader has parsed a module (for tests). */
    long parses() {
        return parses.get();
    }

    /** {@code source}, the file's name or null, names the module in the log. */
    private WasmModule load0(byte[] bytes, Engine engine, String source) throws ModuleLoadException {
        Objects.requireNonNull(engine, "engine");
        Key key = new Key(sha256(bytes), engine);
        CompletableFuture<WasmModule> existing = modules.get(key);
        if (existing == null) {
            CompletableFuture<WasmModule> mine = new CompletableFuture<>();
            existing = modules.putIfAbsent(key, mine);
            if (existing == null) {
                try {
                    String name = source == null ? "module " + key.id().substring(0, 12) : source;
                    WasmModule m = build(key.id(), bytes, engine, name);
                    loaded.incrementAndGet();
                    mine.complete(m);
                    return m;
                } catch (ModuleLoadException | RuntimeException | Error e) {
                    modules.remove(key, mine);
                    mine.completeExceptionally(e);
                    throw e;
                }
            }
        }
        try {
            return existing.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof ModuleLoadException mle) {
                throw new ModuleLoadException(mle.kind(), mle.getMessage(), mle.getCause());
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private WasmModule build(String id, byte[] bytes, Engine engine, String source) throws ModuleLoadException {
        List<BinaryLayout.Section> sections = BinaryLayout.scan(bytes);
        byte[] runs = bytes;
        FuelInstrumenter.Result fuel = null;
        if (countFuel) {
            try {
                fuel = FuelInstrumenter.instrument(bytes);
                runs = fuel.bytes();
            } catch (FuelInstrumenter.Refused refused) {
                // The rewriter could not read it: the module is broken, and Chicory says how.
                com.dylibso.chicory.wasm.WasmModule original = parseOriginal(bytes, sections);
                rejectSimd(original);
                throw new ModuleLoadException(Kind.UNSUPPORTED, "unsupported: Weft cannot count fuel in"
                        + " this module: " + refused.getMessage(), refused);
            }
        }
        com.dylibso.chicory.wasm.WasmModule parsed;
        try {
            parses.incrementAndGet();
            byte[] toParse = runs;
            parsed = parser(true).parse(() -> new ByteArrayInputStream(toParse));
        } catch (StackOverflowError e) {
            throw new ModuleLoadException(Kind.UNSUPPORTED,
                    "unsupported: the module's code is nested too deeply to be parsed", e);
        } catch (RuntimeException | AssertionError e) { // Chicory asserts on some bad input
            if (runs == bytes) {
                throw parseFailure(bytes, sections, e);
            }
            // locate the failure in the module as it was given
            parseOriginal(bytes, sections);
            throw new ModuleLoadException(Kind.UNSUPPORTED, "unsupported: the module is valid but its"
                    + " fuel-counting form is not: " + innermostMessage(e), e);
        }
        checkIndices(parsed);
        if (runs != bytes) {
            try {
                rejectSimd(parsed);
            } catch (ModuleLoadException simd) { // say where, in the bytes as they were given
                rejectSimd(parseOriginalUnchecked(bytes));
                throw simd;
            }
        } else {
            rejectSimd(parsed);
        }
        if (engine == Engine.INTERPRETER) {
            return module(id, bytes, parsed, engine, WasmModule::interpreter, fuel, null, null);
        }
        if (fuel != null && Scheduler.preemptsAtSafepoints()) {
            // Processes without a fuel limit run the module as it was given, preempted at the
            // safepoints of Chicory's compiled code; the fuel-counting form is compiled when a
            // process with max fuel first needs it.
            parses.incrementAndGet();
            com.dylibso.chicory.wasm.WasmModule original = parseOriginal(bytes, sections); // validated, as it runs
            ChicoryCompiler.Compiled preemptible = null;
            try {
                refuseUncheckedCalls(original);
                compilations.incrementAndGet();
                preemptible = SafepointCompiler.compile(original);
            } catch (SafepointCompiler.Unsupported unsupported) {
                // count fuel in every process instead
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                throw compileFailure(original, e);
            }
            if (preemptible != null) {
                reportInterpreted(source, "", original, preemptible);
                com.dylibso.chicory.wasm.WasmModule metered = parsed;
                return module(id, bytes, parsed, engine, () -> compileCountingForm(metered, source), fuel, original,
                        preemptible);
            }
        }
        ChicoryCompiler.Compiled code = compile(parsed, runs == bytes ? parsed : null, bytes);
        reportInterpreted(source, runs == bytes ? "" : " in its fuel-counting form", parsed, code);
        return module(id, bytes, parsed, engine, () -> code, fuel, null, null);
    }

    /**
     * Says, once per compiled form, which functions run in Chicory's interpreter: too large for the
     * JVM, they run some 100 times slower than compiled code. (Chicory's own report, its WARN
     * fallback, would go to stderr.)
     */
    private static void reportInterpreted(String source, String form, com.dylibso.chicory.wasm.WasmModule m,
            ChicoryCompiler.Compiled code) {
        int n = code.interpreted().size();
        if (n == 0 || !LOG.isLoggable(System.Logger.Level.INFO)) {
            return;
        }
        int imported = m.importSection().count(com.dylibso.chicory.wasm.types.ExternalType.FUNCTION);
        int total = imported + m.functionSection().functionCount();
        StringBuilder which = new StringBuilder();
        code.interpreted().stream().sorted().limit(3).forEach(f -> which.append(which.isEmpty() ? "" : ", ")
                .append(functionLabel(m, f)));
        if (n > 3) {
            which.append(" and ").append(n - 3).append(" more");
        }
        LOG.log(System.Logger.Level.INFO, source + ": " + n + " of " + total + " functions "
                + (n == 1 ? "is" : "are") + " too large for the JVM and run" + (n == 1 ? "s" : "")
                + " in Chicory's interpreter" + form + ": " + which);
    }

    /**
     * Chicory's compiled code checks for interruption before {@code call} and {@code call_indirect}
     * and at loop back-edges; {@code call_ref} goes another way, so a module that uses it counts fuel.
     */
    private static void refuseUncheckedCalls(com.dylibso.chicory.wasm.WasmModule m) throws SafepointCompiler.Unsupported {
        FunctionBody[] bodies = m.codeSection().functionBodies();
        for (int f = 0; f < bodies.length; f++) {
            for (AnnotatedInstruction i : bodies[f].instructions()) {
                if (i.opcode() == OpCode.CALL_REF || i.opcode() == OpCode.RETURN_CALL_REF) {
                    throw new SafepointCompiler.Unsupported("function " + f + " uses " + i.opcode()
                            + ", which has no safepoint in Chicory's compiled code");
                }
            }
        }
    }

    private static WasmModule module(String id, byte[] bytes, com.dylibso.chicory.wasm.WasmModule parsed, Engine engine,
            Supplier<ChicoryCompiler.Compiled> meteredCode, FuelInstrumenter.Result fuel,
            com.dylibso.chicory.wasm.WasmModule preemptibleModule, ChicoryCompiler.Compiled preemptible)
            throws ModuleLoadException {
        try {
            return new WasmModule(id, bytes, parsed, engine, meteredCode,
                    fuel == null ? -1 : fuel.fuelGlobal(), fuel == null ? 0 : fuel.definedGlobals(),
                    preemptibleModule, preemptible);
        } catch (RuntimeException e) { // Chicory's lazy checks, e.g. an import of a type that does not exist
            throw new ModuleLoadException(Kind.INVALID, "invalid module: " + innermostMessage(e), e);
        }
    }

    /**
     * Compiles with Chicory's compiler, which leaves functions too large for the JVM to its
     * interpreter; {@code located} (or the original bytes) names a failure.
     */
    private ChicoryCompiler.Compiled compile(com.dylibso.chicory.wasm.WasmModule parsed,
            com.dylibso.chicory.wasm.WasmModule located, byte[] original) throws ModuleLoadException {
        try {
            compilations.incrementAndGet();
            return ChicoryCompiler.compile(parsed);
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            if (located == null) {
                try {
                    located = parseOriginalUnchecked(original);
                } catch (RuntimeException | AssertionError | StackOverflowError ignored) {
                    located = parsed; // keep the instrumented module's view
                }
            }
            throw compileFailure(located, e);
        }
    }

    /** The lazy compile of the fuel-counting form, when the form as given compiled already. */
    private ChicoryCompiler.Compiled compileCountingForm(com.dylibso.chicory.wasm.WasmModule metered, String source) {
        try {
            ChicoryCompiler.Compiled code = compile(metered, metered, null);
            reportInterpreted(source, " in its fuel-counting form", metered, code);
            return code;
        } catch (ModuleLoadException e) {
            throw new IllegalStateException("cannot compile the fuel-counting form of the module: " + e.getMessage(), e);
        }
    }

    private static ModuleLoadException compileFailure(com.dylibso.chicory.wasm.WasmModule located, Throwable e) {
        return new ModuleLoadException(Kind.UNSUPPORTED, "unsupported by the compiler: " + innermostMessage(e)
                + locateOpcodeIn(located, e) + "; load it with the interpreter engine instead", e);
    }

    /**
     * Refuses what Chicory 1.7.5's validation lets through: an export of a function, table, memory
     * or global that does not exist, and a function import of a type that does not exist (both
     * found by the hostile-guest suite: the first made spawning the export throw
     * IndexOutOfBoundsException).
     */
    private static void checkIndices(com.dylibso.chicory.wasm.WasmModule m) throws ModuleLoadException {
        com.dylibso.chicory.wasm.types.ImportSection imports = m.importSection();
        int types = m.typeSection().typeCount();
        for (int i = 0; i < imports.importCount(); i++) {
            if (imports.getImport(i) instanceof com.dylibso.chicory.wasm.types.FunctionImport f
                    && (f.typeIndex() < 0 || f.typeIndex() >= types)) {
                throw new ModuleLoadException(Kind.INVALID, "invalid module: import " + i + " ("
                        + f.module() + "::" + f.name() + ") has the type " + f.typeIndex() + ", and the module"
                        + " has " + types + " types");
            }
        }
        var ft = com.dylibso.chicory.wasm.types.ExternalType.FUNCTION;
        var tt = com.dylibso.chicory.wasm.types.ExternalType.TABLE;
        var mt = com.dylibso.chicory.wasm.types.ExternalType.MEMORY;
        var gt = com.dylibso.chicory.wasm.types.ExternalType.GLOBAL;
        int functions = imports.count(ft) + m.functionSection().functionCount();
        int tables = imports.count(tt) + m.tableSection().tableCount();
        int memories = imports.count(mt) + m.memorySection().map(s -> s.memoryCount()).orElse(0);
        int globals = imports.count(gt) + m.globalSection().globalCount();
        com.dylibso.chicory.wasm.types.ExportSection exports = m.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            com.dylibso.chicory.wasm.types.Export e = exports.getExport(i);
            var type = e.exportType();
            int limit = type == ft ? functions : type == tt ? tables : type == mt ? memories : type == gt ? globals
                    : Integer.MAX_VALUE;
            if (e.index() < 0 || e.index() >= limit) {
                throw new ModuleLoadException(Kind.INVALID, "invalid module: export '" + e.name() + "' names "
                        + type.name().toLowerCase(java.util.Locale.ROOT) + " " + e.index() + ", and the module has "
                        + limit);
            }
        }
    }

    /** Parses and validates the module as it was given; throws its failure, located. */
    private static com.dylibso.chicory.wasm.WasmModule parseOriginal(byte[] bytes, List<BinaryLayout.Section> sections)
            throws ModuleLoadException {
        try {
            return parser(true).parse(() -> new ByteArrayInputStream(bytes));
        } catch (StackOverflowError e) {
            throw new ModuleLoadException(Kind.UNSUPPORTED,
                    "unsupported: the module's code is nested too deeply to be parsed", e);
        } catch (RuntimeException | AssertionError e) {
            throw parseFailure(bytes, sections, e);
        }
    }

    private static com.dylibso.chicory.wasm.WasmModule parseOriginalUnchecked(byte[] bytes) {
        return parser(false).parse(() -> new ByteArrayInputStream(bytes));
    }

    /** Turns an exception from Chicory's parser or validator into one located sentence. */
    private static ModuleLoadException parseFailure(byte[] bytes, List<BinaryLayout.Section> sections,
            Throwable e) {
        String what = innermostMessage(e);
        // The validator chains follow-on errors with " - "; the first one is the cause of the rest.
        int chained = what.indexOf(" - ");
        if (e instanceof InvalidException && chained > 0) {
            what = what.substring(0, chained);
        }
        // Where did the parser stop? Parse again, counting the sections it completed.
        String where = "";
        AtomicInteger done = new AtomicInteger();
        try {
            parser(false).parse(new ByteArrayInputStream(bytes), s -> done.incrementAndGet());
        } catch (RuntimeException | StackOverflowError | AssertionError ignored) {
            // expected: the same failure, at the same place
        }
        if (done.get() < sections.size()) {
            BinaryLayout.Section s = sections.get(done.get());
            where = s.label() + ", bytes " + s.start() + " to " + (s.end() - 1);
        }
        if (e instanceof InvalidException) {
            if (where.isEmpty()) { // failed after parsing: in validation; find the function
                where = InvalidFunctionLocator.locate(bytes).orElse("");
            }
            return new ModuleLoadException(Kind.INVALID, "invalid module: "
                    + (where.isEmpty() ? what : where + ": " + what), e);
        }
        if (e instanceof MalformedException || e instanceof ChicoryException) {
            return new ModuleLoadException(Kind.MALFORMED, "malformed module: "
                    + (where.isEmpty() ? what : where + ": " + what), e);
        }
        // Not one of Chicory's own exceptions: a parser bug on hostile input. Still refuse cleanly.
        return new ModuleLoadException(Kind.MALFORMED, "malformed module: the parser failed"
                + (where.isEmpty() ? "" : " in " + where) + " with " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    }

    /**
     * Chicory's parser, except that a broken name section (debug information, which the spec says
     * must not make a module fail) is dropped instead of refusing the module; Chicory's own name
     * parser asserts or throws on some bad input.
     */
    static Parser parser(boolean validate) {
        return Parser.builder()
                .withValidation(validate)
                .withCustomParsers(Map.of("name", ModuleLoader::lenientNames))
                .build();
    }

    private static CustomSection lenientNames(byte[] contents) {
        try {
            return NameCustomSection.parse(contents);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            return NameCustomSection.parse(new byte[0]);
        }
    }

    /** Neither engine runs the SIMD proposal (Chicory needs its separate simd module for that). */
    private static void rejectSimd(com.dylibso.chicory.wasm.WasmModule m) throws ModuleLoadException {
        FunctionBody[] bodies = m.codeSection().functionBodies();
        int imported = m.importSection().count(com.dylibso.chicory.wasm.types.ExternalType.FUNCTION);
        for (int i = 0; i < bodies.length; i++) {
            for (AnnotatedInstruction ins : bodies[i].instructions()) {
                if ((ins.opcode().opcode() >> 8) == 0xFD) {
                    throw new ModuleLoadException(Kind.UNSUPPORTED, "unsupported: SIMD instruction "
                            + watName(ins.opcode()) + " at byte " + ins.address() + " in "
                            + functionLabel(m, imported + i) + "; Weft does not run the SIMD proposal");
                }
            }
        }
    }

    /** When the compiler names an opcode it cannot handle, say where the first one is. */
    private static String locateOpcodeIn(com.dylibso.chicory.wasm.WasmModule m, Throwable e) {
        String msg = innermostMessage(e);
        FunctionBody[] bodies = m.codeSection().functionBodies();
        int imported = m.importSection().count(com.dylibso.chicory.wasm.types.ExternalType.FUNCTION);
        for (int i = 0; i < bodies.length; i++) {
            for (AnnotatedInstruction ins : bodies[i].instructions()) {
                if (msg.contains(ins.opcode().name())) {
                    return " at byte " + ins.address() + " in " + functionLabel(m, imported + i);
                }
            }
        }
        return "";
    }

    private static String functionLabel(com.dylibso.chicory.wasm.WasmModule m, int index) {
        var names = m.nameSection();
        String name = names == null ? null : names.nameOfFunction(index);
        return "function " + index + (name == null ? "" : " (" + name + ")");
    }

    private static String watName(OpCode op) {
        String n = op.name().toLowerCase(Locale.ROOT);
        int us = n.indexOf('_');
        return us < 0 ? n : n.substring(0, us) + "." + n.substring(us + 1);
    }

    /** Chicory wraps its messages for the spec tests ("section size mismatch, ..."); the innermost is the real one. */
    static String innermostMessage(Throwable e) {
        String msg = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                msg = t.getMessage();
            }
        }
        return msg != null ? msg : e.getClass().getSimpleName();
    }

    private static byte[] read(Path file) throws ModuleLoadException {
        try {
            if (Files.isDirectory(file)) {
                throw new ModuleLoadException(Kind.UNREADABLE, "cannot read " + file + ": it is a directory");
            }
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new ModuleLoadException(Kind.UNREADABLE, "cannot read " + file + ": it is too large ("
                        + size + " bytes)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModuleLoadException(Kind.UNREADABLE, "cannot read " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new ModuleLoadException(Kind.UNREADABLE, "cannot read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new ModuleLoadException(Kind.UNREADABLE, "cannot read " + file + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
