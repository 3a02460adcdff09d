package dev.weft.process.wasm;

import com.dylibso.chicory.runtime.GlobalFactory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.NameCustomSection;
import com.dylibso.chicory.wasm.types.TableImport;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.TagImport;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.process.internal.wasm.ChicoryCompiler;
import dev.weft.process.internal.wasm.FuelCounter;
import dev.weft.process.internal.wasm.InterpretedSafepoints;
import dev.weft.process.internal.wasm.ModuleInternals;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A loaded Wasm module: parsed, validated and (for {@link Engine#COMPILER}) compiled to JVM
 * bytecode, once (a function too large for the JVM runs in Chicory's interpreter). Immutable and
 * shared by every process that runs it; spawning a process only instantiates it. Obtained from a
 * {@link ModuleLoader}, which keeps one per content hash and engine. What Chicory made of it (its
 * parsed module, instance builders, the fuel counter) stays inside Weft: {@link WasmProcess}
 * instantiates it, Weft's own benchmarks reach it through {@link ModuleInternals}.
 */
public final class WasmModule {

    static {
        ModuleInternals.grant(new ModuleInternals.Access() {
            @Override
            public com.dylibso.chicory.wasm.WasmModule chicoryModule(WasmModule module) {
                return module.chicoryModule();
            }

            @Override
            public Function<Instance, Machine> machineFactory(WasmModule module) {
                return module.machineFactory();
            }

            @Override
            public Instance.Builder instanceBuilder(WasmModule module) {
                return module.instanceBuilder();
            }

            @Override
            public GlobalFactory fuelGlobals(WasmModule module, java.util.function.LongUnaryOperator refuel) {
                return module.fuelGlobals(refuel);
            }
        });
    }

    /** One import of the module; {@code type} is in WAT syntax, e.g. {@code func (param i32) (result i64)}. */
    public record Import(String module, String name, String type) {
        @Override
        public String toString() {
            return module + "::" + name + " " + type;
        }
    }

    private final String id;
    private final byte[] bytes;
    private final com.dylibso.chicory.wasm.WasmModule chicoryModule;
    private final Engine engine;
    /** The fuel-counting form's compiled code, compiled on first use when the module is preemptible. */
    private final FutureTask<ChicoryCompiler.Compiled> meteredCode;
    private final AtomicBoolean meteredCompileStarted = new AtomicBoolean();
    /** The module as given, with safepoints that yield when asked; null if not preemptible. */
    private final com.dylibso.chicory.wasm.WasmModule preemptibleModule;
    private final ChicoryCompiler.Compiled preemptible;
    private final Map<String, ExternalType> exports;
    private final List<String> exportedFunctions;
    private final List<Import> imports;
    /** Imported function names by import module, to drop unused host functions before instantiating. */
    private final Map<String, Set<String>> importedFunctions;
    private final int importedFunctionCount;
    private final Map<Integer, String> functionNames;
    private final Optional<String> moduleName;
    private final int fuelGlobal;
    private final int definedGlobals;

    /**
     * {@code bytes} as given (they make the id); {@code chicoryModule} is what runs: with
     * {@code fuelGlobal >= 0}, the fuel-counting form of the module, whose counter is that global,
     * the last of its {@code definedGlobals}; {@code meteredCode} is its code. With a
     * {@code preemptibleModule} (the module as given) and its code {@code preemptible}
     * ({@link dev.weft.process.internal.wasm.SafepointCompiler}), processes without a fuel limit run
     * that form, and {@code meteredCode} is asked once, when the fuel-counting form is first needed.
     */
    WasmModule(String id, byte[] bytes, com.dylibso.chicory.wasm.WasmModule chicoryModule, Engine engine,
            Supplier<ChicoryCompiler.Compiled> meteredCode, int fuelGlobal, int definedGlobals,
            com.dylibso.chicory.wasm.WasmModule preemptibleModule, ChicoryCompiler.Compiled preemptible) {
        this.preemptibleModule = preemptibleModule;
        this.preemptible = preemptible;
        this.fuelGlobal = fuelGlobal;
        this.definedGlobals = definedGlobals;
        this.id = Objects.requireNonNull(id);
        this.bytes = bytes;
        this.chicoryModule = chicoryModule;
        this.engine = engine;
        this.meteredCode = new FutureTask<>(meteredCode::get);
        if (preemptible == null) {
            this.meteredCode.run(); // the only form: compiled now
        }

        var exportSection = chicoryModule.exportSection();
        Map<String, ExternalType> ex = new LinkedHashMap<>();
        List<String> fns = new ArrayList<>();
        for (int i = 0; i < exportSection.exportCount(); i++) {
            Export e = exportSection.getExport(i);
            ex.put(e.name(), e.exportType());
            if (e.exportType() == ExternalType.FUNCTION) {
                fns.add(e.name());
            }
        }
        this.exports = Collections.unmodifiableMap(ex);
        this.exportedFunctions = List.copyOf(fns);

        var importSection = chicoryModule.importSection();
        List<Import> im = new ArrayList<>();
        Map<String, Set<String>> byModule = new HashMap<>();
        int importedFunctions = 0;
        for (int i = 0; i < importSection.importCount(); i++) {
            var imp = importSection.getImport(i);
            if (imp.importType() == ExternalType.FUNCTION) {
                importedFunctions++;
                byModule.computeIfAbsent(imp.module(), m -> new HashSet<>()).add(imp.name());
            }
            im.add(new Import(imp.module(), imp.name(), describe(imp)));
        }
        this.imports = List.copyOf(im);
        Map<String, Set<String>> frozen = new HashMap<>();
        byModule.forEach((m, names) -> frozen.put(m, Set.copyOf(names)));
        this.importedFunctions = Map.copyOf(frozen);
        this.importedFunctionCount = importedFunctions;

        NameCustomSection names = chicoryModule.nameSection();
        Map<Integer, String> fnNames = new TreeMap<>();
        if (names != null) {
            int total = importedFunctions + chicoryModule.functionSection().functionCount();
            for (int i = 0; i < total; i++) {
                String n = names.nameOfFunction(i);
                if (n != null) {
                    fnNames.put(i, n);
                }
            }
            this.moduleName = names.moduleName();
        } else {
            this.moduleName = Optional.empty();
        }
        this.functionNames = Collections.unmodifiableMap(fnNames);
    }

    /** The SHA-256 of the module's bytes, 64 lower-case hex digits. Equal bytes, equal id. */
    public String id() {
        return id;
    }

    /** The module's size in bytes. */
    public int size() {
        return bytes.length;
    }

    /** A copy of the module's bytes (to ship it to another node, for instance). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public Engine engine() {
        return engine;
    }

    /**
     * The bytes of each data segment, read once: Chicory's {@code DataSegment.data()} copies them
     * on every call, and instantiating would pay that per process.
     */
    byte[][] segmentData() {
        byte[][] data = segmentData;
        if (data == null) {
            com.dylibso.chicory.wasm.types.DataSection section = chicoryModule.dataSection();
            com.dylibso.chicory.wasm.types.DataSegment[] segments = section == null
                    ? new com.dylibso.chicory.wasm.types.DataSegment[0] : section.dataSegments();
            data = new byte[segments.length][];
            for (int i = 0; i < segments.length; i++) {
                data[i] = segments[i].data();
            }
            segmentData = data;
        }
        return data;
    }

    private volatile byte[][] segmentData;

    /**
     * Chicory's parsed and validated module in the form that counts fuel when the module counts
     * fuel (processes with a max fuel run it; so do all processes when the module is not
     * {@link #preemptible()}); share it, never mutate it.
     */
    com.dylibso.chicory.wasm.WasmModule chicoryModule() {
        return chicoryModule;
    }

    /**
     * The machine factory every instance of {@link #chicoryModule()} must use: the compiled code for
     * {@link Engine#COMPILER} (compiled once: when the module was loaded, or for a preemptible
     * module when first asked), Chicory's interpreter for {@link Engine#INTERPRETER}.
     *
     * @throws IllegalStateException if the fuel-counting form cannot be compiled (Chicory's
     *     compiler failed on something other than a function too large for the JVM, which runs
     *     in the interpreter)
     */
    Function<Instance, Machine> machineFactory() {
        return meteredCode().factory();
    }

    /** The fuel-counting form's code, compiled by this thread now if no other thread does already. */
    private ChicoryCompiler.Compiled meteredCode() {
        meteredCode.run(); // does nothing if it ran or runs on another thread
        try {
            return meteredCode.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the fuel-counting form was compiled", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Compiles the fuel-counting form now, unless it is compiled already, so that processes with a
     * fuel limit run compiled code from the first one on. Without this call the first such process
     * starts its compilation in the background and runs in Chicory's interpreter (the same
     * counting, slower), as every one does until the compiled form is ready. A no-op for the
     * interpreter engine and for modules that count no fuel.
     *
     * @throws IllegalStateException if the fuel-counting form cannot be compiled
     */
    public void compileFuelCountingForm() {
        if (engine == Engine.COMPILER && countsFuel()) {
            meteredCode();
        }
    }

    /**
     * Is the fuel-counting form's code ready? If not, starts compiling it on a background thread
     * (once), so that a process with a fuel limit need not wait seconds for a large module.
     */
    boolean fuelCountingFormReady() {
        if (meteredCode.isDone()) {
            return true;
        }
        if (meteredCompileStarted.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon(true).name("weft-compile-fuel-form").start(meteredCode);
        }
        return false;
    }

    /**
     * The functions (by index in the function index space) that the compiler left to Chicory's
     * interpreter, too large for the JVM, in the form that processes without a fuel limit run: the
     * module as given when {@link #preemptible()}, else the fuel-counting form. Empty for the
     * interpreter engine, which compiles nothing.
     */
    Set<Integer> interpretedFunctions() {
        return preemptible != null ? preemptible.interpreted() : meteredCode().interpreted();
    }

    /**
     * The same for the fuel-counting form (it may have more: counting makes functions larger),
     * compiling it if it was not yet.
     *
     * @throws IllegalStateException if the fuel-counting form cannot be compiled
     */
    Set<Integer> meteredInterpretedFunctions() {
        return meteredCode().interpreted();
    }

    /**
     * Do processes without a fuel limit run this module as it was given, preempted at the
     * safepoints of its compiled code (every call and loop back-edge) when they keep a carrier for a
     * slice while others wait? True for compiled modules of a loader that counts fuel, when Weft's
     * carriers are in use; then only processes with a max fuel count fuel. Otherwise every process
     * counts fuel (and yields every slice of it).
     */
    public boolean preemptible() {
        return preemptible != null;
    }

    /** The module as given, for processes without a fuel limit; only when {@link #preemptible()}. */
    com.dylibso.chicory.wasm.WasmModule preemptibleModule() {
        return preemptibleModule;
    }

    /**
     * A fresh Chicory instance builder for this module, with its machine factory already set: the
     * preemptible form when the module is {@link #preemptible()}, else the fuel-counting one (its
     * instances give up their carrier every slice), else the module as it is. Instances stop when
     * their thread is interrupted, functions left to Chicory's interpreter included. A process gets
     * its own fuel accounting from {@link WasmProcess}.
     */
    Instance.Builder instanceBuilder() {
        if (preemptible()) {
            return withInterpretedSafepoints(Instance.builder(preemptibleModule)
                    .withMachineFactory(preemptible.factory()));
        }
        return meteredInstanceBuilder();
    }

    /**
     * The safepoints of the functions the compiler left to the interpreter; compiled code never
     * calls the listener, so it costs nothing where no function was left.
     */
    private Instance.Builder withInterpretedSafepoints(Instance.Builder b) {
        return engine == Engine.COMPILER ? b.withUnsafeExecutionListener(InterpretedSafepoints.LISTENER) : b;
    }

    /**
     * An instance builder for the fuel-counting form (or the module as it is, if it counts no
     * fuel), yielding every slice; a process sets its own global factory to account for its fuel.
     *
     * @throws IllegalStateException if the fuel-counting form cannot be compiled
     */
    Instance.Builder meteredInstanceBuilder() {
        return meteredInstanceBuilder(machineFactory());
    }

    /**
     * The same, without waiting for the fuel-counting form to be compiled: until it is
     * ({@link #fuelCountingFormReady()}), the instance runs in Chicory's interpreter, counting the
     * same fuel, made by {@code interpreter}.
     */
    Instance.Builder meteredInstanceBuilderNow(Function<Instance, Machine> interpreter) {
        if (engine == Engine.COMPILER && !fuelCountingFormReady()) {
            // as on the interpreter engine: the counting yields every slice and sees kills, no listener
            return meteredInstanceBuilder(Instance.builder(chicoryModule).withMachineFactory(interpreter));
        }
        return meteredInstanceBuilder();
    }

    private Instance.Builder meteredInstanceBuilder(Function<Instance, Machine> factory) {
        return meteredInstanceBuilder(withInterpretedSafepoints(Instance.builder(chicoryModule).withMachineFactory(factory)));
    }

    private Instance.Builder meteredInstanceBuilder(Instance.Builder b) {
        if (countsFuel()) {
            b.withGlobalFactory(fuelGlobals(FuelCounter.YIELD_ONLY));
        }
        return b;
    }

    /** Does this module count fuel (was it rewritten to, when it was loaded)? */
    public boolean countsFuel() {
        return fuelGlobal >= 0;
    }

    /** The fuel counter's global index in {@link #chicoryModule()}, or -1 if the module counts no fuel. */
    int fuelGlobal() {
        return fuelGlobal;
    }

    /**
     * A global factory for one instantiation ({@link Instance.Builder#withGlobalFactory}) of a
     * module that counts fuel: when the counter is empty it calls {@code refuel} with what is left
     * (zero or less) and sets the counter to what that returns (give it one slice, less the
     * overdraft); {@code refuel} may throw to stop the guest. {@link WasmProcess} does this for its
     * processes.
     */
    GlobalFactory fuelGlobals(java.util.function.LongUnaryOperator refuel) {
        Objects.requireNonNull(refuel, "refuel");
        if (!countsFuel()) {
            throw new IllegalStateException("this module counts no fuel");
        }
        FuelCounter.Refueler r = refuel instanceof FuelCounter.Refueler own ? own : refuel::applyAsLong;
        return FuelCounter.factory(definedGlobals, r);
    }

    /** Does the module export something (a function, memory, table, global or tag) under this name? */
    public boolean hasExport(String name) {
        return exports.containsKey(name);
    }

    /** Does the module export a function under this name? */
    public boolean hasFunctionExport(String name) {
        return exports.get(name) == ExternalType.FUNCTION;
    }

    /** Every export name, in the module's order. */
    public List<String> exportNames() {
        return List.copyOf(exports.keySet());
    }

    /** The names of the exported functions, in the module's order. */
    public List<String> exportedFunctions() {
        return exportedFunctions;
    }

    /** Does the module import a function {@code module::name}? */
    public boolean importsFunction(String module, String name) {
        Set<String> names = importedFunctions.get(module);
        return names != null && names.contains(name);
    }

    /** The imports, in the module's order. */
    public List<Import> imports() {
        return imports;
    }

    /** The module's name from its name section, if it has one. */
    public Optional<String> moduleName() {
        return moduleName;
    }

    /**
     * The name of a function (by its index in the function index space: imports first) from the
     * module's name section; empty when the module has no name section or no name for it.
     */
    public Optional<String> functionName(int functionIndex) {
        return Optional.ofNullable(functionNames.get(functionIndex));
    }

    /** Function index to name, for every function the name section names (empty without one). */
    public Map<Integer, String> functionNames() {
        return functionNames;
    }

    /** How many of the module's functions are imported (they come first in the index space). */
    public int importedFunctionCount() {
        return importedFunctionCount;
    }

    @Override
    public String toString() {
        return "WasmModule[" + id.substring(0, 12) + ", " + bytes.length + " bytes, " + engine + "]";
    }

    static ChicoryCompiler.Compiled interpreter() {
        return new ChicoryCompiler.Compiled(InterpreterMachine::new, Set.of());
    }

    private String describe(com.dylibso.chicory.wasm.types.Import imp) {
        if (imp instanceof FunctionImport f) {
            return "func" + signature(chicoryModule.typeSection().getType(f.typeIndex()));
        } else if (imp instanceof MemoryImport m) {
            MemoryLimits l = m.limits();
            return "memory " + l.initialPages()
                    + (l.maximumPages() != MemoryLimits.MAX_PAGES ? " " + l.maximumPages() : "")
                    + (l.shared() ? " shared" : "");
        } else if (imp instanceof TableImport t) {
            TableLimits l = t.limits();
            return "table " + l.min() + (l.max() != TableLimits.LIMIT_MAX ? " " + l.max() : "") + " "
                    + typeName(t.entryType());
        } else if (imp instanceof GlobalImport g) {
            String type = typeName(g.type());
            return "global " + (g.mutabilityType() == MutabilityType.Var ? "(mut " + type + ")" : type);
        } else if (imp instanceof TagImport t) {
            return "tag" + signature(chicoryModule.typeSection().getType(t.tagType().typeIdx()));
        }
        return imp.importType().name().toLowerCase(java.util.Locale.ROOT);
    }

    static String signature(FunctionType type) {
        StringBuilder sb = new StringBuilder();
        if (!type.params().isEmpty()) {
            sb.append(" (param");
            type.params().forEach(p -> sb.append(' ').append(typeName(p)));
            sb.append(')');
        }
        if (!type.returns().isEmpty()) {
            sb.append(" (result");
            type.returns().forEach(p -> sb.append(' ').append(typeName(p)));
            sb.append(')');
        }
        return sb.toString();
    }

    static String typeName(ValType t) {
        if (t.equals(ValType.I32)) return "i32";
        if (t.equals(ValType.I64)) return "i64";
        if (t.equals(ValType.F32)) return "f32";
        if (t.equals(ValType.F64)) return "f64";
        if (t.equals(ValType.V128)) return "v128";
        if (t.equals(ValType.FuncRef)) return "funcref";
        if (t.equals(ValType.ExternRef)) return "externref";
        return t.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
