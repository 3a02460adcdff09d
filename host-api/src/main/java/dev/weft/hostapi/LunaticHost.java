package dev.weft.hostapi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.runtime.WasmRuntimeException;
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
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import dev.weft.scheduler.TimerRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Lunatic's host ABI ({@code lunatic::*}, v0.13.2) for one Wasm process, on Chicory:
 * {@code WasmProcess.builder(module, export).hostFunctions(LunaticHost::importValues)}.
 *
 * <p>Every one of the 140 functions of {@link LunaticAbi} is provided with its exact signature, so
 * any Lunatic guest links. Implemented with Lunatic's semantics:
 *
 * <ul>
 *   <li>{@code lunatic::message}: data messages built in the per-process scratch message
 *       ({@code create_data}, {@code write_data}, {@code read_data}, {@code seek_data},
 *       {@code get_tag}, {@code get_process_id}, {@code data_size}), {@code send},
 *       {@code send_receive_skip_search} and {@code receive} (selective by a tag array, timeouts in
 *       ms with {@code u64::MAX} = none, codes 0 data / 1 link died / 2 process died / 9027 timeout).
 *       Resources cannot travel in messages yet: {@code push_*} traps ("modules cannot be sent
 *       yet"), {@code take_*} traps because a message never carries a resource;
 *   <li>{@code lunatic::process}: {@code process_id}, {@code environment_id}, {@code sleep_ms},
 *       {@code die_when_link_dies}, {@code link}, {@code unlink}, {@code monitor},
 *       {@code stop_monitoring}, {@code kill}, {@code exists};
 *   <li>{@code lunatic::process::spawn} with {@code config_id = -1} and {@code module_id = -1} (the
 *       caller's module and memory limit), only for hosts made with {@link #forModule(WasmModule, int)}:
 *       parses the 17-byte parameter records (i32, i64; v128 traps as unsupported), spawns the export
 *       with the same host functions, linked with the given tag if {@code link != 0} (the link exists
 *       before any child code runs, as in Lunatic), writes the child's id and returns 0; an unknown
 *       export or arguments that do not fit its signature return 1 with an error id written instead.
 *       Other config or module ids trap as not implemented yet (configs and {@code compile_module}
 *       are not built); so does spawn in a host made by the static {@link #importValues} or
 *       {@link #functions}, which do not know the caller's module;
 *   <li>{@code lunatic::process::get_or_spawn}, with the same restrictions: returns 2 with the
 *       holder's node id and id if the name is registered, else spawns like {@code spawn} and
 *       registers the child under the name (0), or returns 1 with an error id. Lunatic holds the
 *       registry's write lock; Weft gets the same outcome without it: the child registers itself
 *       before any guest code runs, and if another process took the name first, that child ends
 *       without running and the caller gets the winner (2);
 *   <li>{@code lunatic::registry} ({@code put}, {@code get}, {@code remove}) on the node's registry
 *       (see {@link ProcessContext#register}). Names are UTF-8. Weft fixes Lunatic's defect
 *       "registry entries of dead processes are not removed": a name held by a process is freed when
 *       the process ends, so {@code get} never answers a dead process, and {@code put} of a pid that
 *       is not alive only removes the name. {@code put} overwrites an existing name, as in Lunatic;
 *       it can register the calling process only (another live local process traps as not
 *       implemented yet, and so does a process of another node);
 *   <li>{@code lunatic::timer} ({@code send_after}, {@code cancel_timer}), {@code lunatic::version},
 *       {@code lunatic::error} (the per-process error table).
 * </ul>
 *
 * Every other function traps the calling process with
 * {@code "lunatic::<module>::<name> is not implemented yet"}.
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
 *
 * <p>Bad input from the guest (a pointer or length outside its memory, an unknown resource id, no
 * scratch message) traps the calling process with a {@link WasmRuntimeException} whose message starts
 * with the host function's name, e.g. {@code "lunatic::message::write_data: pointer 0x10000 + length 8
 * is outside the guest's memory of 65536 bytes"}; other processes are not affected.
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

    private LunaticHost() {}

    /**
     * The import values of one process: all 140 {@code lunatic::*} functions, bound to {@code ctx}.
     * This host does not know the process's module: {@code lunatic::process::spawn} traps as not
     * implemented yet; use {@link #forModule(WasmModule, int)} for guests that spawn.
     */
    public static ImportValues importValues(ProcessContext ctx) {
        return ImportValues.builder().withFunctions(functions(ctx)).build();
    }

    /** The 140 {@code lunatic::*} host functions of one process, bound to {@code ctx} (see {@link #importValues}). */
    public static List<ImportFunction> functions(ProcessContext ctx) {
        return functions(ctx, null);
    }

    /**
     * The host of processes running {@code module} with at most {@code maxMemoryPages} pages of
     * memory: as {@link #importValues}, and {@code lunatic::process::spawn} with the inherit
     * sentinels spawns exports of {@code module} with the same limit and the same host functions.
     * Use it as {@code WasmProcess.builder(module, export).maxMemoryPages(pages)
     * .hostFunctions(LunaticHost.forModule(module, pages)::importValues)}.
     */
    public static ForModule forModule(WasmModule module, int maxMemoryPages) {
        return new ForModule(module, maxMemoryPages, ctx -> List.of());
    }

    /** The host functions of the processes of one module; see {@link LunaticHost#forModule}. */
    public static final class ForModule {
        private final WasmModule module;
        private final int maxMemoryPages;
        private final java.util.function.Function<ProcessContext, List<ImportFunction>> others;

        private ForModule(WasmModule module, int maxMemoryPages,
                java.util.function.Function<ProcessContext, List<ImportFunction>> others) {
            this.module = Objects.requireNonNull(module, "module");
            if (maxMemoryPages < 0 || maxMemoryPages > 65536) {
                throw new IllegalArgumentException("maxMemoryPages must be within 0..65536: " + maxMemoryPages);
            }
            this.maxMemoryPages = maxMemoryPages;
            this.others = Objects.requireNonNull(others, "others");
        }

        /**
         * This host with more host functions per process (e.g. WASI preview 1), made from each
         * process's context before the {@code lunatic::*} ones; processes spawned by a guest get them
         * too.
         */
        public ForModule withOtherImports(java.util.function.Function<ProcessContext, List<ImportFunction>> others) {
            return new ForModule(module, maxMemoryPages, others);
        }

        /** The import values of one process of the module, bound to {@code ctx}. */
        public ImportValues importValues(ProcessContext ctx) {
            return ImportValues.builder().withFunctions(functions(ctx)).build();
        }

        /** The other host functions and the 140 {@code lunatic::*} ones of one process of the module. */
        public List<ImportFunction> functions(ProcessContext ctx) {
            List<ImportFunction> functions = new ArrayList<>(others.apply(ctx));
            functions.addAll(LunaticHost.functions(ctx, this));
            return functions;
        }
    }

    private static List<ImportFunction> functions(ProcessContext ctx, ForModule host) {
        Objects.requireNonNull(ctx, "ctx");
        Map<String, WasmFunctionHandle> implemented = new State(ctx, host).implementations();
        List<ImportFunction> functions = new ArrayList<>(LunaticAbi.functions().size());
        for (LunaticAbi.Function f : LunaticAbi.functions()) {
            WasmFunctionHandle handle = implemented.remove(f.qualifiedName());
            if (handle == null) {
                handle = notImplemented(f.qualifiedName());
            }
            functions.add(new HostFunction(f.module(), f.name(), f.type(), handle));
        }
        if (!implemented.isEmpty()) {
            throw new IllegalStateException("implemented but not in lunatic-abi.json: " + implemented.keySet());
        }
        return functions;
    }

    /** True if {@code lunatic::module::name} does something (rather than trap as not implemented). */
    public static boolean isImplemented(String module, String name) {
        return IMPLEMENTED.contains(module + "::" + name);
    }

    private static final java.util.Set<String> IMPLEMENTED = java.util.Set.copyOf(
            new State(null, null).implementations().keySet());

    private static WasmFunctionHandle notImplemented(String qualifiedName) {
        String message = qualifiedName + " is not implemented yet";
        return (instance, args) -> {
            throw new WasmRuntimeException(message);
        };
    }

    static WasmRuntimeException trap(String function, String message) {
        return new WasmRuntimeException(function + ": " + message);
    }

    // ------------------------------------------------------------------ guest memory

    private static Memory memory(Instance instance, String function) {
        Memory memory = instance.memory();
        if (memory == null) {
            throw trap(function, "the guest exports no memory");
        }
        return memory;
    }

    /** Checks that [ptr, ptr + len) lies in the guest's memory; both are unsigned. */
    private static Memory range(Instance instance, String function, int ptr, long len) {
        Memory memory = memory(instance, function);
        long size = memory.pages() * 65536L;
        long start = Integer.toUnsignedLong(ptr);
        if (start + len > size) {
            throw trap(function, "pointer 0x" + Long.toHexString(start) + " + length " + len
                    + " is outside the guest's memory of " + size + " bytes");
        }
        return memory;
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

    private static final class State {
        private final ProcessContext ctx;
        private Scratch scratch;
        private final Map<Long, String> errors = new HashMap<>();
        private long nextErrorId = 1;
        private final Map<Long, TimerRef> timers = new HashMap<>();
        private long nextTimerId = 1;
        private final Map<Pid, MonitorRef> monitors = new HashMap<>();

        private final ForModule host; // null: spawn is not available

        State(ProcessContext ctx, ForModule host) {
            this.ctx = ctx;
            this.host = host;
        }

        private Pid pid(long id) {
            return new Pid(ctx.self().node(), id);
        }

        Map<String, WasmFunctionHandle> implementations() {
            Map<String, WasmFunctionHandle> m = new LinkedHashMap<>();
            message(m);
            process(m);
            timer(m);
            version(m);
            error(m);
            registry(m);
            spawn(m);
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
            String mod = "lunatic::message::";
            m.put(mod + "create_data", (inst, args) -> {
                long capacity = args[1];
                int initial = capacity <= 0 ? 16 : (int) Math.min(capacity, 1 << 20);
                scratch = new Scratch(DATA, args[0], 0, null, new byte[initial], 0, false);
                return null;
            });
            m.put(mod + "write_data", (inst, args) -> {
                String fn = mod + "write_data";
                int ptr = (int) args[0];
                long len = Integer.toUnsignedLong((int) args[1]);
                Memory memory = range(inst, fn, ptr, len);
                Scratch s = dataScratch(fn);
                s.append(memory.readBytes(ptr, (int) len));
                return new long[] {len};
            });
            m.put(mod + "read_data", (inst, args) -> {
                String fn = mod + "read_data";
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
            for (String kind : List.of("module", "tcp_stream", "tls_stream", "udp_socket")) {
                String what = kind.replace('_', ' ') + "s";
                String push = mod + "push_" + kind;
                String take = mod + "take_" + kind;
                m.put(push, (inst, args) -> {
                    throw trap(push, what + " cannot be sent yet");
                });
                m.put(take, (inst, args) -> {
                    dataScratch(take);
                    throw trap(take, "the message carries no " + kind.replace('_', ' ') + " at index "
                            + Long.toUnsignedString(args[0]));
                });
            }
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
                String fn = mod + "receive";
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

        /** Consumes the scratch message and sends it. */
        private void send(String function, long to) {
            Scratch s = scratch(function);
            scratch = null;
            Object payload = s.kind == DATA ? new DataMessage(s.bytes()) : s.signal;
            ctx.send(pid(to), s.tag, payload);
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
            String mod = "lunatic::process::";
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
            String mod = "lunatic::timer::";
            m.put(mod + "send_after", (inst, args) -> {
                Scratch s = scratch(mod + "send_after");
                scratch = null;
                Object payload = s.kind == DATA ? new DataMessage(s.bytes()) : s.signal;
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

        /** The UTF-8 string at [ptr, ptr + len) of the guest's memory; traps if outside or not UTF-8. */
        private static String string(Instance inst, String function, int ptr, int len) {
            long n = Integer.toUnsignedLong(len);
            byte[] bytes = range(inst, function, ptr, n).readBytes(ptr, (int) n);
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw trap(function, "the string at 0x" + Integer.toHexString(ptr) + " (length " + n
                        + ") is not valid UTF-8");
            }
        }

        private void registry(Map<String, WasmFunctionHandle> m) {
            String mod = "lunatic::registry::";
            m.put(mod + "put", (inst, args) -> {
                String fn = mod + "put";
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
                if (!target.equals(ctx.self())) {
                    if (!ctx.isAlive(target)) {
                        // the entry of a dead process is gone at once (Weft's fix of Lunatic)
                        ctx.unregister(name);
                        return null;
                    }
                    throw trap(fn, "registering another live process (" + Long.toUnsignedString(args[3])
                            + ") is not implemented yet");
                }
                // Lunatic overwrites silently; retry if another process takes the name in between
                for (int attempt = 0; ; attempt++) {
                    ctx.unregister(name);
                    try {
                        ctx.register(name);
                        return null;
                    } catch (dev.weft.process.NameTakenException taken) {
                        if (attempt >= 100) {
                            throw trap(fn, "the name '" + name + "' keeps being taken by other processes");
                        }
                    }
                }
            });
            m.put(mod + "get", (inst, args) -> {
                String fn = mod + "get";
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

        private static final int PARAM_RECORD = 17;

        /** The arguments in the 17-byte parameter records at [ptr, ptr + len). */
        private static Object[] params(Instance inst, String function, int ptr, int len) {
            long n = Integer.toUnsignedLong(len);
            if (n % PARAM_RECORD != 0) {
                throw trap(function, "the parameter records are " + n + " bytes long, not a multiple of "
                        + PARAM_RECORD);
            }
            byte[] bytes = range(inst, function, ptr, n).readBytes(ptr, (int) n);
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            Object[] args = new Object[(int) (n / PARAM_RECORD)];
            for (int i = 0; i < args.length; i++) {
                int at = i * PARAM_RECORD;
                int type = bytes[at] & 0xFF;
                long low = buf.getLong(at + 1);
                switch (type) {
                    case 0x7F -> args[i] = (int) low;
                    case 0x7E -> args[i] = low;
                    case 0x7B -> throw trap(function, "parameter " + (i + 1) + " is a v128, which Weft cannot pass"
                            + " to a process");
                    default -> throw trap(function, "parameter " + (i + 1) + " has the unknown type 0x"
                            + Integer.toHexString(type) + " (0x7F i32, 0x7E i64, 0x7B v128)");
                }
            }
            return args;
        }

        private void spawn(Map<String, WasmFunctionHandle> m) {
            String fn = "lunatic::process::spawn";
            m.put(fn, (inst, args) -> {
                long link = args[0];
                checkInherit(fn, args[1], args[2]);
                int idPtr = (int) args[7];
                String export = string(inst, fn, (int) args[3], (int) args[4]);
                Object[] params = params(inst, fn, (int) args[5], (int) args[6]);
                Memory memory = range(inst, fn, idPtr, 8);
                ProcessBody body = body(export, params, memory, idPtr);
                if (body == null) {
                    return new long[] {1};
                }
                Pid child = start(body, link, null, null);
                memory.writeLong(idPtr, child.serial());
                return new long[] {0};
            });
            String gos = "lunatic::process::get_or_spawn";
            m.put(gos, (inst, args) -> {
                String name = string(inst, gos, (int) args[0], (int) args[1]);
                long link = args[2];
                checkInherit(gos, args[3], args[4]);
                String export = string(inst, gos, (int) args[5], (int) args[6]);
                Object[] params = params(inst, gos, (int) args[7], (int) args[8]);
                int nodePtr = (int) args[9];
                int idPtr = (int) args[10];
                Memory memory = range(inst, gos, nodePtr, 8);
                range(inst, gos, idPtr, 8);
                if (name.isEmpty()) {
                    throw trap(gos, "an empty name cannot be registered");
                }
                while (true) {
                    Pid holder = ctx.whereis(name);
                    if (holder != null) {
                        memory.writeLong(nodePtr, holder.node());
                        memory.writeLong(idPtr, holder.serial());
                        return new long[] {2};
                    }
                    ProcessBody body = body(export, params, memory, idPtr);
                    if (body == null) {
                        return new long[] {1};
                    }
                    Object token = new Object();
                    Pid child = start(body, link, name, token);
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

        private void checkInherit(String fn, long configId, long moduleId) {
            if (host == null || configId != -1 || moduleId != -1) {
                throw new WasmRuntimeException(fn + " is not implemented yet"
                        + (host == null ? "" : " (only config_id = -1 and module_id = -1 are)"));
            }
        }

        /** The body of a child running export, or null after writing an error id at idPtr. */
        private ProcessBody body(String export, Object[] params, Memory memory, int idPtr) {
            try {
                return WasmProcess.builder(host.module, export)
                        .args(params)
                        .maxMemoryPages(host.maxMemoryPages)
                        .hostFunctions(host::importValues)
                        .build();
            } catch (IllegalArgumentException e) {
                memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + e.getMessage()));
                return null;
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
            ProcessBody gated = c -> {
                linked.await();
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
            try {
                if (link != 0) {
                    ctx.link(child, link);
                }
            } finally {
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
        long addError(String message) {
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
            String mod = "lunatic::error::";
            m.put(mod + "string_size", (inst, args) -> new long[] {
                    error(mod + "string_size", args[0]).getBytes(java.nio.charset.StandardCharsets.UTF_8).length});
            m.put(mod + "to_string", (inst, args) -> {
                String fn = mod + "to_string";
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
        for (LunaticAbi.Function f : LunaticAbi.functions()) {
            if (f.module().equals(module) && f.name().equals(name)) {
                return f.type();
            }
        }
        throw new IllegalArgumentException("no such function " + module + "::" + name);
    }
}
