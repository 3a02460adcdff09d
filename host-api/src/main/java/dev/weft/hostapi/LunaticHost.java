package dev.weft.hostapi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import dev.weft.scheduler.TimerRef;
import dev.weft.hostapi.internal.GuestMetrics;
import dev.weft.hostapi.internal.SupervisorFunctions;
import dev.weft.hostapi.internal.TrapCatch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import dev.weft.hostapi.internal.GuestMemory;

import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

/**
 * Lunatic's host ABI ({@code lunatic::*}, v0.13.2) on Chicory: the host of one node's Wasm
 * processes. {@link #processBody} makes the body of a process running an export of a module with a
 * {@link WasmConfig}: WASI preview 1 from the config, and all 140 functions of {@link LunaticAbi}
 * with their exact signatures, so any Lunatic guest links. Implemented with Lunatic's semantics:
 *
 * <ul>
 *   <li>{@code lunatic::message}: data messages built in the per-process scratch message
 *       ({@code create_data}, {@code write_data}, {@code read_data}, {@code seek_data},
 *       {@code get_tag}, {@code get_process_id}, {@code data_size}), {@code send},
 *       {@code send_receive_skip_search} and {@code receive} (selective by a tag array, timeouts in
 *       ms with {@code u64::MAX} = none, codes 0 data / 1 link died / 2 process died / 9027 timeout);
 *       modules travel in messages ({@code push_module}, {@code take_module}); TCP, TLS and UDP
 *       resources do not (networking is not implemented), their {@code push_*} and {@code take_*}
 *       trap;
 *   <li>{@code lunatic::process}: {@code process_id}, {@code environment_id}, {@code sleep_ms},
 *       {@code die_when_link_dies}, {@code link}, {@code unlink}, {@code monitor},
 *       {@code stop_monitoring}, {@code kill}, {@code exists};
 *   <li>configs: {@code create_config} (every permission denied, no fuel limit, 4 GiB; -1 without
 *       the permission), {@code drop_config}, the getters and setters of max memory, max fuel and
 *       the three permissions, and {@code lunatic::wasi}'s {@code config_add_environment_variable},
 *       {@code config_add_command_line_argument}, {@code config_preopen_dir};
 *   <li>{@code compile_module} (through the node's {@link ModuleLoader}: cached by content; 1 with
 *       an error id for bytes that are not a valid module, -1 without the permission) and
 *       {@code drop_module};
 *   <li>{@code spawn} and {@code get_or_spawn} with a config and module id ({@code -1}: the caller's
 *       own), the 17-byte parameter records (i32, i64; v128 traps as unsupported), linked with the
 *       given tag if {@code link != 0} (the link exists before any child code runs, as in Lunatic);
 *       an unknown export or arguments that do not fit its signature return 1 with an error id. A
 *       process whose config does not allow spawning traps. {@code get_or_spawn} returns 2 with the
 *       holder if the name is registered, else spawns and registers the child (0). Lunatic holds
 *       the registry's write lock; Weft gets the same outcome without it: the child registers itself
 *       before any guest code runs, and if another process took the name first, that child ends
 *       without running and the caller gets the winner (2);
 *   <li>{@code lunatic::registry} ({@code put}, {@code get}, {@code remove}) on the node's registry
 *       (see {@link ProcessContext#register}). Names are UTF-8; {@code put} overwrites, as in Lunatic;
 *   <li>{@code lunatic::distributed} with the answers of a node that is alone: {@code node_id} (the
 *       node's id), {@code nodes_count} (1), {@code get_nodes} (this node), {@code module_id} (a
 *       node-wide id per module, {@link #moduleId}); {@code spawn}, {@code send} and
 *       {@code send_receive_skip_search} work on this node; {@code spawn} to another node returns 1
 *       (node not found), {@code send} to another node traps;
 *   <li>{@code lunatic::timer} ({@code send_after}, {@code cancel_timer}), {@code lunatic::version},
 *       {@code lunatic::error} (the per-process error table);
 *   <li>{@code lunatic::trap::catch} (see {@link dev.weft.hostapi.internal.TrapCatch}) and
 *       {@code lunatic::metrics} onto the node's Micrometer registry as {@code weft.guest.<name>}
 *       meters (see {@link dev.weft.hostapi.internal.GuestMetrics}).
 * </ul>
 *
 * Weft adds {@code weft::supervisor} ({@link WeftAbi}, {@code host-api/WEFT-ABI.md}): OTP
 * supervisors of Wasm processes, built and run by guests.
 *
 * Every other function traps the calling process with
 * {@code "lunatic::<module>::<name> is not implemented yet"}.
 *
 * <p>Where Weft fixes Lunatic's defects: a config never grants a child more than its creator holds
 * (the smaller memory cap and fuel limit, each permission only if the creator has it, and only
 * directories inside the creator's: {@link WasmConfig#limitedBy}); a name in the registry is freed
 * when its process ends, so {@code get} never answers a dead process, and {@code put} of a pid that
 * is not alive only removes the name.
 *
 * <p>Guest process ids are the {@link Pid#serial() serials} of pids of this node: the guest's
 * {@code u64} id {@code n} is {@code new Pid(self.node(), n)}. Messages a guest sends carry a
 * {@link DataMessage} payload and the guest's tag as the mailbox tag; a guest receives
 * {@link DataMessage}s and {@code byte[]} payloads as data, a trapped exit signal
 * ({@link ExitMessage}) from a failed link as "link died" (tag = the link's tag), a
 * {@link DownMessage} as "process died" (no tag, {@code get_process_id} = the dead pid). As in
 * Lunatic, exit messages for links that ended normally are dropped; payloads of other Java types
 * mean nothing to a guest and are dropped too.
 *
 * <p>Where Weft differs from Lunatic: {@code environment_id} returns the node id;
 * {@code send_receive_skip_search} waits for the first message with the reply tag, already queued or
 * newly arriving (Weft's mailbox has no skip-search; with fresh reply tags, as lunatic-rs uses them,
 * this is the same); {@code kill} is Erlang's untrappable {@code exit(pid, kill)} (the target exits
 * with {@code killed}); a guest's timeouts and sleeps above about 146 years count as none.
 * The config's fuel limit ({@link WasmConfig#maxFuel()}) is enforced: a process that uses it up
 * ends with {@code out of fuel}.
 *
 * <p>Bad input from the guest (a pointer or length outside its memory, invalid UTF-8, an unknown
 * resource id, no scratch message) traps the calling process with a {@link WasmRuntimeException}
 * whose message starts with the host function's name, e.g. {@code "lunatic::message::write_data:
 * pointer 0x10000 + length 8 is outside the guest's memory of 65536 bytes"}; other processes are not
 * affected.
 *
 * <p>Thread-safe: one per node, shared by its processes; each process has its own resource tables.
 */
