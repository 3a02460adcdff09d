package dev.weft.hostapi;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.weft.hostapi.internal.AbiBinder;
import dev.weft.hostapi.internal.GuestMetrics;
import dev.weft.hostapi.internal.GuestProcess;
import dev.weft.hostapi.internal.NodeHost;
import dev.weft.hostapi.internal.TrapCatch;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

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
 *       the registry's write lock; Weft gets the same outcome without it: the process layer registers
 *       the child with its spawn ({@link dev.weft.process.SpawnOptions#register}), and if another
 *       process took the name first nothing is spawned and the caller gets the winner (2);
 *   <li>{@code lunatic::registry} ({@code put}, {@code get}, {@code remove}) on the node's registry
 *       (see {@link ProcessContext#register}). Names are UTF-8; {@code put} overwrites, as in Lunatic;
 *   <li>{@code lunatic::distributed} with the answers {@code lunatic run} gives outside a cluster:
 *       {@code node_id} 0, {@code nodes_count} 0, {@code get_nodes} none, {@code module_id} a
 *       node-wide id per module ({@link #moduleId}); {@code spawn}, {@code send} and
 *       {@code send_receive_skip_search} to node 0 work on this node; {@code spawn} to another node
 *       returns 1 (node not found), {@code send} to another node traps. The registry answers node
 *       0 for this node's processes, and {@code put} takes it;
 *   <li>{@code lunatic::timer} ({@code send_after}, {@code cancel_timer}), {@code lunatic::version},
 *       {@code lunatic::error} (the per-process error table);
 *   <li>{@code lunatic::trap::catch} (see {@link TrapCatch}) and
 *       {@code lunatic::metrics} onto the node's Micrometer registry as {@code weft.guest.<name>}
 *       meters (see {@link GuestMetrics}).
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
 * {@link DataMessage}s and {@code byte[]} payloads as data, a {@link String} as a data message of
 * its UTF-8 bytes (with the message's tag), a trapped exit signal ({@link ExitMessage}) from a
 * failed link as "link died" (tag = the link's tag), a {@link DownMessage} as "process died" (no
 * tag, {@code get_process_id} = the dead pid). As in Lunatic, exit messages for links that ended
 * normally are dropped. A payload of any other Java type means nothing to a guest: {@code receive}
 * drops it and waits on, and the host logs one warning (through {@link System.Logger}, logger
 * {@code dev.weft.hostapi}) naming the process and the payload's class, once per class per host,
 * so that a flood of them does not flood the log.
 *
 * <p>{@code send_receive_skip_search} waits, as in Lunatic, for the first message with the reply tag
 * that arrives after the send; the messages queued before are not looked at (they stay), so a
 * flood in the mailbox does not slow a request down.
 *
 * <p>Where Weft differs from Lunatic: {@code environment_id} returns the node id;
 * {@code kill} is Erlang's untrappable {@code exit(pid, kill)} (the target exits
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
 *
 * <p>How it is built: each ABI module is a class of {@code dev.weft.hostapi.internal}
 * ({@code ProcessFunctions}, {@code MessageFunctions}, ...) implementing the Java interface generated
 * from the JSON ({@code internal.abi}, by {@code host-api/tools/gen-abi-java.py}), with named
 * parameters; the state several modules share is a {@code GuestProcess}; this class only assembles
 * them. A spawn binds only the functions its module imports.
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

    private final NodeHost node;
    private final Function<ProcessContext, List<ImportFunction>> otherImports;
    private final Consumer<String> crashReports; // null: none
    /** Per module: the ABI functions it imports, and whether it imports WASI (a spawn binds only those). */
    private final Map<WasmModule, AbiBinder.ModuleImports> moduleImports = new ConcurrentHashMap<>();

    private LunaticHost(Builder b) {
        this.node = new NodeHost(b.moduleLoader, new GuestMetrics(b.meterRegistry), this::processBody);
        this.otherImports = b.otherImports;
        this.crashReports = b.crashReports;
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
        private Consumer<String> crashReports;

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
        public Builder crashReports(Consumer<String> crashReports) {
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
        if (!config.wasi() || !imports(module).wasi()) {
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

    private AbiBinder.ModuleImports imports(WasmModule module) {
        return moduleImports.computeIfAbsent(module, AbiBinder.ModuleImports::of);
    }

    /** The other functions, WASI (if the config has it) and the ABI functions the module imports, of one process. */
    private List<ImportFunction> functions(ProcessContext ctx, WasmModule module, WasmConfig config, OpenedWasi opened) {
        AbiBinder.ModuleImports imports = imports(module);
        List<ImportFunction> functions = new ArrayList<>(otherImports.apply(ctx));
        if (config.wasi() && imports.wasi() && opened != null) {
            opened.wasi = WasiPreview1.builder().withOptions(Wasi.options(config)).build();
            functions.addAll(Wasi.functions(opened.wasi, config));
        }
        AbiBinder.bind(new GuestProcess(ctx, node, module, config), imports, functions);
        return functions;
    }

    /**
     * The node-wide id of {@code module} for {@code lunatic::distributed::module_id} and
     * {@code lunatic::distributed::spawn}: the same module always gets the same id.
     */
    public long moduleId(WasmModule module) {
        return node.moduleId(module);
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
        return AbiBinder.all(new GuestProcess(Objects.requireNonNull(ctx, "ctx"), null, null, WasmConfig.defaults()));
    }

    /** True if {@code lunatic::module::name} does something (rather than trap as not implemented). */
    public static boolean isImplemented(String module, String name) {
        return AbiBinder.isImplemented(module, name);
    }

    /** The Wasm type of a host function, for tests and tools. */
    static FunctionType type(String module, String name) {
        for (LunaticAbi.Function f : AbiBinder.ABI) {
            if (f.module().equals(module) && f.name().equals(name)) {
                return f.type();
            }
        }
        throw new IllegalArgumentException("no such function " + module + "::" + name);
    }
}
