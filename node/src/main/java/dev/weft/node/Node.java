package dev.weft.node;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.LunaticHost;
import dev.weft.hostapi.WasmConfig;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.InitFailedException;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.SpawnOptions;
import dev.weft.process.StartedProcess;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.scheduler.Scheduler;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorException;
import dev.weft.supervision.SupervisorSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Weft runtime instance: the Java host API. A node runs processes (Java code or Wasm guests),
 * lets the host program message and signal them, and lets host threads take part as processes
 * ({@link #attach()}). Its methods, by concern:
 *
 * <ul>
 *   <li>Java processes: {@link #spawn}, {@link #start(ProcessBody)} (exit watched from before it runs),
 *       {@link #start(ProcessBody, SpawnOptions)} (register a name, await the init ack; see
 *       {@link SpawnOptions}), {@link #attach()} (the calling thread becomes a process: it can receive,
 *       link, monitor, and spawn with every option through its {@link dev.weft.process.ProcessContext}).
 *   <li>Wasm modules and processes: {@link #loadModule(Path)} and its overloads, {@link #spawnWasm},
 *       {@link #startWasm}, {@link #wasmBody} (the body, to spawn it another way or make it a
 *       supervisor's child).
 *   <li>Supervisors: {@link #startSupervisor(SupervisorSpec)}; operate them with {@link Supervisor}'s
 *       functions from an attached process.
 *   <li>Messages and signals from the host: {@link #send(Pid, Object)}, {@link #send(Pid, long, Object)},
 *       {@link #sendData}, {@link #exit}.
 *   <li>The registry: {@link #register}, {@link #unregister}, {@link #whereis}.
 *   <li>Watching processes: {@link #isAlive}, {@link #processCount}, {@link #processes},
 *       {@link #whenExited}, {@link #awaitExit}.
 *   <li>The node itself: {@link #id}, {@link #name}, {@link #meterRegistry}, {@link #close}, and the
 *       layers below for code built on them ({@link #runtime}, {@link #moduleLoader}, {@link #lunaticHost}).
 * </ul>
 *
 * <pre>{@code
 * try (Node node = Node.builder().build();
 *      AttachedProcess me = node.attach()) {
 *     Pid echo = node.spawn(ctx -> {
 *         Message m = ctx.receive();
 *         ctx.send((Pid) m.payload(), "hello");
 *     });
 *     me.send(echo, me.self());
 *     System.out.println(me.receive().payload());
 * }
 * }</pre>
 *
 * <h2>Wasm processes</h2>
 * A node loads Wasm modules ({@link #loadModule(Path)}, {@link #loadModule(byte[])}: parsed,
 * validated and compiled once, cached by content hash) and runs their exports as processes
 * ({@link #spawnWasm(WasmModule, WasmConfig, String, Object...)}) with WASI preview 1 and Lunatic's
 * {@code lunatic::*} host functions, so guests can spawn, link and message processes of their own.
 * Java and Wasm processes talk through tagged messages: send a guest bytes with
 * {@link #sendData(Pid, long, byte[])} (or {@code node.send(pid, tag, new DataMessage(bytes))}; a
 * plain {@code byte[]} payload works too, and a {@code String} arrives as its UTF-8 bytes) and the
 * guest receives them with {@code lunatic::message::receive}, selecting by tag. What a guest sends to
 * a Java process arrives as a {@link dev.weft.mailbox.Message} whose tag is the guest's and whose
 * payload is a {@link DataMessage}. A guest names a process by its pid's {@link Pid#serial() serial}
 * (an i64), so pass {@code pid.serial()} as an argument to let a guest reply to a Java process. Links,
 * monitors and {@link #awaitExit(Pid, Duration)} work the same for Wasm processes ({@link #startWasm}
 * watches the exit from the start, for guests that may end before you ask); a trap, a host-function
 * error or {@code proc_exit(n != 0)} is the exit reason ({@link ExitReason}'s kinds say which).
 *
 * <pre>{@code
 * WasmModule module = node.loadModule(Path.of("echo.wasm"));
 * try (AttachedProcess me = node.attach()) {
 *     Pid guest = node.spawnWasm(module, "echo", me.self().serial());
 *     node.sendData(guest, 7, "hi".getBytes());
 *     Message reply = me.receive(Duration.ofSeconds(1));
 *     byte[] bytes = ((DataMessage) reply.payload()).data();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing the node kills its processes.
 */
public final class Node implements AutoCloseable {

    private final long id;
    private final String name;
    private final MeterRegistry meterRegistry;
    private final ProcessRuntime runtime;
    private final ModuleLoader modules;
    private final LunaticHost host;

    private Node(Builder builder) {
        this.modules = new ModuleLoader(builder.engine);
        this.id = builder.id;
        this.name = builder.name != null ? builder.name : "node" + builder.id;
        this.meterRegistry = builder.meterRegistry != null ? builder.meterRegistry : new SimpleMeterRegistry();
        LunaticHost.Builder host = LunaticHost.builder().moduleLoader(modules).meterRegistry(meterRegistry);
        if (builder.crashReports != null) {
            host.crashReports(builder.crashReports);
        }
        this.host = host.build();
        this.runtime = new ProcessRuntime(id, meterRegistry, builder.maxProcesses, builder.maxStackSize);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ Java processes

    /**
     * Starts a Java process running {@code body}.
     *
     * @throws ProcessLimitException if the node already runs as many processes as it may
     */
    public Pid spawn(ProcessBody body) {
        return runtime.spawn(body);
    }

    /**
     * Starts a process running {@code body} once its exit is watched: {@link StartedProcess#exited()} has
     * its exit reason even when it ends at once ({@link #awaitExit(Pid, Duration)} called after a
     * process has gone gives {@code noproc}).
     */
    public StartedProcess start(ProcessBody body) {
        return runtime.start(body, SpawnOptions.defaults());
    }

    /**
     * {@link #start(ProcessBody)} with options: a name registered before the process runs, an init
     * ack awaited (the host cannot link or monitor: {@link #attach()} a thread for that).
     *
     * @throws NameTakenException if the name is taken (nothing was started)
     * @throws InitFailedException if the init was awaited and the process did not start
     * @throws IllegalArgumentException if the options link or monitor
     */
    public StartedProcess start(ProcessBody body, SpawnOptions options) {
        return runtime.start(body, options);
    }

    /** Makes the calling thread a process until the handle is closed: it can then receive, link, monitor. */
    public AttachedProcess attach() {
        return runtime.attach();
    }

    // ------------------------------------------------------------------ Wasm modules and processes

    /**
     * Loads a Wasm module from a file with the node's default engine: parsed, validated and compiled
     * once; the same bytes again give the same {@link WasmModule}.
     *
     * @throws ModuleLoadException if the file cannot be read or is not a valid, supported module
     */
    public WasmModule loadModule(Path file) throws ModuleLoadException {
        return modules.load(Objects.requireNonNull(file, "file"));
    }

    /** Loads a Wasm module from a file with {@code engine}. @see #loadModule(Path) */
    public WasmModule loadModule(Path file, Engine engine) throws ModuleLoadException {
        return modules.load(Objects.requireNonNull(file, "file"), Objects.requireNonNull(engine, "engine"));
    }

    /** Loads a Wasm module from its bytes with the node's default engine. @see #loadModule(Path) */
    public WasmModule loadModule(byte[] bytes) throws ModuleLoadException {
        return modules.load(Objects.requireNonNull(bytes, "bytes"));
    }

    /** Loads a Wasm module from its bytes with {@code engine}. @see #loadModule(Path) */
    public WasmModule loadModule(byte[] bytes, Engine engine) throws ModuleLoadException {
        return modules.load(Objects.requireNonNull(bytes, "bytes"), Objects.requireNonNull(engine, "engine"));
    }

    /**
     * Spawns a Wasm process running {@code export} of {@code module} with {@link WasmConfig#defaults()}.
     *
     * @see #spawnWasm(WasmModule, WasmConfig, String, Object...)
     */
    public Pid spawnWasm(WasmModule module, String export, Object... args) {
        return spawnWasm(module, WasmConfig.defaults(), export, args);
    }

    /**
     * Spawns a Wasm process running {@code export} of {@code module} with {@code args}: an
     * {@link Integer} per i32 parameter, a {@link Long} per i64, a {@link Float} per f32, a
     * {@link Double} per f64. The process has WASI preview 1 (if the config says so) and the
     * {@code lunatic::*} host functions; the processes it spawns get the same. Instantiation happens
     * in the new process: a module that cannot be instantiated (an unknown import, too much memory)
     * makes the process exit with {@link ExitReason.CannotInstantiate} or
     * {@link ExitReason.LimitExceeded}.
     *
     * @throws IllegalArgumentException if {@code export} is not a function export of the module or
     *     the arguments do not fit its signature
     */
    public Pid spawnWasm(WasmModule module, WasmConfig config, String export, Object... args) {
        return runtime.spawn(wasmBody(module, config, export, args));
    }

    /** {@link #start(ProcessBody)} of {@link #spawnWasm(WasmModule, WasmConfig, String, Object...)}'s process. */
    public StartedProcess startWasm(WasmModule module, WasmConfig config, String export, Object... args) {
        return start(wasmBody(module, config, export, args));
    }

    /** {@link #startWasm(WasmModule, WasmConfig, String, Object...)} with {@link WasmConfig#defaults()}. */
    public StartedProcess startWasm(WasmModule module, String export, Object... args) {
        return startWasm(module, WasmConfig.defaults(), export, args);
    }

    /**
     * The body of such a Wasm process, for spawning it some other way (linked, from a process, with
     * {@link SpawnOptions}) or making it a supervisor's child.
     *
     * @see #spawnWasm(WasmModule, WasmConfig, String, Object...)
     */
    public ProcessBody wasmBody(WasmModule module, WasmConfig config, String export, Object... args) {
        return host.processBody(module, config, export, args);
    }

    // ------------------------------------------------------------------ supervisors

    /**
     * Starts a supervisor from the host, linked to no process (OTP's {@code supervisor:start}), and
     * returns once its children have started. Its parent is the node: {@code exit(pid, shutdown)}
     * stops it and its children in order, as does {@link Supervisor#stop}. The other operations
     * ({@link Supervisor#startChild}, {@link Supervisor#whichChildren}, ...) take the calling process:
     * call them from an {@link #attach() attached} thread or a process.
     *
     * @throws SupervisorException {@code StartFailed} if a child failed to start, {@code AlreadyStarted}
     *     if the spec's name is taken
     */
    public Pid startSupervisor(SupervisorSpec spec) {
        return Supervisor.start(runtime, spec);
    }

    // ------------------------------------------------------------------ messages and signals

    /** Sends an untagged message from the host. Sending to a dead or unknown pid does nothing. */
    public void send(Pid to, Object payload) {
        runtime.send(to, payload);
    }

    /** Sends a tagged message from the host (a guest selects messages by tag). */
    public void send(Pid to, long tag, Object payload) {
        runtime.send(to, tag, payload);
    }

    /** Sends {@code data} to a (Wasm) process as a data message with {@code tag}. */
    public void sendData(Pid to, long tag, byte[] data) {
        runtime.send(to, tag, new DataMessage(data));
    }

    /** Sends an exit signal from the node, as Erlang's {@code exit(Pid, Reason)}. */
    public void exit(Pid target, ExitReason reason) {
        runtime.exit(target, reason);
    }

    // ------------------------------------------------------------------ the registry

    /**
     * Registers the live process {@code pid} under {@code name}, until it dies or the name is
     * unregistered.
     *
     * @throws NameTakenException if another process holds the name
     * @throws IllegalArgumentException if {@code pid} is not alive or the name is empty
     */
    public void register(String name, Pid pid) {
        runtime.register(name, pid);
    }

    /** Removes {@code name} from the registry, whoever holds it. @return true if it was registered */
    public boolean unregister(String name) {
        return runtime.unregister(name);
    }

    /** The process registered under {@code name}, or null. */
    public Pid whereis(String name) {
        return runtime.whereis(name);
    }

    // ------------------------------------------------------------------ watching processes

    /** True if {@code pid} is a live process of this node. */
    public boolean isAlive(Pid pid) {
        return runtime.isAlive(pid);
    }

    /** The number of live processes, attached ones included. */
    public int processCount() {
        return runtime.processCount();
    }

    /** A snapshot of the live processes. */
    public List<Pid> processes() {
        return runtime.processes();
    }

    /**
     * A future that completes with {@code pid}'s exit reason ({@code noproc} if it is already gone).
     * The watch is in place when this returns: an exit right after it is not missed.
     */
    public CompletableFuture<ExitReason> whenExited(Pid pid) {
        return runtime.whenExited(pid);
    }

    /**
     * Waits until {@code pid} exits and returns why ({@code noproc} if it was already gone).
     *
     * @throws TimeoutException if it is still alive after {@code timeout}
     */
    public ExitReason awaitExit(Pid pid, Duration timeout) throws TimeoutException, InterruptedException {
        CompletableFuture<ExitReason> exited = runtime.whenExited(pid);
        try {
            return exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException impossible) {
            throw new IllegalStateException(impossible);
        } catch (TimeoutException e) {
            exited.cancel(false);
            throw new TimeoutException(pid + " is still alive after " + timeout);
        }
    }

    // ------------------------------------------------------------------ the node itself

    /** The node id: the node part of every pid spawned here. */
    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Where the node's {@code weft.*} meters are. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The process layer, for code built on it (the supervision and host-api modules take it). */
    public ProcessRuntime runtime() {
        return runtime;
    }

    /** The node's module cache. */
    public ModuleLoader moduleLoader() {
        return modules;
    }

    /** The {@code lunatic::*} host of this node's Wasm processes. */
    public LunaticHost lunaticHost() {
        return host;
    }

    /** Kills every process of the node and stops its threads (see {@link ProcessRuntime#close()}). */
    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return "Node " + name + " (id " + id + ")";
    }

    /** Builds a {@link Node}. */
    public static final class Builder {
        private long id = 1;
        private String name;
        private MeterRegistry meterRegistry;
        private Engine engine = Engine.COMPILER;
        private int maxProcesses = ProcessRuntime.DEFAULT_MAX_PROCESSES;
        private long maxStackSize = Scheduler.DEFAULT_STACK_SIZE;
        private java.util.function.Consumer<String> crashReports;

        private Builder() {}

        /**
         * Where to report Wasm processes that fail by themselves, a line each (see
         * {@link LunaticHost.Builder#crashReports}); default: none.
         */
        public Builder crashReports(java.util.function.Consumer<String> crashReports) {
            this.crashReports = Objects.requireNonNull(crashReports, "crashReports");
            return this;
        }

        /**
         * The most processes alive at once (default {@link ProcessRuntime#DEFAULT_MAX_PROCESSES});
         * a spawn beyond it throws {@link dev.weft.process.ProcessLimitException} (a guest's spawn
         * returns an error).
         */
        public Builder maxProcesses(int maxProcesses) {
            if (maxProcesses < 1) {
                throw new IllegalArgumentException("maxProcesses must be at least 1: " + maxProcesses);
            }
            this.maxProcesses = maxProcesses;
            return this;
        }

        /**
         * The stack each process may use, in bytes (default {@link Scheduler#DEFAULT_STACK_SIZE}, 1 MiB):
         * it bounds how deep a process may recurse between two yields (see {@link Scheduler}: a
         * process's older frames may be in the heap). A Wasm process that recurses deeper ends with
         * {@code trap: call stack exhausted in <function> (max stack <size>)}; the node carries on.
         * Applies on Weft's carriers (the JVM needs {@code --add-opens java.base/java.lang=ALL-UNNAMED});
         * on the JDK's default scheduler the JVM's {@code -Xss} applies instead.
         *
         * @throws IllegalArgumentException if {@code bytes} is outside
         *     {@link Scheduler#MIN_STACK_SIZE}..{@link Scheduler#MAX_STACK_SIZE} (64 KiB..1 GiB)
         */
        public Builder maxStackSize(long bytes) {
            this.maxStackSize = Scheduler.checkStackSize(bytes);
            return this;
        }

        /** The engine {@link Node#loadModule(Path)} uses by default (default: the compiler). */
        public Builder engine(Engine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /** The node id (default 1); unique within a cluster, never 0. */
        public Builder id(long id) {
            if (id <= 0) {
                throw new IllegalArgumentException("node id must be positive, got " + id);
            }
            this.id = id;
            return this;
        }

        /** A human-readable name (default {@code node<id>}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where to register meters (default: an in-memory registry, see {@link Node#meterRegistry()}). */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        public Node build() {
            return new Node(this);
        }
    }
}