public final class LunaticHost {

    /** The return code of a receive that timed out. */
    public static final int TIMEOUT = 9027;
    /** {@code receive}'s code for a data message. */
    public static final int DATA = 0;
    /** {@code receive}'s code for a link that failed while this process traps exits. */
    public static final int LINK_DIED = 1;
    /** {@code receive}'s code for a monitored process that ended. */
    public static final int PROCESS_DIED = 2;

    /** The Lunatic version this host implements: v0.13.2. */
    public static final int VERSION_MAJOR = 0;
    public static final int VERSION_MINOR = 13;
    public static final int VERSION_PATCH = 2;

    private final ModuleLoader moduleLoader;
    private final Function<ProcessContext, List<ImportFunction>> otherImports;
    private final Map<Long, WasmModule> modulesById = new ConcurrentHashMap<>();
    private final Map<WasmModule, Long> moduleIds = new ConcurrentHashMap<>();
    private final AtomicLong nextModuleId = new AtomicLong(1);
    /** Per module: the ABI functions it imports, and whether it imports WASI (spawning binds only those). */
    private final Map<WasmModule, ModuleImports> moduleImports = new ConcurrentHashMap<>();

    private record ModuleImports(List<LunaticAbi.Function> abi, java.util.Set<String> names,
            java.util.Set<String> hostModules, boolean wasi) {
        static ModuleImports of(WasmModule module) {
            List<LunaticAbi.Function> abi = new ArrayList<>();
            java.util.Set<String> names = new java.util.HashSet<>();
            java.util.Set<String> hostModules = new java.util.HashSet<>();
            for (LunaticAbi.Function f : ABI) {
                if (module.importsFunction(f.module(), f.name())) {
                    abi.add(f);
                    names.add(f.qualifiedName());
                    hostModules.add(f.module());
                }
            }
            boolean wasi = module.imports().stream().anyMatch(i -> i.module().equals("wasi_snapshot_preview1"));
            return new ModuleImports(List.copyOf(abi), java.util.Set.copyOf(names), java.util.Set.copyOf(hostModules),
                    wasi);
        }
    }
    private final GuestMetrics guestMetrics; // lunatic::metrics of this node's guests

    private final java.util.function.Consumer<String> crashReports; // null: none

    private LunaticHost(Builder b) {
        this.crashReports = b.crashReports;
        this.moduleLoader = b.moduleLoader;
        this.otherImports = b.otherImports;
        this.guestMetrics = new GuestMetrics(b.meterRegistry);
    }

    /** A builder of the host of one node. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LunaticHost}. Not thread-safe. */
    public static final class Builder {
        private ModuleLoader moduleLoader;
        private Function<ProcessContext, List<ImportFunction>> otherImports = ctx -> List.of();
        private MeterRegistry meterRegistry;
        private java.util.function.Consumer<String> crashReports;

        private Builder() {}

        /**
         * Where the guests' {@code lunatic::metrics} go, as {@code weft.guest.<name>} meters (see
         * {@link GuestMetrics}; default: an in-memory registry of this host). A node passes its registry.
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Where {@code lunatic::process::compile_module} loads modules (default: a loader of its own
         * with the compiler engine). A node passes its module cache.
         */
        public Builder moduleLoader(ModuleLoader loader) {
            this.moduleLoader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /**
         * More host functions per process (for example {@code weft::*}), made from each process's
         * context before WASI and the {@code lunatic::*} ones.
         */
        public Builder otherImports(Function<ProcessContext, List<ImportFunction>> otherImports) {
            this.otherImports = Objects.requireNonNull(otherImports, "otherImports");
            return this;
        }

        /**
         * Where to report a Wasm process that fails by itself (a trap, a host-function failure, a
         * non-zero exit code), one line each, e.g. {@code "process 7 (worker) failed: trap:
         * unreachable in crash"}, as Erlang's error logger reports crashes. Processes that die
         * because a linked process failed are not reported again, nor are {@code _start} and
         * Lunatic test functions (their runner reports those). Default: no reports.
         */
        public Builder crashReports(java.util.function.Consumer<String> crashReports) {
            this.crashReports = Objects.requireNonNull(crashReports, "crashReports");
            return this;
        }

        public LunaticHost build() {
            if (moduleLoader == null) {
                moduleLoader = new ModuleLoader();
            }
            if (meterRegistry == null) {
                meterRegistry = new SimpleMeterRegistry();
            }
            return new LunaticHost(this);
        }
    }

    /**
     * The body of a Wasm process running {@code export} of {@code module} with {@code args} (an
     * {@link Integer} per i32 parameter, a {@link Long} per i64, a {@link Float} per f32, a
     * {@link Double} per f64) and {@code config}: at most {@code config.maxMemoryPages()} pages of
     * memory, WASI preview 1 made from the config if it has WASI (closed when the process ends), and
     * the 140 {@code lunatic::*} functions. The processes it spawns get the same, with the module and
     * config the guest names.
     *
     * @throws IllegalArgumentException if {@code export} is not a function export of the module or
     *     the arguments do not fit its signature
     */
    public ProcessBody processBody(WasmModule module, WasmConfig config, String export, Object... args) {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(export, "export");
        Object[] arguments = args.clone();
        if (!config.wasi() || !moduleImports.computeIfAbsent(module, ModuleImports::of).wasi()) {
            // no WASI to open and close: one body, checked now (export and arguments)
            return builder(module, config, export, arguments)
                    .hostFunctions(c -> ImportValues.builder().withFunctions(functions(c, module, config, null)).build())
                    .build();
        }
        builder(module, config, export, arguments).build(); // checks export and args now
        // each run gets its own WASI to close: a supervisor may run the same body again
        return ctx -> {
            OpenedWasi wasi = new OpenedWasi();
            try {
                builder(module, config, export, arguments)
                        .hostFunctions(c -> ImportValues.builder().withFunctions(functions(c, module, config, wasi)).build())
                        .build()
                        .run(ctx);
            } finally {
                wasi.close();
            }
        };
    }

    /**
     * A process of {@code export} with the config's limits; with crash reports, it reports its own
     * failure (not a kill, not a failed link: {@link WasmProcess.Builder#onFailure}).
     */
    private WasmProcess.Builder builder(WasmModule module, WasmConfig config, String export, Object[] arguments) {
        WasmProcess.Builder b = WasmProcess.builder(module, export).args(arguments)
                .maxMemoryPages(config.maxMemoryPages()).maxFuel(config.maxFuel())
                .maxTableElements(config.maxTableElements());
        if (crashReports != null && !export.equals("_start") && !export.startsWith("#lunatic_test_")) {
            b.onFailure((ctx, reason) -> crashReports.accept("process " + ctx.self().serial() + " (" + export
                    + ") failed: " + reason.describe()));
        }
        return b;
    }

