package dev.weft.supervision;

import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.InitFailedException;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.SpawnOptions;
import dev.weft.supervision.internal.Protocol;
import dev.weft.supervision.internal.StartFailure;
import dev.weft.supervision.internal.Starter;
import dev.weft.supervision.internal.SupervisorProcess;
import java.util.List;
import java.util.Objects;

/**
 * OTP's supervisor, as a Weft process: starting one, and the operations on a running one.
 *
 * <p>A supervisor traps exits. It starts its children in order, linked to it; when a child exits
 * it restarts it (and, by its {@link Strategy}, its siblings) as the child's {@link Restart} type
 * says; more than {@link SupervisorSpec#intensity()} restarts within {@link SupervisorSpec#period()}
 * make it stop all children (last started first, each by its {@link Shutdown}) and exit with
 * {@code shutdown}, which its own supervisor sees as a child's exit. An exit signal from its parent
 * (the process that started it) makes it stop its children and exit with the same reason; exit
 * signals from other processes that are not its children are ignored, as in OTP.
 *
 * <p>The operations are requests to the supervisor process, answered by a reply: they can be
 * called from any process, or from the host through an {@link dev.weft.process.AttachedProcess}.
 * They wait as long as the supervisor takes (OTP's {@code infinity}), and fail with
 * {@link SupervisorError.NoSupervisor} if it is not running or exits first. Other failures are
 * {@link SupervisorException}s carrying OTP's error, e.g. {@link SupervisorError.Running}.
 *
 * <pre>{@code
 * try (AttachedProcess me = runtime.attach()) {
 *     Pid sup = Supervisor.start(me, SupervisorSpec.builder()
 *             .strategy(Strategy.ONE_FOR_ALL).intensity(3).periodSeconds(5)
 *             .child(ChildSpec.worker("cache", cacheBody))
 *             .child(ChildSpec.builder("guest")
 *                     .body(WasmProcess.builder(module, "serve").build())
 *                     .restart(Restart.TRANSIENT).shutdown(Shutdown.BRUTAL_KILL).build())
 *             .child(ChildSpec.supervisor("pool", poolSpec))
 *             .build());
 *     List<ChildInfo> children = Supervisor.whichChildren(me, sup);
 * }
 * }</pre>
 */
public final class Supervisor {

    private Supervisor() {}

    // ------------------------------------------------------------------ starting

    /**
     * Starts a supervisor linked to {@code caller}, which becomes its parent, and returns once its
     * children have started (OTP's {@code supervisor:start_link}).
     *
     * @throws SupervisorException with {@link SupervisorError.StartFailed} if a child failed to start
     *     (the reason names it: {@code shutdown: failed to start child 'id': <why>}), or
     *     {@link SupervisorError.AlreadyStarted} if its name is taken
     */
    public static Pid start(ProcessContext caller, SupervisorSpec spec) {
        Objects.requireNonNull(spec, "spec");
        try {
            return Starter.start(caller, body(spec), registered(spec, SpawnOptions.defaults().link()));
        } catch (StartFailure failure) {
            throw new SupervisorException("start supervisor", new SupervisorError.StartFailed(failure.reason()));
        } catch (NameTakenException taken) {
            throw alreadyStarted(spec, taken);
        }
    }

    /**
     * Starts a supervisor from the host, linked to no process (OTP's {@code supervisor:start}). Its
     * parent is the node: {@code runtime.exit(pid, shutdown)} stops it and its children in order;
     * so does {@link #stop}.
     */
    public static Pid start(ProcessRuntime runtime, SupervisorSpec spec) {
        Objects.requireNonNull(spec, "spec");
        try {
            // a supervisor's body is an InitializingBody: it counts as started once its children have
            return runtime.start(body(spec), registered(spec, SpawnOptions.defaults().awaitInit())).pid();
        } catch (InitFailedException failed) {
            throw new SupervisorException("start supervisor", new SupervisorError.StartFailed(failed.reason()));
        } catch (ProcessLimitException full) {
            throw new SupervisorException("start supervisor", new SupervisorError.StartFailed(Starter.cannotSpawn(full)));
        } catch (NameTakenException taken) {
            throw alreadyStarted(spec, taken);
        }
    }

    /** {@code options}, registering the supervisor under its name (atomically with the spawn) if it has one. */
    private static SpawnOptions registered(SupervisorSpec spec, SpawnOptions options) {
        return spec.name() == null ? options : options.register(spec.name());
    }

    private static SupervisorException alreadyStarted(SupervisorSpec spec, NameTakenException taken) {
        return new SupervisorException("start supervisor '" + spec.name() + "'",
                new SupervisorError.AlreadyStarted(taken.holder()));
    }

    /**
     * The body of a supervisor running {@code spec}, to make it the child of another supervisor
     * ({@link ChildSpec#supervisor} uses it). Started by a supervisor, it counts as started once its
     * own children have. Its parent is the process that spawned it: an exit signal from that
     * process stops it (and its children), as do {@link #stop} and a {@code kill}.
     */
    public static InitializingBody body(SupervisorSpec spec) {
        return SupervisorProcess.body(Objects.requireNonNull(spec, "spec"));
    }

    // ------------------------------------------------------------------ operations

