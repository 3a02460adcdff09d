package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.supervision.ChildCount;
import dev.weft.supervision.ChildInfo;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.ChildType;
import dev.weft.supervision.Restart;
import dev.weft.supervision.Shutdown;
import dev.weft.supervision.Strategy;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorError;
import dev.weft.supervision.SupervisorException;
import dev.weft.supervision.SupervisorSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code weft::supervisor}: OTP supervisors for guests, on {@link Supervisor}. A guest builds
 * supervisor specs and child specs as resources of its own (like Lunatic's configs), starts a
 * supervisor linked to itself, and runs OTP's operations on any supervisor by its process id. The
 * table of functions, codes and layouts is {@code host-api/WEFT-ABI.md}.
 *
 * <p>One per process (its resource tables are the process's own).
 */
public final class SupervisorFunctions {

    /** What the functions need from the calling process's host. */
    public interface Host {
        /**
         * The bodies of a Wasm child running {@code export} of the module {@code moduleId} names
         * ({@code -1}: the caller's) with the config {@code configId} names ({@code -1}: the
         * caller's, else limited by it), given {@code params} and then the extra arguments. Traps
         * {@code function} if the caller may not spawn or an id is unknown.
         *
         * @throws IllegalArgumentException if the module has no such export or the config asks for
         *     what the caller does not hold
         */
        Function<List<Object>, ProcessBody> wasmChild(String function, long configId, long moduleId, String export,
                Object[] params);

        /** Adds an error to the caller's {@code lunatic::error} table; returns its id. */
        long addError(String message);
    }

    /** Results (beside 0, done). */
    public static final int START_FAILED = 1;
    public static final int NOT_FOUND = 2;
    public static final int RUNNING = 3;
    public static final int RESTARTING = 4;
    public static final int ALREADY_PRESENT = 5;
    public static final int ALREADY_STARTED = 6;
    public static final int SIMPLE_ONE_FOR_ONE = 7;
    public static final int NOT_SIMPLE_ONE_FOR_ONE = 8;
    public static final int NO_SUPERVISOR = 9;

    /** Bytes per record of {@code which_children}: u64 pid, u32 type, u32 status, 48 bytes of id. */
    public static final int CHILD_RECORD = 64;
    private static final int ID_BYTES = 48;
    /** Ids must fit a {@code which_children} record with a NUL after them. */
    private static final int MAX_ID_BYTES = ID_BYTES - 1;

    private static final String MOD = "weft::supervisor::";

    private final ProcessContext ctx;
    private final Host host;
    private final Map<Long, SpecDraft> specs = new HashMap<>();
    private final Map<Long, ChildSpec> children = new HashMap<>();
    private long nextId = 1;

    public SupervisorFunctions(ProcessContext ctx, Host host) {
        this.ctx = ctx;
        this.host = host;
    }

    /** A supervisor spec being built: its children are added one by one. */
    private static final class SpecDraft {
        final Strategy strategy;
        final int intensity;
        final Duration period;
        final List<ChildSpec> children = new ArrayList<>();

        SpecDraft(Strategy strategy, int intensity, Duration period) {
            this.strategy = strategy;
            this.intensity = intensity;
            this.period = period;
        }

        SupervisorSpec build() {
            return SupervisorSpec.builder().strategy(strategy).intensity(intensity).period(period)
                    .children(children).build();
        }
    }

    private SpecDraft spec(String fn, long id) {
        SpecDraft spec = specs.get(id);
        if (spec == null) {
            throw trap(fn, "unknown supervisor spec id " + Long.toUnsignedString(id));
        }
        return spec;
    }

    private ChildSpec child(String fn, long id) {
        ChildSpec child = children.get(id);
        if (child == null) {
            throw trap(fn, "unknown child spec id " + Long.toUnsignedString(id));
        }
        return child;
    }

    private String childId(com.dylibso.chicory.runtime.Instance inst, String fn, int ptr, int len) {
        String id = string(inst, fn, ptr, len);
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_ID_BYTES || id.indexOf('\0') >= 0) {
            throw trap(fn, "a child id must be 1 to " + MAX_ID_BYTES + " bytes of UTF-8 without NUL, not '" + id + "'");
        }
        return id;
    }

    private Pid pid(long serial) {
        return new Pid(ctx.self().node(), serial);
    }

    /** Adds the 16 functions to {@code m}. */
    public void register(Map<String, WasmFunctionHandle> m) {
        m.put(MOD + "create_spec", (inst, args) -> {
            String fn = MOD + "create_spec";
            int strategy = (int) args[0];
            int intensity = (int) args[1];
            long periodMs = args[2];
            if (strategy < 0 || strategy >= Strategy.values().length) {
                throw trap(fn, "unknown strategy " + strategy + " (0 one_for_one, 1 one_for_all, 2 rest_for_one,"
                        + " 3 simple_one_for_one)");
            }
            if (intensity < 0 || periodMs <= 0) {
                throw trap(fn, "the intensity must be at least 0 and the period at least 1 ms, not " + intensity
                        + " in " + periodMs + " ms");
            }
            long id = nextId++;
            specs.put(id, new SpecDraft(Strategy.values()[strategy], intensity, Duration.ofMillis(periodMs)));
            return new long[] {id};
        });
        m.put(MOD + "drop_spec", (inst, args) -> {
            spec(MOD + "drop_spec", args[0]);
            specs.remove(args[0]);
            return null;
        });
        m.put(MOD + "worker", (inst, args) -> {
            String fn = MOD + "worker";
            String id = childId(inst, fn, (int) args[0], (int) args[1]);
            String export = string(inst, fn, (int) args[4], (int) args[5]);
            Object[] params = GuestMemory.paramRecords(inst, fn, (int) args[6], (int) args[7]);
            Restart restart = restart(fn, (int) args[8]);
            Shutdown shutdown = shutdown(fn, args[9]);
            int childPtr = (int) args[10];
            Memory memory = range(inst, fn, childPtr, 8);
            ChildSpec child;
            try {
                Function<List<Object>, ProcessBody> bodies = host.wasmChild(fn, args[2], args[3], export, params);
                child = ChildSpec.builder(id).factory(bodies).restart(restart).shutdown(shutdown)
                        .type(ChildType.WORKER).build();
            } catch (IllegalArgumentException e) {
                memory.writeLong(childPtr, host.addError("cannot make child '" + id + "': " + e.getMessage()));
                return new long[] {START_FAILED};
            }
            long childId = nextId++;
            children.put(childId, child);
            memory.writeLong(childPtr, childId);
            return new long[] {0};
        });
        m.put(MOD + "supervisor_child", (inst, args) -> {
            String fn = MOD + "supervisor_child";
            String id = childId(inst, fn, (int) args[0], (int) args[1]);
            SupervisorSpec spec = build(fn, spec(fn, args[2]));
            long childId = nextId++;
            children.put(childId, ChildSpec.supervisor(id, spec));
            return new long[] {childId};
        });
        m.put(MOD + "add_child", (inst, args) -> {
            String fn = MOD + "add_child";
            SpecDraft spec = spec(fn, args[0]);
            ChildSpec child = child(fn, args[1]);
            spec.children.add(child);
            try {
                spec.build();
            } catch (IllegalArgumentException e) {
                spec.children.remove(spec.children.size() - 1);
                throw trap(fn, "cannot add child '" + child.id() + "': " + e.getMessage());
            }
            return null;
        });
        m.put(MOD + "drop_child", (inst, args) -> {
            child(MOD + "drop_child", args[0]);
            children.remove(args[0]);
            return null;
        });
        m.put(MOD + "start", (inst, args) -> {
            String fn = MOD + "start";
            SupervisorSpec spec = build(fn, spec(fn, args[0]));
            int idPtr = (int) args[1];
            Memory memory = range(inst, fn, idPtr, 8);
            return call(memory, idPtr, () -> Supervisor.start(ctx, spec));
        });
        m.put(MOD + "start_child", (inst, args) -> {
            String fn = MOD + "start_child";
            ChildSpec child = child(fn, args[1]);
            int idPtr = (int) args[2];
            Memory memory = range(inst, fn, idPtr, 8);
            return call(memory, idPtr, () -> Supervisor.startChild(ctx, pid(args[0]), child));
        });
        m.put(MOD + "start_dynamic_child", (inst, args) -> {
            String fn = MOD + "start_dynamic_child";
            Object[] params = GuestMemory.paramRecords(inst, fn, (int) args[1], (int) args[2]);
            int idPtr = (int) args[3];
            Memory memory = range(inst, fn, idPtr, 8);
            return call(memory, idPtr, () -> Supervisor.startChild(ctx, pid(args[0]), Arrays.asList(params)));
        });
        m.put(MOD + "terminate_child", (inst, args) -> {
            String id = string(inst, MOD + "terminate_child", (int) args[1], (int) args[2]);
            return call(null, 0, () -> {
                Supervisor.terminateChild(ctx, pid(args[0]), id);
                return null;
            });
        });
        m.put(MOD + "terminate_dynamic_child", (inst, args) -> call(null, 0, () -> {
            Supervisor.terminateChild(ctx, pid(args[0]), pid(args[1]));
            return null;
        }));
        m.put(MOD + "restart_child", (inst, args) -> {
            String fn = MOD + "restart_child";
            String id = string(inst, fn, (int) args[1], (int) args[2]);
            int idPtr = (int) args[3];
            Memory memory = range(inst, fn, idPtr, 8);
            return call(memory, idPtr, () -> Supervisor.restartChild(ctx, pid(args[0]), id));
        });
        m.put(MOD + "delete_child", (inst, args) -> {
            String id = string(inst, MOD + "delete_child", (int) args[1], (int) args[2]);
            return call(null, 0, () -> {
                Supervisor.deleteChild(ctx, pid(args[0]), id);
                return null;
            });
        });
        m.put(MOD + "count_children", (inst, args) -> {
            String fn = MOD + "count_children";
            int ptr = (int) args[1];
            Memory memory = range(inst, fn, ptr, 16);
            return call(null, 0, () -> {
                ChildCount count = Supervisor.countChildren(ctx, pid(args[0]));
                memory.writeI32(ptr, count.specs());
                memory.writeI32(ptr + 4, count.active());
                memory.writeI32(ptr + 8, count.supervisors());
                memory.writeI32(ptr + 12, count.workers());
                return null;
            });
        });
        m.put(MOD + "which_children", (inst, args) -> {
            String fn = MOD + "which_children";
            int ptr = (int) args[1];
            long capacity = Integer.toUnsignedLong((int) args[2]);
            int countPtr = (int) args[3];
            Memory memory = range(inst, fn, ptr, capacity * CHILD_RECORD);
            range(inst, fn, countPtr, 4);
            return call(null, 0, () -> {
                List<ChildInfo> infos = Supervisor.whichChildren(ctx, pid(args[0]));
                for (int i = 0; i < infos.size() && i < capacity; i++) {
                    ChildInfo info = infos.get(i);
                    byte[] record = new byte[CHILD_RECORD];
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(record).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    buf.putLong(info.pid() == null ? 0 : info.pid().serial());
                    buf.putInt(info.type() == ChildType.WORKER ? 0 : 1);
                    buf.putInt(switch (info.status()) {
                        case RUNNING -> 0;
                        case RESTARTING -> 1;
                        case STOPPED -> 2;
                    });
                    byte[] id = info.id().getBytes(StandardCharsets.UTF_8);
                    buf.put(id, 0, Math.min(id.length, MAX_ID_BYTES));
                    memory.write(ptr + i * CHILD_RECORD, record);
                }
                memory.writeI32(countPtr, infos.size());
                return null;
            });
        });
        m.put(MOD + "stop", (inst, args) -> call(null, 0, () -> {
            Supervisor.stop(ctx, pid(args[0]));
            return null;
        }));
    }

    private static SupervisorSpec build(String fn, SpecDraft draft) {
        try {
            return draft.build();
        } catch (IllegalArgumentException e) {
            throw trap(fn, "the supervisor spec is not valid: " + e.getMessage());
        }
    }

    private static Restart restart(String fn, int code) {
        return switch (code) {
            case 0 -> Restart.PERMANENT;
            case 1 -> Restart.TRANSIENT;
            case 2 -> Restart.TEMPORARY;
            default -> throw trap(fn, "unknown restart type " + code + " (0 permanent, 1 transient, 2 temporary)");
        };
    }

    private static Shutdown shutdown(String fn, long ms) {
        if (ms == -1) {
            return Shutdown.BRUTAL_KILL;
        }
        if (ms == -2) {
            return Shutdown.INFINITY;
        }
        if (ms < 0) {
            throw trap(fn, "unknown shutdown " + ms + " (a timeout in ms, -1 brutal kill, -2 infinity)");
        }
        return Shutdown.timeoutMillis(ms);
    }

    /** An operation that may fail with OTP's errors. */
    private interface Operation {
        Pid run();
    }

    /**
     * Runs op: 0 with its pid (if any) at out, or the error's code, with the pid of
     * already_started or an error id for a failed start at out (if out is not null).
     */
    private long[] call(Memory out, int outPtr, Operation op) {
        try {
            Pid pid = op.run();
            if (out != null && pid != null) {
                out.writeLong(outPtr, pid.serial());
            }
            return new long[] {0};
        } catch (SupervisorException e) {
            SupervisorError error = e.error();
            if (error instanceof SupervisorError.AlreadyStarted started && out != null) {
                out.writeLong(outPtr, started.pid().serial());
            }
            if (error instanceof SupervisorError.StartFailed failed && out != null) {
                out.writeLong(outPtr, host.addError(failed.reason().describe()));
            }
            return new long[] {code(error)};
        }
    }

    private static int code(SupervisorError error) {
        return switch (error) {
            case SupervisorError.StartFailed f -> START_FAILED;
            case SupervisorError.NotFound f -> NOT_FOUND;
            case SupervisorError.Running r -> RUNNING;
            case SupervisorError.Restarting r -> RESTARTING;
            case SupervisorError.AlreadyPresent a -> ALREADY_PRESENT;
            case SupervisorError.AlreadyStarted a -> ALREADY_STARTED;
            case SupervisorError.SimpleOneForOne s -> SIMPLE_ONE_FOR_ONE;
            case SupervisorError.NotSimpleOneForOne n -> NOT_SIMPLE_ONE_FOR_ONE;
            case SupervisorError.NoSupervisor n -> NO_SUPERVISOR;
        };
    }
}