    /** The WASI of one process, closed (its open files with it) when the process ends. */
    private static final class OpenedWasi {
        private WasiPreview1 wasi;

        void close() {
            if (wasi != null) {
                wasi.close();
            }
        }
    }

    /** The other functions, WASI (if the config has it) and the 140 {@code lunatic::*} functions of one process. */
    private List<ImportFunction> functions(ProcessContext ctx, WasmModule module, WasmConfig config, OpenedWasi opened) {
        // only what the module imports: a spawn pays for the ten functions a guest uses, not 156
        ModuleImports imports = moduleImports.computeIfAbsent(module, ModuleImports::of);
        List<ImportFunction> functions = new ArrayList<>(otherImports.apply(ctx));
        if (config.wasi() && imports.wasi() && opened != null) {
            opened.wasi = WasiPreview1.builder().withOptions(Wasi.options(config)).build();
            functions.addAll(Wasi.functions(opened.wasi, config));
        }
        functions.addAll(lunaticFunctions(new State(ctx, this, module, config), imports));
        return functions;
    }

    /**
     * The node-wide id of {@code module} for {@code lunatic::distributed::module_id} and
     * {@code lunatic::distributed::spawn}: the same module always gets the same id.
     */
    public long moduleId(WasmModule module) {
        return moduleIds.computeIfAbsent(module, m -> {
            long id = nextModuleId.getAndIncrement();
            modulesById.put(id, m);
            return id;
        });
    }

    /**
     * The import values of one process: all 140 {@code lunatic::*} functions, bound to {@code ctx},
     * without a module or config: {@code spawn}, {@code compile_module} and the other functions that
     * need them trap as unavailable. For guests that spawn, use {@link #processBody}.
     */
    public static ImportValues importValues(ProcessContext ctx) {
        return ImportValues.builder().withFunctions(functions(ctx)).build();
    }

    /**
     * The 140 {@code lunatic::*} host functions of one process, then Weft's {@code weft::*} ones
     * ({@link WeftAbi}), bound to {@code ctx} (see {@link #importValues}).
     */
    public static List<ImportFunction> functions(ProcessContext ctx) {
        return lunaticFunctions(new State(Objects.requireNonNull(ctx, "ctx"), null, null, WasmConfig.defaults()), null);
    }

    /** Lunatic's functions and Weft's ({@link WeftAbi}). */
    private static final List<LunaticAbi.Function> ABI;

    static {
        List<LunaticAbi.Function> abi = new ArrayList<>(LunaticAbi.functions());
        abi.addAll(WeftAbi.functions());
        ABI = List.copyOf(abi);
    }

    /** The host functions of {@code wanted} (a subset of {@link #ABI}), bound to {@code state}. */
    private static List<ImportFunction> lunaticFunctions(State state, ModuleImports imports) {
        List<LunaticAbi.Function> wanted = imports == null ? ABI : imports.abi();
        if (wanted.isEmpty()) {
            return List.of();
        }
        Map<String, WasmFunctionHandle> implemented = imports == null ? state.implementations()
                : state.implementations(imports.hostModules(), imports.names());
        List<ImportFunction> functions = new ArrayList<>(wanted.size());
        for (LunaticAbi.Function f : wanted) {
            WasmFunctionHandle handle = implemented.get(f.qualifiedName());
            if (handle == null) {
                handle = notImplemented(f.qualifiedName());
            }
            functions.add(new HostFunction(f.module(), f.name(), f.type(), handle));
        }
        return functions;
    }

    /** True if {@code lunatic::module::name} does something (rather than trap as not implemented). */
    public static boolean isImplemented(String module, String name) {
        return IMPLEMENTED.contains(module + "::" + name);
    }

    /** The lunatic::metrics of processes without a LunaticHost ({@link #importValues}): an in-memory registry. */
    private static final GuestMetrics UNATTACHED_METRICS = new GuestMetrics(new SimpleMeterRegistry());

    private static final java.util.Set<String> IMPLEMENTED = implementedNames();

    private static java.util.Set<String> implementedNames() {
        java.util.Set<String> names = java.util.Set.copyOf(
                new State(null, null, null, WasmConfig.defaults()).implementations().keySet());
        java.util.Set<String> unknown = new java.util.TreeSet<>(names);
        for (LunaticAbi.Function f : ABI) {
            unknown.remove(f.qualifiedName());
        }
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("implemented but not in lunatic-abi.json or weft-abi.json: " + unknown);
        }
        return names;
    }

    private static WasmFunctionHandle notImplemented(String qualifiedName) {
        String message = qualifiedName + " is not implemented yet";
        return (instance, args) -> {
            throw new WasmRuntimeException(message);
        };
    }

    /** A {@code u64} millisecond timeout: null for none ({@code u64::MAX}, or too long to matter). */
    private static Duration timeout(long millis) {
        if (millis < 0 || millis > Long.MAX_VALUE / 2_000_000L) {
            return null;
        }
        return Duration.ofMillis(millis);
    }

    // ------------------------------------------------------------------ per-process state

    /** The scratch message: the one being built, or the last one received. */
    private static final class Scratch {
        final int kind; // DATA, LINK_DIED, PROCESS_DIED
        final long tag;
        final long processId; // for PROCESS_DIED
        final Object signal; // the ExitMessage / DownMessage, forwarded as is if the guest sends it on
        byte[] buffer;
        int size;
        int cursor;
        boolean shared; // buffer belongs to a received message: copy before writing
        List<Object> resources = List.of(); // pushed (being built) or still to take (received); taken = null

        Scratch(int kind, long tag, long processId, Object signal, byte[] buffer, int size, boolean shared) {
            this.kind = kind;
            this.tag = tag;
            this.processId = processId;
            this.signal = signal;
            this.buffer = buffer;
            this.size = size;
            this.shared = shared;
        }

        void append(byte[] bytes) {
            int needed = size + bytes.length;
            if (needed < 0) {
                throw new OutOfMemoryError("message larger than 2 GiB");
            }
            if (shared || needed > buffer.length) {
                int capacity = Math.max(needed, buffer.length < (1 << 29) ? buffer.length * 2 : needed);
                buffer = Arrays.copyOf(buffer, Math.max(capacity, 16));
                shared = false;
            }
            System.arraycopy(bytes, 0, buffer, size, bytes.length);
            size = needed;
        }