    /**
     * Adds {@code spec} to the supervisor and starts it (OTP's {@code start_child}).
     *
     * @return the child's pid
     * @throws SupervisorException {@link SupervisorError.AlreadyStarted}, {@link SupervisorError.AlreadyPresent},
     *     {@link SupervisorError.StartFailed} (the spec is not added), {@link SupervisorError.SimpleOneForOne}
     */
    public static Pid startChild(ProcessContext caller, Pid supervisor, ChildSpec spec) {
        return (Pid) call(caller, supervisor, "start_child " + spec.id(), new Protocol.StartChild(spec));
    }

    /**
     * Starts a child of a simple_one_for_one supervisor, its spec's arguments followed by {@code extraArgs}.
     *
     * @throws SupervisorException {@link SupervisorError.StartFailed}, {@link SupervisorError.NotSimpleOneForOne}
     */
    public static Pid startChild(ProcessContext caller, Pid supervisor, List<Object> extraArgs) {
        return (Pid) call(caller, supervisor, "start_child", new Protocol.StartDynamicChild(List.copyOf(extraArgs)));
    }

    /**
     * Stops the child {@code id} by its shutdown spec and keeps its spec (a temporary child's is
     * removed) (OTP's {@code terminate_child}).
     *
     * @throws SupervisorException {@link SupervisorError.NotFound}, {@link SupervisorError.SimpleOneForOne}
     */
    public static void terminateChild(ProcessContext caller, Pid supervisor, String id) {
        call(caller, supervisor, "terminate_child " + id, new Protocol.TerminateChild(id));
    }

    /**
     * Stops the child {@code child} of a simple_one_for_one supervisor and forgets it.
     *
     * @throws SupervisorException {@link SupervisorError.NotFound} (also for other strategies, as OTP)
     */
    public static void terminateChild(ProcessContext caller, Pid supervisor, Pid child) {
        call(caller, supervisor, "terminate_child " + child, new Protocol.TerminateDynamicChild(child));
    }

    /**
     * Starts the stopped child {@code id} again (OTP's {@code restart_child}); not counted as a restart.
     *
     * @return its new pid
     * @throws SupervisorException {@link SupervisorError.Running}, {@link SupervisorError.Restarting},
     *     {@link SupervisorError.NotFound}, {@link SupervisorError.StartFailed}, {@link SupervisorError.SimpleOneForOne}
     */
    public static Pid restartChild(ProcessContext caller, Pid supervisor, String id) {
        return (Pid) call(caller, supervisor, "restart_child " + id, new Protocol.RestartChild(id));
    }

    /**
     * Removes the spec of the stopped child {@code id} (OTP's {@code delete_child}).
     *
     * @throws SupervisorException {@link SupervisorError.Running}, {@link SupervisorError.Restarting},
     *     {@link SupervisorError.NotFound}, {@link SupervisorError.SimpleOneForOne}
     */
    public static void deleteChild(ProcessContext caller, Pid supervisor, String id) {
        call(caller, supervisor, "delete_child " + id, new Protocol.DeleteChild(id));
    }

    /** The children, in start order (OTP's {@code which_children}). */
    @SuppressWarnings("unchecked")
    public static List<ChildInfo> whichChildren(ProcessContext caller, Pid supervisor) {
        return (List<ChildInfo>) call(caller, supervisor, "which_children", new Protocol.WhichChildren());
    }

    /**
     * The spec of child {@code id} (OTP's {@code get_childspec}); for simple_one_for_one, the one
     * spec of all its children, whatever the id.
     *
     * @throws SupervisorException {@link SupervisorError.NotFound}
     */
    public static ChildSpec childSpec(ProcessContext caller, Pid supervisor, String id) {
        return (ChildSpec) call(caller, supervisor, "get_childspec " + id, new Protocol.GetChildSpec(id));
    }

    /** The children counted (OTP's {@code count_children}). */
    public static ChildCount countChildren(ProcessContext caller, Pid supervisor) {
        return (ChildCount) call(caller, supervisor, "count_children", new Protocol.CountChildren());
    }

    /**
     * Stops the supervisor: its children in reverse start order, then itself with reason
     * {@code normal} (OTP's {@code gen_server:stop}); returns once the children are stopped.
     */
    public static void stop(ProcessContext caller, Pid supervisor) {
        call(caller, supervisor, "stop", new Protocol.Stop());
    }

    /**
     * True for the reasons a transient child may end with and not be restarted, OTP's {@code normal},
     * {@code shutdown} and {@code {shutdown, Term}} ({@link ExitReason.Shutdown}, with or without a
     * term, as a supervisor's failed start, {@code shutdown: failed to start child ...}).
     */
    public static boolean isShutdownReason(ExitReason reason) {
        return reason.isNormal() || reason instanceof ExitReason.Shutdown;
    }

    private static Object call(ProcessContext caller, Pid supervisor, String operation, Protocol.Request request) {
        Objects.requireNonNull(supervisor, "supervisor");
        MonitorRef ref = caller.monitor(supervisor);
        caller.send(supervisor, new Protocol.Call(ref, caller.self(), request));
        Message answer = caller.receive(m -> m.payload() instanceof Protocol.Reply r && r.ref().equals(ref)
                || m.payload() instanceof DownMessage d && d.ref().equals(ref));
        if (answer.payload() instanceof DownMessage down) {
            throw new SupervisorException(operation, new SupervisorError.NoSupervisor(supervisor, down.reason()));
        }
        caller.demonitor(ref, true);
        Object value = ((Protocol.Reply) answer.payload()).value();
        if (value instanceof SupervisorError error) {
            throw new SupervisorException(operation, error);
        }
        return value;
    }
}
