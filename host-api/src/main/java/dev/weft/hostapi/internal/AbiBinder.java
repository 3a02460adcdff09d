package dev.weft.hostapi.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import dev.weft.hostapi.LunaticAbi;
import dev.weft.hostapi.WeftAbi;
import dev.weft.hostapi.internal.abi.LunaticDistributedAbi;
import dev.weft.hostapi.internal.abi.LunaticErrorAbi;
import dev.weft.hostapi.internal.abi.LunaticMessageAbi;
import dev.weft.hostapi.internal.abi.LunaticMetricsAbi;
import dev.weft.hostapi.internal.abi.LunaticNetworkingAbi;
import dev.weft.hostapi.internal.abi.LunaticProcessAbi;
import dev.weft.hostapi.internal.abi.LunaticRegistryAbi;
import dev.weft.hostapi.internal.abi.LunaticSqliteAbi;
import dev.weft.hostapi.internal.abi.LunaticTimerAbi;
import dev.weft.hostapi.internal.abi.LunaticTrapAbi;
import dev.weft.hostapi.internal.abi.LunaticVersionAbi;
import dev.weft.hostapi.internal.abi.LunaticWasiAbi;
import dev.weft.hostapi.internal.abi.WeftSupervisorAbi;
import dev.weft.process.wasm.WasmModule;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Binds the ABI functions a module imports to one process: which class implements each ABI module
 * ({@link #BINDINGS}), and the host functions of a process made from them. A spawn makes one object
 * per ABI module the module imports from (e.g. one {@link MessageFunctions}) and one handle per
 * function it imports; nothing for the rest of the ABI, and no reflection (that runs once, to learn
 * which functions are implemented).
 */
public final class AbiBinder {

    /** An ABI module, the class of its functions, and how to make them for a process. */
    private record Binding<T>(String module, Class<T> abi, Class<? extends T> implementation,
            Function<GuestProcess, ? extends T> create, BiFunction<T, String, WasmFunctionHandle> handle) {

        WasmFunctionHandle handle(Object functions, String name) {
            return handle.apply(abi.cast(functions), name);
        }
    }

    private static final LunaticNetworkingAbi NO_NETWORKING = new LunaticNetworkingAbi() {};
    private static final LunaticSqliteAbi NO_SQLITE = new LunaticSqliteAbi() {};

    private static final List<Binding<?>> BINDINGS = List.of(
            new Binding<>(LunaticProcessAbi.MODULE, LunaticProcessAbi.class, ProcessFunctions.class,
                    ProcessFunctions::new, LunaticProcessAbi::handle),
            new Binding<>(LunaticMessageAbi.MODULE, LunaticMessageAbi.class, MessageFunctions.class,
                    MessageFunctions::new, LunaticMessageAbi::handle),
            new Binding<>(LunaticRegistryAbi.MODULE, LunaticRegistryAbi.class, RegistryFunctions.class,
                    RegistryFunctions::new, LunaticRegistryAbi::handle),
            new Binding<>(LunaticTimerAbi.MODULE, LunaticTimerAbi.class, TimerFunctions.class,
                    TimerFunctions::new, LunaticTimerAbi::handle),
            new Binding<>(LunaticErrorAbi.MODULE, LunaticErrorAbi.class, ErrorFunctions.class,
                    ErrorFunctions::new, LunaticErrorAbi::handle),
            new Binding<>(LunaticTrapAbi.MODULE, LunaticTrapAbi.class, TrapCatch.class,
                    p -> TrapCatch.INSTANCE, LunaticTrapAbi::handle),
            new Binding<>(LunaticVersionAbi.MODULE, LunaticVersionAbi.class, VersionFunctions.class,
                    p -> VersionFunctions.INSTANCE, LunaticVersionAbi::handle),
            new Binding<>(LunaticWasiAbi.MODULE, LunaticWasiAbi.class, WasiFunctions.class,
                    WasiFunctions::new, LunaticWasiAbi::handle),
            new Binding<>(LunaticMetricsAbi.MODULE, LunaticMetricsAbi.class, GuestMetrics.class,
                    p -> p.node.metrics(), LunaticMetricsAbi::handle), // one per node, shared
            new Binding<>(LunaticDistributedAbi.MODULE, LunaticDistributedAbi.class, DistributedFunctions.class,
                    DistributedFunctions::new, LunaticDistributedAbi::handle),
            new Binding<>(LunaticNetworkingAbi.MODULE, LunaticNetworkingAbi.class, NO_NETWORKING.getClass(),
                    p -> NO_NETWORKING, LunaticNetworkingAbi::handle),
            new Binding<>(LunaticSqliteAbi.MODULE, LunaticSqliteAbi.class, NO_SQLITE.getClass(),
                    p -> NO_SQLITE, LunaticSqliteAbi::handle),
            new Binding<>(WeftSupervisorAbi.MODULE, WeftSupervisorAbi.class, SupervisorFunctions.class,
                    SupervisorFunctions::new, WeftSupervisorAbi::handle));

    /** Lunatic's functions, then Weft's. */
    public static final List<LunaticAbi.Function> ABI;
    /** The qualified names of the functions that do something (the others trap as not implemented). */
    private static final Set<String> IMPLEMENTED;

    static {
        List<LunaticAbi.Function> abi = new ArrayList<>(LunaticAbi.functions());
        abi.addAll(WeftAbi.functions());
        ABI = List.copyOf(abi);
        Set<String> implemented = new HashSet<>();
        for (LunaticAbi.Function f : ABI) {
            if (overrides(binding(f.module()), f.name())) {
                implemented.add(f.qualifiedName());
            }
        }
        IMPLEMENTED = Set.copyOf(implemented);
    }

    private AbiBinder() {}

    /** True if {@code module::name} does something (rather than trap as not implemented). */
    public static boolean isImplemented(String module, String name) {
        return IMPLEMENTED.contains(module + "::" + name);
    }

    /** The functions of one ABI module that a Wasm module imports. */
    private record Group(Binding<?> binding, List<LunaticAbi.Function> functions) {}

    /** The ABI functions one Wasm module imports, by ABI module, and whether it imports WASI. */
    public static final class ModuleImports {

        /** Every ABI function. */
        static final ModuleImports ALL = new ModuleImports(groups(f -> true), false);

        private final List<Group> groups;
        private final boolean wasi;

        private ModuleImports(List<Group> groups, boolean wasi) {
            this.groups = groups;
            this.wasi = wasi;
        }

        /** What {@code module} imports (worth computing once per module: a host caches it). */
        public static ModuleImports of(WasmModule module) {
            boolean wasi = module.imports().stream().anyMatch(i -> i.module().equals("wasi_snapshot_preview1"));
            return new ModuleImports(groups(f -> module.importsFunction(f.module(), f.name())), wasi);
        }

        /** True if the module imports WASI preview 1. */
        public boolean wasi() {
            return wasi;
        }

        private static List<Group> groups(Predicate<LunaticAbi.Function> imported) {
            Map<String, List<LunaticAbi.Function>> byModule = new LinkedHashMap<>();
            for (LunaticAbi.Function f : ABI) {
                if (imported.test(f)) {
                    byModule.computeIfAbsent(f.module(), m -> new ArrayList<>()).add(f);
                }
            }
            List<Group> groups = new ArrayList<>();
            byModule.forEach((m, fs) -> groups.add(new Group(binding(m), List.copyOf(fs))));
            return List.copyOf(groups);
        }
    }

    /**
     * Adds to {@code out} the host functions {@code imports} names, bound to {@code process}: for
     * each ABI module one object of its class, and for each function one handle.
     */
    public static void bind(GuestProcess process, ModuleImports imports, List<ImportFunction> out) {
        for (Group group : imports.groups) {
            Binding<?> binding = group.binding();
            Object functions = binding.create().apply(process);
            for (LunaticAbi.Function f : group.functions()) {
                out.add(new HostFunction(f.module(), f.name(), f.type(), binding.handle(functions, f.name())));
            }
        }
    }

    /** Every ABI function (Lunatic's, then Weft's), bound to {@code process}. */
    public static List<ImportFunction> all(GuestProcess process) {
        List<ImportFunction> out = new ArrayList<>(ABI.size());
        bind(process, ModuleImports.ALL, out);
        return out;
    }

    private static Binding<?> binding(String module) {
        for (Binding<?> b : BINDINGS) {
            if (b.module().equals(module)) {
                return b;
            }
        }
        throw new IllegalStateException("no class for the ABI module " + module);
    }

    /** True if the binding's class overrides the default ("not implemented yet") method of {@code name}. */
    private static boolean overrides(Binding<?> binding, String name) {
        String method = javaName(name);
        for (Method m : binding.abi().getDeclaredMethods()) {
            if (m.isDefault() && m.getName().equals(method)) {
                try {
                    return !binding.implementation().getMethod(method, m.getParameterTypes()).isDefault();
                } catch (NoSuchMethodException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
        throw new IllegalStateException(binding.abi().getName() + " has no method " + method + " for " + name);
    }

    /** The Java name of an ABI function, as host-api/tools/gen-abi-java.py makes it: camelCase, "catch_". */
    private static String javaName(String abiName) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : abiName.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        String name = sb.toString();
        return name.equals("catch") ? "catch_" : name;
    }
}