        byte[] bytes() {
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        }
    }

    /**
     * A config a guest made with {@code create_config}: every permission denied, no fuel limit,
     * 4 GiB of memory, no arguments, environment or directories until the guest sets them.
     */
    private static final class GuestConfig {
        long maxMemoryBytes = WasmConfig.MAX_MEMORY_BYTES;
        long maxFuel;
        boolean canCompileModules;
        boolean canCreateConfigs;
        boolean canSpawnProcesses;
        final List<String> args = new ArrayList<>();
        final Map<String, String> env = new LinkedHashMap<>();
        final List<String> dirs = new ArrayList<>();

        /**
         * The config of a child spawned with it by a process holding {@code creator}: never more
         * than the creator holds ({@link WasmConfig#limitedBy}); directories are guest paths of the
         * creator's.
         *
         * @throws IllegalArgumentException if a directory is outside the creator's
         */
        WasmConfig toWasmConfig(WasmConfig creator) {
            WasmConfig.Builder b = WasmConfig.builder()
                    .withMaxMemoryBytes(maxMemoryBytes)
                    .withMaxFuel(maxFuel)
                    .withCanCompileModules(canCompileModules)
                    .withCanCreateConfigs(canCreateConfigs)
                    .withCanSpawnProcesses(canSpawnProcesses)
                    .withArgs(args);
            env.forEach(b::withEnv);
            for (String dir : dirs) {
                java.nio.file.Path host = creator.resolveDirectory(expandHome(dir));
                if (host == null) {
                    throw new IllegalArgumentException("the config preopens '" + dir
                            + "', which is not inside a directory the spawning process can reach");
                }
                b.withDirectory(dir, host);
            }
            return b.build().limitedBy(creator);
        }

        /** Lunatic expands a leading "~" to the home directory. */
        private static String expandHome(String dir) {
            if (dir.equals("~") || dir.startsWith("~/")) {
                return System.getProperty("user.home") + dir.substring(1);
            }
            return dir;
        }
    }

    private static final class State implements SupervisorFunctions.Host {
        private final ProcessContext ctx;
        private Scratch scratch;
        private final Map<Long, String> errors = new HashMap<>();
        private long nextErrorId = 1;
        private final Map<Long, TimerRef> timers = new HashMap<>();
        private long nextTimerId = 1;
        private final Map<Pid, MonitorRef> monitors = new HashMap<>();

        private final Map<Long, WasmModule> modules = new HashMap<>();
        private final Map<Long, GuestConfig> configs = new HashMap<>();
        private long nextResourceId = 1;

        private final LunaticHost host; // null: spawn, compile_module and module_id are not available
        private final WasmModule module; // this process's module (with host)
        private final WasmConfig config; // this process's config

        State(ProcessContext ctx, LunaticHost host, WasmModule module, WasmConfig config) {
            this.ctx = ctx;
            this.host = host;
            this.module = module;
            this.config = config;
        }

        private Pid pid(long id) {
            return new Pid(ctx.self().node(), id);
        }

        Map<String, WasmFunctionHandle> implementations() {
            return implementations(null, null);
        }

        /**
         * The implemented functions of the host modules in {@code modules} (e.g.
         * {@code lunatic::message}; null for all): a process binds only what its module imports.
         */
        Map<String, WasmFunctionHandle> implementations(java.util.Set<String> modules, java.util.Set<String> names) {
            // with names: a map that keeps only those (puts of the others cost nothing but the check)
            Map<String, WasmFunctionHandle> m = names == null ? new HashMap<>(256) : new HashMap<>(32) {
                @Override
                public WasmFunctionHandle put(String key, WasmFunctionHandle value) {
                    return names.contains(key) ? super.put(key, value) : null;
                }
            };
            if (modules == null || modules.contains("lunatic::message")) {
                message(m);
            }
            if (modules == null || modules.contains("lunatic::process")) {
                process(m);
                spawn(m);
                configs(m);
                modules(m);
            }
            if (modules == null || modules.contains("lunatic::timer")) {
                timer(m);
            }
            if (modules == null || modules.contains("lunatic::version")) {
                version(m);
            }
            if (modules == null || modules.contains("lunatic::error")) {
                error(m);
            }
            if (modules == null || modules.contains("lunatic::registry")) {
                registry(m);
            }
            if (modules == null || modules.contains("lunatic::wasi")) {
                wasiConfig(m);
            }
            if (modules == null || modules.contains("lunatic::distributed")) {
                distributed(m);
            }
            if (modules == null || modules.contains("lunatic::trap")) {
                TrapCatch.register(m);
            }
            if (modules == null || modules.contains("weft::supervisor")) {
                new SupervisorFunctions(ctx, this).register(m);
            }
            if (modules == null || modules.contains("lunatic::metrics")) {
                (host != null ? host.guestMetrics : UNATTACHED_METRICS).register(m);
            }
            return m;
        }

        // ---------------------------------------------------------------- lunatic::message

        private Scratch scratch(String function) {
            if (scratch == null) {
                throw trap(function, "no message in the scratch area (create_data or receive first)");
            }
            return scratch;
        }

        private Scratch dataScratch(String function) {
            Scratch s = scratch(function);
            if (s.kind != DATA) {
                throw trap(function, "the message in the scratch area is not a data message");
            }
            return s;
        }

