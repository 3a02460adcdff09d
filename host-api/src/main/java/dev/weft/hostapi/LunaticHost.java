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
import dev.weft.process.ProcessContext;
import dev.weft.scheduler.TimerRef;
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

    /** The import values of one process: all 140 {@code lunatic::*} functions, bound to {@code ctx}. */
    public static ImportValues importValues(ProcessContext ctx) {
        return ImportValues.builder().withFunctions(functions(ctx)).build();
    }

    /** The 140 {@code lunatic::*} host functions of one process, bound to {@code ctx}. */
    public static List<ImportFunction> functions(ProcessContext ctx) {
        Objects.requireNonNull(ctx, "ctx");
        Map<String, WasmFunctionHandle> implemented = new State(ctx).implementations();
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
            new State(null).implementations().keySet());

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

        State(ProcessContext ctx) {
            this.ctx = ctx;
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
