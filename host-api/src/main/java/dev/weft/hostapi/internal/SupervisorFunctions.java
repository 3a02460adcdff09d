package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.internal.abi.WeftSupervisorAbi;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code weft::supervisor}: OTP supervisors for guests, on {@link Supervisor}. A guest builds
 * supervisor specs and child specs as resources of its own (like Lunatic's configs), starts a
 * supervisor linked to itself, and runs OTP's operations on any supervisor by its process id. The
 * table of functions, codes and layouts is {@code host-api/WEFT-ABI.md}.
 *
 * <p>One per process (its resource tables are the process's own).
 */
public final class SupervisorFunctions implements WeftSupervisorAbi {

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

    private final GuestProcess process;
    private final ProcessContext ctx;
    private final ResourceTable.Ids ids = new ResourceTable.Ids(); // specs and child specs share ids
    private final ResourceTable<SpecDraft> specs = new ResourceTable<>("supervisor spec", ids);
    private final ResourceTable<ChildSpec> children = new ResourceTable<>("child spec", ids);

    public SupervisorFunctions(GuestProcess process) {
        this.process = process;
        this.ctx = process.ctx;
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

    private String childId(Instance instance, String fn, int ptr, int len) {
        String id = string(instance, fn, ptr, len);
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_ID_BYTES || id.indexOf('\0') >= 0) {
            throw trap(fn, "a child id must be 1 to " + MAX_ID_BYTES + " bytes of UTF-8 without NUL, not '" + id + "'");
        }
        return id;
    }

    // ------------------------------------------------------------------------------ specs

    @Override
    public long createSpec(int strategy, int intensity, long periodMs) {
        if (strategy < 0 || strategy >= Strategy.values().length) {
            throw trap(CREATE_SPEC, "unknown strategy " + strategy + " (0 one_for_one, 1 one_for_all, 2 rest_for_one,"
                    + " 3 simple_one_for_one)");
        }
        if (intensity < 0 || periodMs <= 0) {
            throw trap(CREATE_SPEC, "the intensity must be at least 0 and the period at least 1 ms, not " + intensity
                    + " in " + periodMs + " ms");
        }
        return specs.add(new SpecDraft(Strategy.values()[strategy], intensity, Duration.ofMillis(periodMs)));
    }

    @Override
    public void dropSpec(long specId) {
        specs.remove(DROP_SPEC, specId);
    }

    @Override
    public int worker(Instance instance, int idStrPtr, int idStrLen, long configId, long moduleId, int funcStrPtr,
            int funcStrLen, int paramsPtr, int paramsLen, int restart, long shutdownMs, int childPtr) {
        String id = childId(instance, WORKER, idStrPtr, idStrLen);
        String export = string(instance, WORKER, funcStrPtr, funcStrLen);
        Object[] params = GuestMemory.paramRecords(instance, WORKER, paramsPtr, paramsLen);
        Restart restartType = restart(WORKER, restart);
        Shutdown shutdown = shutdown(WORKER, shutdownMs);
        Memory memory = range(instance, WORKER, childPtr, 8);
        ChildSpec child;
        try {
            Function<List<Object>, ProcessBody> bodies = process.childBodies(WORKER, configId, moduleId, export, params);
            child = ChildSpec.builder(id).factory(bodies).restart(restartType).shutdown(shutdown)
                    .type(ChildType.WORKER).build();
        } catch (IllegalArgumentException e) {
            memory.writeLong(childPtr, process.addError("cannot make child '" + id + "': " + e.getMessage()));
            return START_FAILED;
        }
        memory.writeLong(childPtr, children.add(child));
        return 0;
    }

    @Override
    public long supervisorChild(Instance instance, int idStrPtr, int idStrLen, long specId) {
        String id = childId(instance, SUPERVISOR_CHILD, idStrPtr, idStrLen);
        SupervisorSpec spec = build(SUPERVISOR_CHILD, specs.get(SUPERVISOR_CHILD, specId));
        return children.add(ChildSpec.supervisor(id, spec));
    }

    @Override
    public void addChild(long specId, long childId) {
        SpecDraft spec = specs.get(ADD_CHILD, specId);
        ChildSpec child = children.get(ADD_CHILD, childId);
        spec.children.add(child);
        try {
            spec.build();
        } catch (IllegalArgumentException e) {
            spec.children.remove(spec.children.size() - 1);
            throw trap(ADD_CHILD, "cannot add child '" + child.id() + "': " + e.getMessage());
        }
    }

    @Override
    public void dropChild(long childId) {
        children.remove(DROP_CHILD, childId);
    }

    // ------------------------------------------------------------------------------ OTP's operations

    @Override
    public int start(Instance instance, long specId, int idPtr) {
        SupervisorSpec spec = build(START, specs.get(START, specId));
        Memory memory = range(instance, START, idPtr, 8);
        return call(memory, idPtr, () -> Supervisor.start(ctx, spec));
    }

    @Override
    public int startChild(Instance instance, long supervisor, long childId, int idPtr) {
        ChildSpec child = children.get(START_CHILD, childId);
        Memory memory = range(instance, START_CHILD, idPtr, 8);
        return call(memory, idPtr, () -> Supervisor.startChild(ctx, process.pid(supervisor), child));
    }

    @Override
    public int startDynamicChild(Instance instance, long supervisor, int paramsPtr, int paramsLen, int idPtr) {
        Object[] params = GuestMemory.paramRecords(instance, START_DYNAMIC_CHILD, paramsPtr, paramsLen);
        Memory memory = range(instance, START_DYNAMIC_CHILD, idPtr, 8);
        return call(memory, idPtr, () -> Supervisor.startChild(ctx, process.pid(supervisor), Arrays.asList(params)));
    }

    @Override
    public int terminateChild(Instance instance, long supervisor, int idStrPtr, int idStrLen) {
        String id = string(instance, TERMINATE_CHILD, idStrPtr, idStrLen);
        return call(null, 0, () -> {
            Supervisor.terminateChild(ctx, process.pid(supervisor), id);
            return null;
        });
    }

    @Override
    public int terminateDynamicChild(long supervisor, long processId) {
        return call(null, 0, () -> {
            Supervisor.terminateChild(ctx, process.pid(supervisor), process.pid(processId));
            return null;
        });
    }

    @Override
    public int restartChild(Instance instance, long supervisor, int idStrPtr, int idStrLen, int idPtr) {
        String id = string(instance, RESTART_CHILD, idStrPtr, idStrLen);
        Memory memory = range(instance, RESTART_CHILD, idPtr, 8);
        return call(memory, idPtr, () -> Supervisor.restartChild(ctx, process.pid(supervisor), id));
    }

    @Override
    public int deleteChild(Instance instance, long supervisor, int idStrPtr, int idStrLen) {
        String id = string(instance, DELETE_CHILD, idStrPtr, idStrLen);
        return call(null, 0, () -> {
            Supervisor.deleteChild(ctx, process.pid(supervisor), id);
            return null;
        });
    }

    @Override
    public int countChildren(Instance instance, long supervisor, int countsPtr) {
        Memory memory = range(instance, COUNT_CHILDREN, countsPtr, 16);
        return call(null, 0, () -> {
            ChildCount count = Supervisor.countChildren(ctx, process.pid(supervisor));
            memory.writeI32(countsPtr, count.specs());
            memory.writeI32(countsPtr + 4, count.active());
            memory.writeI32(countsPtr + 8, count.supervisors());
            memory.writeI32(countsPtr + 12, count.workers());
            return null;
        });
    }

    @Override
    public int whichChildren(Instance instance, long supervisor, int recordsPtr, int recordsLen, int countPtr) {
        long capacity = Integer.toUnsignedLong(recordsLen);
        Memory memory = range(instance, WHICH_CHILDREN, recordsPtr, capacity * CHILD_RECORD);
        range(instance, WHICH_CHILDREN, countPtr, 4);
        return call(null, 0, () -> {
            List<ChildInfo> infos = Supervisor.whichChildren(ctx, process.pid(supervisor));
            for (int i = 0; i < infos.size() && i < capacity; i++) {
                memory.write(recordsPtr + i * CHILD_RECORD, record(infos.get(i)));
            }
            memory.writeI32(countPtr, infos.size());
            return null;
        });
    }

    @Override
    public int stop(long supervisor) {
        return call(null, 0, () -> {
            Supervisor.stop(ctx, process.pid(supervisor));
            return null;
        });
    }

    /** One record of {@code which_children}. */
    private static byte[] record(ChildInfo info) {
        byte[] record = new byte[CHILD_RECORD];
        ByteBuffer buf = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(info.pid() == null ? 0 : info.pid().serial());
        buf.putInt(info.type() == ChildType.WORKER ? 0 : 1);
        buf.putInt(switch (info.status()) {
            case RUNNING -> 0;
            case RESTARTING -> 1;
            case STOPPED -> 2;
        });
        byte[] id = info.id().getBytes(StandardCharsets.UTF_8);
        buf.put(id, 0, Math.min(id.length, MAX_ID_BYTES));
        return record;
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
    private int call(Memory out, int outPtr, Operation op) {
        try {
            Pid pid = op.run();
            if (out != null && pid != null) {
                out.writeLong(outPtr, pid.serial());
            }
            return 0;
        } catch (SupervisorException e) {
            SupervisorError error = e.error();
            if (error instanceof SupervisorError.AlreadyStarted started && out != null) {
                out.writeLong(outPtr, started.pid().serial());
            }
            if (error instanceof SupervisorError.StartFailed failed && out != null) {
                out.writeLong(outPtr, process.addError(failed.reason().describe()));
            }
            return code(error);
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