        private void message(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::message::";
            m.put(mod + "create_data", (inst, args) -> {
                long capacity = args[1];
                int initial = capacity <= 0 ? 16 : (int) Math.min(capacity, 1 << 20);
                scratch = new Scratch(DATA, args[0], 0, null, new byte[initial], 0, false);
                return null;
            });
            m.put(mod + "write_data", (inst, args) -> {
                final String fn = mod + "write_data";
                int ptr = (int) args[0];
                long len = Integer.toUnsignedLong((int) args[1]);
                Memory memory = range(inst, fn, ptr, len);
                Scratch s = dataScratch(fn);
                if (s.size + len > config.maxMessageBytes()) {
                    throw trap(fn, "the message would be " + (s.size + len) + " bytes, more than the limit of "
                            + config.maxMessageBytes() + " bytes");
                }
                s.append(memory.readBytes(ptr, (int) len));
                return new long[] {len};
            });
            m.put(mod + "read_data", (inst, args) -> {
                final String fn = mod + "read_data";
                int ptr = (int) args[0];
                long len = Integer.toUnsignedLong((int) args[1]);
                Memory memory = range(inst, fn, ptr, len);
                Scratch s = dataScratch(fn);
                int n = (int) Math.min(len, s.size - s.cursor);
                if (n > 0) {
                    memory.write(ptr, s.buffer, s.cursor, n);
                    s.cursor += n;
                }
                return new long[] {n};
            });
            m.put(mod + "seek_data", (inst, args) -> {
                Scratch s = dataScratch(mod + "seek_data");
                long index = args[0];
                s.cursor = index < 0 || index > s.size ? s.size : (int) index;
                return null;
            });
            m.put(mod + "get_tag", (inst, args) -> new long[] {scratch == null ? 0 : scratch.tag});
            m.put(mod + "get_process_id", (inst, args) ->
                    new long[] {scratch == null || scratch.kind != PROCESS_DIED ? 0 : scratch.processId});
            m.put(mod + "data_size", (inst, args) -> {
                Scratch s = scratch(mod + "data_size");
                return new long[] {s.kind == DATA ? s.size : 0};
            });
            m.put(mod + "push_module", (inst, args) -> {
                Scratch s = dataScratch(mod + "push_module");
                WasmModule module = module(mod + "push_module", args[0]);
                if (s.shared || !(s.resources instanceof ArrayList)) {
                    s.resources = new ArrayList<>(s.resources);
                }
                s.resources.add(module);
                return new long[] {s.resources.size() - 1};
            });
            m.put(mod + "take_module", (inst, args) -> {
                final String fn = mod + "take_module";
                Scratch s = dataScratch(fn);
                long index = args[0];
                if (index < 0 || index >= s.resources.size() || !(s.resources.get((int) index) instanceof WasmModule module)) {
                    throw trap(fn, "the message carries no module at index " + Long.toUnsignedString(index));
                }
                s.resources.set((int) index, null); // taken: moved into this process
                return new long[] {addModule(module)};
            });
            // push/take of TCP, TLS and UDP resources: not implemented (no networking yet)
            m.put(mod + "send", (inst, args) -> {
                send(mod + "send", args[0]);
                return new long[] {0};
            });
            m.put(mod + "send_receive_skip_search", (inst, args) -> {
                send(mod + "send_receive_skip_search", args[0]);
                int code = receive(new long[] {args[1]}, timeout(args[2]));
                return new long[] {code == TIMEOUT ? TIMEOUT : 0};
            });
            m.put(mod + "receive", (inst, args) -> {
                final String fn = mod + "receive";
                int ptr = (int) args[0];
                long count = Integer.toUnsignedLong((int) args[1]);
                Memory memory = range(inst, fn, ptr, count * 8);
                long[] tags = new long[(int) count];
                for (int i = 0; i < tags.length; i++) {
                    tags[i] = memory.readLong(ptr + 8 * i);
                }
                return new long[] {receive(tags, timeout(args[2]))};
            });
        }

        /** What sending the scratch message sends. */
        private static Object payload(Scratch s) {
            return s.kind == DATA ? new DataMessage(s.bytes(), s.resources) : s.signal;
        }

        /** Consumes the scratch message and sends it. */
        private void send(String function, long to) {
            Scratch s = scratch(function);
            scratch = null;
            ctx.send(pid(to), s.tag, payload(s));
        }

        /**
         * Takes the first message (matching one of {@code tags}, if any are given; untagged messages
         * never match a tag) into the scratch area and returns its code, or TIMEOUT.
         */
        private int receive(long[] tags, Duration timeout) {
            MessageFilter filter;
            if (tags.length == 0) {
                filter = MessageFilter.any();
            } else {
                long[] sorted = tags.clone();
                Arrays.sort(sorted);
                filter = msg -> msg.tag() != Message.UNTAGGED && Arrays.binarySearch(sorted, msg.tag()) >= 0;
            }
            long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
            while (true) {
                Message msg;
                if (timeout == null) {
                    msg = ctx.receive(filter);
                } else {
                    long left = Math.max(0, deadline - System.nanoTime());
                    msg = ctx.receive(filter, Duration.ofNanos(left));
                }
                if (msg == null) {
                    return TIMEOUT;
                }
                Object payload = msg.payload();
                if (payload instanceof DataMessage data) {
                    scratch = new Scratch(DATA, msg.tag(), 0, null, data.data(), data.data().length, true);
                    if (!data.resources().isEmpty()) {
                        scratch.resources = new ArrayList<>(data.resources());
                    }
                    return DATA;
                }
                if (payload instanceof byte[] bytes) {
                    scratch = new Scratch(DATA, msg.tag(), 0, null, bytes, bytes.length, true);
                    return DATA;
                }
                if (payload instanceof ExitMessage exit) {
                    if (exit.reason().isNormal()) {
                        continue; // Lunatic ignores links that end normally
                    }
                    scratch = new Scratch(LINK_DIED, msg.tag(), 0, exit, new byte[0], 0, true);
                    return LINK_DIED;
                }
                if (payload instanceof DownMessage down) {
                    monitors.remove(down.pid(), down.ref());
                    scratch = new Scratch(PROCESS_DIED, Message.UNTAGGED, down.pid().serial(), down, new byte[0], 0, true);
                    return PROCESS_DIED;
                }
                // a Java object means nothing to a guest: drop it and keep waiting
            }
        }

        // ---------------------------------------------------------------- lunatic::process

        private void process(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::process::";
            m.put(mod + "process_id", (inst, args) -> new long[] {ctx.self().serial()});
            m.put(mod + "environment_id", (inst, args) -> new long[] {ctx.self().node()});
            m.put(mod + "sleep_ms", (inst, args) -> {
                Duration d = timeout(args[0]);
                ctx.sleep(d == null ? Duration.ofMillis(Long.MAX_VALUE) : d);
                return null;
            });
            m.put(mod + "die_when_link_dies", (inst, args) -> {
                ctx.trapExit((int) args[0] == 0);
                return null;
            });
            m.put(mod + "link", (inst, args) -> {
                ctx.link(pid(args[1]), args[0]);
                return null;
            });
            m.put(mod + "unlink", (inst, args) -> {
                ctx.unlink(pid(args[0]));
                return null;
            });
            m.put(mod + "monitor", (inst, args) -> {
                Pid target = pid(args[0]);
                // Lunatic: monitoring a missing process does nothing (no immediate notification)
                if (!target.equals(ctx.self()) && !monitors.containsKey(target) && ctx.isAlive(target)) {
                    monitors.put(target, ctx.monitor(target));
                }
                return null;
            });
            m.put(mod + "stop_monitoring", (inst, args) -> {
                MonitorRef ref = monitors.remove(pid(args[0]));
                if (ref != null) {
                    ctx.demonitor(ref, false);
                }
                return null;
            });
            m.put(mod + "kill", (inst, args) -> {
                ctx.exit(pid(args[0]), ExitReason.KILL);
                return null;
            });
            m.put(mod + "exists", (inst, args) -> new long[] {ctx.isAlive(pid(args[0])) ? 1 : 0});
        }

        // ---------------------------------------------------------------- lunatic::timer

        private void timer(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::timer::";
            m.put(mod + "send_after", (inst, args) -> {
                Scratch s = scratch(mod + "send_after");
                scratch = null;
                Object payload = payload(s);
                Duration delay = timeout(args[1]);
                TimerRef ref = ctx.sendAfter(delay == null ? Duration.ofDays(365L * 1000) : delay, pid(args[0]),
                        s.tag, payload);
                if (timers.size() >= 64) {
                    timers.values().removeIf(TimerRef::isDone);
                }
                long id = nextTimerId++;
                timers.put(id, ref);
                return new long[] {id};
            });
            m.put(mod + "cancel_timer", (inst, args) -> {
                TimerRef ref = timers.remove(args[0]);
                return new long[] {ref != null && ref.cancel() ? 1 : 0};
            });
        }

        // ---------------------------------------------------------------- lunatic::registry

        private void registry(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::registry::";
            m.put(mod + "put", (inst, args) -> {
                final String fn = mod + "put";
                String name = string(inst, fn, (int) args[0], (int) args[1]);
                long node = args[2];
                Pid target = pid(args[3]);
                if (node != ctx.self().node()) {
                    throw trap(fn, "registering a process of another node (" + Long.toUnsignedString(node)
                            + ") is not implemented yet");
                }
                if (name.isEmpty()) {
                    throw trap(fn, "an empty name cannot be registered");
                }
                if (target.equals(ctx.whereis(name))) {
                    return null;
                }
                if (!ctx.isAlive(target)) {
                    // the entry of a dead process is gone at once (Weft's fix of Lunatic)
                    ctx.unregister(name);
                    return null;
                }
                // Lunatic overwrites silently; retry if another process takes the name in between
                for (int attempt = 0; ; attempt++) {
                    ctx.unregister(name);
                    try {
                        ctx.register(name, target);
                        return null;
                    } catch (dev.weft.process.NameTakenException taken) {
                        if (attempt >= 100) {
                            throw trap(fn, "the name '" + name + "' keeps being taken by other processes");
                        }
                    } catch (IllegalArgumentException died) {
                        return null; // the target died in between: its names are gone with it
                    }
                }
            });
            m.put(mod + "get", (inst, args) -> {
                final String fn = mod + "get";
                String name = string(inst, fn, (int) args[0], (int) args[1]);
                int nodePtr = (int) args[2];
                int pidPtr = (int) args[3];
                Memory memory = range(inst, fn, nodePtr, 8);
                range(inst, fn, pidPtr, 8);
                Pid holder = ctx.whereis(name);
                if (holder == null) {
                    return new long[] {1};
                }
                memory.writeLong(nodePtr, holder.node());
                memory.writeLong(pidPtr, holder.serial());
                return new long[] {0};
            });
            m.put(mod + "remove", (inst, args) -> {
                String name = string(inst, mod + "remove", (int) args[0], (int) args[1]);
                ctx.unregister(name);
                return null;
            });
        }

        // ---------------------------------------------------------------- lunatic::process::spawn

        private void spawn(Map<String, WasmFunctionHandle> m) {
            final String fn = "lunatic::process::spawn";
            m.put(fn, (inst, args) -> {
                long link = args[0];
                int idPtr = (int) args[7];
                String export = string(inst, fn, (int) args[3], (int) args[4]);
                Object[] params = GuestMemory.paramRecords(inst, fn, (int) args[5], (int) args[6]);
                Memory memory = range(inst, fn, idPtr, 8);
                ProcessBody body = body(fn, args[1], moduleOrOwn(fn, args[2]), export, params, memory, idPtr);
                if (body == null) {
                    return new long[] {1};
                }
                Pid child;
                try {
                    child = start(body, link, null, null);
                } catch (ProcessLimitException full) {
                    memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + full.getMessage()));
                    return new long[] {1};
                }
                memory.writeLong(idPtr, child.serial());
                return new long[] {0};
            });
            final String gos = "lunatic::process::get_or_spawn";
            m.put(gos, (inst, args) -> {
                String name = string(inst, gos, (int) args[0], (int) args[1]);
                long link = args[2];
                String export = string(inst, gos, (int) args[5], (int) args[6]);
                Object[] params = GuestMemory.paramRecords(inst, gos, (int) args[7], (int) args[8]);
                int nodePtr = (int) args[9];
                int idPtr = (int) args[10];
                Memory memory = range(inst, gos, nodePtr, 8);
                range(inst, gos, idPtr, 8);
                if (name.isEmpty()) {
                    throw trap(gos, "an empty name cannot be registered");
                }
                WasmModule childModule = moduleOrOwn(gos, args[4]);
                while (true) {
                    Pid holder = ctx.whereis(name);
                    if (holder != null) {
                        memory.writeLong(nodePtr, holder.node());
                        memory.writeLong(idPtr, holder.serial());
                        return new long[] {2};
                    }
                    ProcessBody body = body(gos, args[3], childModule, export, params, memory, idPtr);
                    if (body == null) {
                        return new long[] {1};
                    }
                    Object token = new Object();
                    Pid child;
                    try {
                        child = start(body, link, name, token);
                    } catch (ProcessLimitException full) {
                        memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + full.getMessage()));
                        return new long[] {1};
                    }
                    // the child registers itself before it runs any guest code and tells us whether it
                    // got the name; if another process took it first, the child ends without running
                    Message answer = null;
                    while (answer == null) {
                        answer = ctx.receive(msg -> msg.payload() instanceof Object[] a && a[0] == token,
                                Duration.ofMillis(50));
                        if (answer == null && !ctx.isAlive(child)) {
                            answer = ctx.receive(msg -> msg.payload() instanceof Object[] a && a[0] == token,
                                    Duration.ZERO);
                            break;
                        }
                    }
                    boolean won = answer == null || (Boolean) ((Object[]) answer.payload())[1];
                    if (won) {
                        memory.writeLong(nodePtr, child.node());
                        memory.writeLong(idPtr, child.serial());
                        return new long[] {0};
                    }
                }
            });
        }

        /** The host, or a trap of {@code fn} for a process made without one (no module, no config). */
        private LunaticHost host(String fn) {
            if (host == null) {
                throw trap(fn, "this process was started without a module and config to spawn from"
                        + " (LunaticHost.importValues); start it with LunaticHost.processBody");
            }
            return host;
        }

        /** The module a spawn names: this process's for -1, else a module resource. */
        private WasmModule moduleOrOwn(String fn, long moduleId) {
            host(fn);
            return moduleId == -1 ? module : module(fn, moduleId);
        }

        /**
         * The config of a child spawned with the config {@code configId} names (this process's for
         * -1), limited by this process's. Traps if this process may not spawn.
         *
         * @throws IllegalArgumentException if the config asks for what this process does not hold
         */
        private WasmConfig childConfig(String fn, long configId) {
            if (!config.canSpawnProcesses()) {
                throw trap(fn, "this process may not spawn processes (its config does not allow it)");
            }
            return configId == -1 ? config : config(fn, configId).toWasmConfig(config);
        }

        /**
         * The body of a child running export of childModule with the config {@code configId} names,
         * or null after writing an error id at idPtr. Traps if this process may not spawn.
         */
        private ProcessBody body(String fn, long configId, WasmModule childModule, String export, Object[] params,
                Memory memory, int idPtr) {
            try {
                return host(fn).processBody(childModule, childConfig(fn, configId), export, params);
            } catch (IllegalArgumentException e) {
                memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + e.getMessage()));
                return null;
            }
        }

        @Override
        public java.util.function.Function<List<Object>, ProcessBody> wasmChild(String fn, long configId, long moduleId,
                String export, Object[] params) {
            LunaticHost h = host(fn);
            WasmConfig childConfig = childConfig(fn, configId);
            WasmModule childModule = moduleOrOwn(fn, moduleId);
            if (!childModule.hasFunctionExport(export)) {
                throw new IllegalArgumentException("the module has no function export '" + export + "'");
            }
            return extra -> {
                Object[] all = Arrays.copyOf(params, params.length + extra.size());
                for (int i = 0; i < extra.size(); i++) {
                    all[params.length + i] = extra.get(i);
                }
                return h.processBody(childModule, childConfig, export, all);
            };
        }

        // ---------------------------------------------------------------- configs and modules

        private GuestConfig config(String fn, long id) {
            GuestConfig c = configs.get(id);
            if (c == null) {
                throw trap(fn, "unknown config id " + Long.toUnsignedString(id));
            }
            return c;
        }

        private WasmModule module(String fn, long id) {
            WasmModule mod = modules.get(id);
            if (mod == null) {
                throw trap(fn, "unknown module id " + Long.toUnsignedString(id));
            }
            return mod;
        }

        private long addModule(WasmModule mod) {
            long id = nextResourceId++;
            modules.put(id, mod);
            return id;
        }

        private void configs(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::process::";
            m.put(mod + "create_config", (inst, args) -> {
                if (!config.canCreateConfigs()) {
                    return new long[] {-1};
                }
                long id = nextResourceId++;
                configs.put(id, new GuestConfig());
                return new long[] {id};
            });
            m.put(mod + "drop_config", (inst, args) -> {
                config(mod + "drop_config", args[0]);
                configs.remove(args[0]);
                return null;
            });
            m.put(mod + "config_set_max_memory", (inst, args) -> {
                long bytes = args[1];
                config(mod + "config_set_max_memory", args[0]).maxMemoryBytes =
                        bytes < 0 || bytes > WasmConfig.MAX_MEMORY_BYTES ? WasmConfig.MAX_MEMORY_BYTES : bytes;
                return null;
            });
            m.put(mod + "config_get_max_memory", (inst, args) ->
                    new long[] {config(mod + "config_get_max_memory", args[0]).maxMemoryBytes});
            m.put(mod + "config_set_max_fuel", (inst, args) -> {
                config(mod + "config_set_max_fuel", args[0]).maxFuel = args[1] < 0 ? 0 : args[1];
                return null;
            });
            m.put(mod + "config_get_max_fuel", (inst, args) ->
                    new long[] {config(mod + "config_get_max_fuel", args[0]).maxFuel});
            m.put(mod + "config_can_compile_modules", (inst, args) ->
                    new long[] {config(mod + "config_can_compile_modules", args[0]).canCompileModules ? 1 : 0});
            m.put(mod + "config_set_can_compile_modules", (inst, args) -> {
                config(mod + "config_set_can_compile_modules", args[0]).canCompileModules = (int) args[1] != 0;
                return null;
            });
            m.put(mod + "config_can_create_configs", (inst, args) ->
                    new long[] {config(mod + "config_can_create_configs", args[0]).canCreateConfigs ? 1 : 0});
            m.put(mod + "config_set_can_create_configs", (inst, args) -> {
                config(mod + "config_set_can_create_configs", args[0]).canCreateConfigs = (int) args[1] != 0;
                return null;
            });
            m.put(mod + "config_can_spawn_processes", (inst, args) ->
                    new long[] {config(mod + "config_can_spawn_processes", args[0]).canSpawnProcesses ? 1 : 0});
            m.put(mod + "config_set_can_spawn_processes", (inst, args) -> {
                config(mod + "config_set_can_spawn_processes", args[0]).canSpawnProcesses = (int) args[1] != 0;
                return null;
            });
        }

        private void modules(Map<String, WasmFunctionHandle> m) {
            final String compile = "lunatic::process::compile_module";
            m.put(compile, (inst, args) -> {
                int idPtr = (int) args[2];
                byte[] bytes = GuestMemory.bytes(inst, compile, (int) args[0], (int) args[1]);
                Memory memory = range(inst, compile, idPtr, 8);
                if (!config.canCompileModules()) {
                    return new long[] {-1};
                }
                LunaticHost h = host(compile);
                try {
                    memory.writeLong(idPtr, addModule(h.moduleLoader.load(bytes)));
                    return new long[] {0};
                } catch (ModuleLoadException e) {
                    memory.writeLong(idPtr, addError(e.getMessage()));
                    return new long[] {1};
                }
            });
            final String drop = "lunatic::process::drop_module";
            m.put(drop, (inst, args) -> {
                module(drop, args[0]);
                modules.remove(args[0]);
                return null;
            });
        }

        // ---------------------------------------------------------------- lunatic::wasi

        private void wasiConfig(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::wasi::";
            m.put(mod + "config_add_environment_variable", (inst, args) -> {
                final String fn = mod + "config_add_environment_variable";
                GuestConfig c = config(fn, args[0]);
                String key = string(inst, fn, (int) args[1], (int) args[2]);
                String value = string(inst, fn, (int) args[3], (int) args[4]);
                if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                    throw trap(fn, "'" + key + "' is not a valid environment variable name (empty, or with '=' or NUL)");
                }
                c.env.put(key, value);
                return null;
            });
            m.put(mod + "config_add_command_line_argument", (inst, args) -> {
                final String fn = mod + "config_add_command_line_argument";
                GuestConfig c = config(fn, args[0]);
                c.args.add(string(inst, fn, (int) args[1], (int) args[2]));
                return null;
            });
            m.put(mod + "config_preopen_dir", (inst, args) -> {
                final String fn = mod + "config_preopen_dir";
                GuestConfig c = config(fn, args[0]);
                String dir = string(inst, fn, (int) args[1], (int) args[2]);
                if (dir.isEmpty() || dir.indexOf('\0') >= 0) {
                    throw trap(fn, "'" + dir + "' is not a directory path");
                }
                c.dirs.add(dir);
                return null;
            });
        }

        // ---------------------------------------------------------------- lunatic::distributed (one node)

        private void distributed(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::distributed::";
            long self = ctx == null ? 0 : ctx.self().node();
            m.put(mod + "node_id", (inst, args) -> new long[] {self});
            m.put(mod + "nodes_count", (inst, args) -> new long[] {1});
            m.put(mod + "get_nodes", (inst, args) -> {
                final String fn = mod + "get_nodes";
                int ptr = (int) args[0];
                long len = Integer.toUnsignedLong((int) args[1]);
                if (len == 0) {
                    return new long[] {0};
                }
                range(inst, fn, ptr, 8).writeLong(ptr, self);
                return new long[] {1};
            });
            m.put(mod + "module_id", (inst, args) -> new long[] {host(mod + "module_id").moduleId(module)});
            m.put(mod + "spawn", (inst, args) -> {
                final String fn = mod + "spawn";
                LunaticHost h = host(fn);
                int idPtr = (int) args[7];
                String export = string(inst, fn, (int) args[3], (int) args[4]);
                Object[] params = GuestMemory.paramRecords(inst, fn, (int) args[5], (int) args[6]);
                Memory memory = range(inst, fn, idPtr, 8);
                if (args[0] != self) {
                    return new long[] {1}; // node not found: this node is the only one
                }
                WasmModule childModule = h.modulesById.get(args[2]);
                if (childModule == null) {
                    return new long[] {2};
                }
                ProcessBody body = body(fn, args[1], childModule, export, params, memory, idPtr);
                if (body == null) {
                    return new long[] {TIMEOUT}; // Lunatic's code for an error with an error id
                }
                try {
                    memory.writeLong(idPtr, ctx.spawn(body).serial());
                } catch (ProcessLimitException full) {
                    memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + full.getMessage()));
                    return new long[] {TIMEOUT};
                }
                return new long[] {0};
            });
            m.put(mod + "send", (inst, args) -> {
                onThisNode(mod + "send", args[0]);
                send(mod + "send", args[1]);
                return new long[] {0};
            });
            m.put(mod + "send_receive_skip_search", (inst, args) -> {
                final String fn = mod + "send_receive_skip_search";
                onThisNode(fn, args[0]);
                send(fn, args[1]);
                int code = receive(new long[] {args[2]}, timeout(args[3]));
                return new long[] {code == TIMEOUT ? TIMEOUT : 0};
            });
        }

        private void onThisNode(String fn, long node) {
            if (node != ctx.self().node()) {
                throw trap(fn, "node " + Long.toUnsignedString(node) + " is not connected to this one"
                        + " (Weft runs one node here; clusters are not built yet)");
            }
        }

        /**
         * Spawns body, linked with tag {@code link} unless 0 (the link exists before any child code
         * runs, as in Lunatic); if name is not null, the child first registers itself under it and
         * sends {@code [token, got the name]} to this process, ending at once if it did not.
         */
        private Pid start(ProcessBody body, long link, String name, Object token) {
            if (link == 0 && name == null) {
                return ctx.spawn(body);
            }
            Pid parent = ctx.self();
            java.util.concurrent.CountDownLatch linked = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean parentGone = new java.util.concurrent.atomic.AtomicBoolean();
            ProcessBody gated = c -> {
                linked.await();
                if (parentGone.get()) {
                    // the parent died before the link was made: the child dies as its link would have
                    // made it (otherwise a killed tree could leave children running, unlinked)
                    throw c.exit(ExitReason.NOPROC);
                }
                if (name != null) {
                    boolean won;
                    try {
                        c.register(name);
                        won = true;
                    } catch (dev.weft.process.NameTakenException taken) {
                        won = false;
                    }
                    c.send(parent, new Object[] {token, won});
                    if (!won) {
                        return;
                    }
                }
                body.run(c);
            };
            Pid child = ctx.spawn(gated);
            boolean done = false;
            try {
                if (link != 0) {
                    ctx.link(child, link);
                }
                done = true;
            } finally {
                parentGone.set(!done);
                linked.countDown();
            }
            return child;
        }

        // ---------------------------------------------------------------- lunatic::version, lunatic::error

        private void version(Map<String, WasmFunctionHandle> m) {
            m.put("lunatic::version::major", (inst, args) -> new long[] {VERSION_MAJOR});
            m.put("lunatic::version::minor", (inst, args) -> new long[] {VERSION_MINOR});
            m.put("lunatic::version::patch", (inst, args) -> new long[] {VERSION_PATCH});
        }

        /** Adds an error to this process's error table (for host functions that return error ids). */
        @Override
        public long addError(String message) {
            long id = nextErrorId++;
            errors.put(id, message);
            return id;
        }

        private String error(String function, long id) {
            String message = errors.get(id);
            if (message == null) {
                throw trap(function, "unknown error id " + Long.toUnsignedString(id));
            }
            return message;
        }

        private void error(Map<String, WasmFunctionHandle> m) {
            final String mod = "lunatic::error::";
            m.put(mod + "string_size", (inst, args) -> new long[] {
                    error(mod + "string_size", args[0]).getBytes(java.nio.charset.StandardCharsets.UTF_8).length});
            m.put(mod + "to_string", (inst, args) -> {
                final String fn = mod + "to_string";
                byte[] bytes = error(fn, args[0]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                int ptr = (int) args[1];
                range(inst, fn, ptr, bytes.length).write(ptr, bytes);
                return null;
            });
            m.put(mod + "drop", (inst, args) -> {
                error(mod + "drop", args[0]);
                errors.remove(args[0]);
                return null;
            });
        }
    }

    /** The Wasm type of a host function, for tests and tools. */
    static FunctionType type(String module, String name) {
        for (LunaticAbi.Function f : ABI) {
            if (f.module().equals(module) && f.name().equals(name)) {
                return f.type();
            }
        }
        throw new IllegalArgumentException("no such function " + module + "::" + name);
    }
}
