package dev.weft.supervision.internal;

import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.SpawnOptions;
import dev.weft.supervision.ChildCount;
import dev.weft.supervision.ChildInfo;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.ChildStatus;
import dev.weft.supervision.ChildType;
import dev.weft.supervision.InitializingBody;
import dev.weft.supervision.Restart;
import dev.weft.supervision.Shutdown;
import dev.weft.supervision.Strategy;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorError;
import dev.weft.supervision.SupervisorSpec;
import io.micrometer.core.instrument.Counter;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The state and loop of one supervisor process: OTP's {@code supervisor} behaviour. Everything here
 * runs on the supervisor's own thread.
 */
public final class SupervisorProcess {

    private static final System.Logger LOG = System.getLogger("dev.weft.supervision");

    private final SupervisorSpec spec;
    private final ProcessContext ctx;
    /** The process whose exit signal stops this supervisor with the same reason; null if none. */
    private final Pid parent;
    private final boolean simple;
    /** In start order. */
    private final List<Child> children = new ArrayList<>();
    private final Map<Pid, Child> byPid = new HashMap<>();
    /** When the restarts within the period happened (System.nanoTime), oldest first. */
    private final ArrayDeque<Long> restarts = new ArrayDeque<>();
    private final Counter restartCounter;

    private SupervisorProcess(SupervisorSpec spec, ProcessContext ctx, Pid parent) {
        this.spec = spec;
        this.ctx = ctx;
        this.parent = parent;
        this.simple = spec.strategy() == Strategy.SIMPLE_ONE_FOR_ONE;
        this.restartCounter = spec.meterRegistry() == null ? null
                : Counter.builder("weft.supervisor.restarts")
                        .description("children restarted by supervisors")
                        .tag("supervisor", spec.name() == null ? "unnamed" : spec.name())
                        .register(spec.meterRegistry());
    }

    /**
     * The body of a supervisor running {@code spec}: its {@code init} starts the children, its
     * parent (whose exit signal stops it) is the process that spawned it.
     */
    public static InitializingBody body(SupervisorSpec spec) {
        return new InitializingBody() {
            @Override
            public ProcessBody init(ProcessContext context) {
                SupervisorProcess supervisor = new SupervisorProcess(spec, context, context.parent());
                supervisor.init();
                return serving -> supervisor.loop();
            }

            @Override
            public String toString() {
                return "supervisor body (" + spec.strategy() + ")";
            }
        };
    }

    /** The reason a supervisor fails its start with when child {@code id} fails to start with {@code reason}. */
    public static ExitReason failedToStart(String id, ExitReason reason) {
        return ExitReason.shutdown("failed to start child '" + id + "': " + reason);
    }

    // ------------------------------------------------------------------ init

    private void init() {
        ctx.trapExit(true);
        // Supervisor.start registers the name with the spawn; a supervisor started otherwise (the
        // child of another) registers itself here.
        if (spec.name() != null && !ctx.self().equals(ctx.whereis(spec.name()))) {
            try {
                ctx.register(spec.name());
            } catch (NameTakenException taken) {
                throw new StartFailure(ExitReason.custom("already_started " + taken.holder()));
            }
        }
        if (simple) {
            return;
        }
        for (ChildSpec childSpec : spec.children()) {
            Child child = new Child(childSpec, List.of());
            try {
                start(child);
            } catch (StartFailure failure) {
                terminateAll();
                throw new StartFailure(failedToStart(childSpec.id(), failure.reason()));
            }
            children.add(child);
        }
    }

    // ------------------------------------------------------------------ loop

    private void loop() {
        while (true) {
            Message message = ctx.receive();
            switch (message.payload()) {
                case Protocol.Call call -> ctx.send(call.from(), new Protocol.Reply(call.ref(), handle(call)));
                case ExitMessage exit -> onExit(exit);
                case Protocol.TryAgain again -> tryAgain((Child) again.child());
                default -> LOG.log(Level.DEBUG, () -> "supervisor " + ctx.self() + " ignores " + message);
            }
        }
    }

    private void onExit(ExitMessage exit) {
        if (exit.from().equals(parent)) {
            terminateAll();
            throw ctx.exit(exit.reason());
        }
        Child child = byPid.remove(exit.from());
        if (child == null) {
            // Not a child (any more): OTP ignores it.
            LOG.log(Level.DEBUG, () -> "supervisor " + ctx.self() + " ignores an exit signal from " + exit.from()
                    + ": " + exit.reason());
            return;
        }
        child.pid = null;
        child.status = ChildStatus.STOPPED;
        Restart restart = child.spec.restart();
        boolean again = restart == Restart.PERMANENT
                || restart == Restart.TRANSIENT && !Supervisor.isShutdownReason(exit.reason());
        if (!exit.reason().isNormal() && !(exit.reason() instanceof ExitReason.Shutdown)) {
            LOG.log(Level.DEBUG, () -> "supervisor " + ctx.self() + ": " + child.spec + " exited: " + exit.reason());
        }
        if (!again) {
            if (simple || restart == Restart.TEMPORARY) {
                remove(child);
            }
            return;
        }
        restart(child);
    }

    private void tryAgain(Child child) {
        if (child.status == ChildStatus.RESTARTING && children.contains(child)) {
            restart(child);
        }
    }

    /** Restarts after {@code child} exited (or its restart failed), as the strategy says; counts towards the intensity. */
    private void restart(Child child) {
        if (!addRestart()) {
            LOG.log(Level.WARNING, () -> "supervisor " + ctx.self() + (spec.name() == null ? "" : " (" + spec.name() + ")")
                    + " reached its maximum restart intensity (" + spec.intensity() + " in " + spec.period()
                    + "); shutting down");
            terminateAll();
            throw ctx.exit(ExitReason.SHUTDOWN);
        }
        if (restartCounter != null) {
            restartCounter.increment();
        }
        switch (spec.strategy()) {
            case ONE_FOR_ONE, SIMPLE_ONE_FOR_ONE -> restartOne(child);
            case ONE_FOR_ALL -> restartFrom(0);
            case REST_FOR_ONE -> restartFrom(children.indexOf(child));
        }
    }

    private boolean addRestart() {
        long now = System.nanoTime();
        long period = spec.period().toNanos();
        while (!restarts.isEmpty() && now - restarts.peekFirst() >= period) {
            restarts.pollFirst();
        }
        restarts.addLast(now);
        return restarts.size() <= spec.intensity();
    }

    private void restartOne(Child child) {
        try {
            start(child);
        } catch (StartFailure failure) {
            restartFailed(child, failure);
        }
    }

    /** Stops the children from {@code from} on (last first), then starts them again in order. */
    private void restartFrom(int from) {
        for (int i = children.size() - 1; i >= from; i--) {
            Child other = children.get(i);
            stop(other);
            if (other.spec.restart() == Restart.TEMPORARY) {
                children.remove(i);
            }
        }
        for (int i = from; i < children.size(); i++) {
            Child other = children.get(i);
            try {
                start(other);
            } catch (StartFailure failure) {
                restartFailed(other, failure); // the children after it stay stopped until it is retried
                return;
            }
        }
    }

    private void restartFailed(Child child, StartFailure failure) {
        LOG.log(Level.DEBUG, () -> "supervisor " + ctx.self() + " could not restart " + child.spec + ": "
                + failure.reason() + "; trying again");
        child.status = ChildStatus.RESTARTING;
        ctx.send(ctx.self(), new Protocol.TryAgain(child));
    }

    // ------------------------------------------------------------------ starting and stopping

    /** Starts {@code child}, linked; it is running afterwards. @throws StartFailure if it did not start */
    private void start(Child child) {
        ProcessBody body;
        try {
            body = child.spec.body(child.extraArgs);
        } catch (ExitException exited) {
            throw exited;
        } catch (RuntimeException | LinkageError | AssertionError failed) {
            throw new StartFailure(ExitReason.error(failed)); // the factory failed: a start failure
        }
        Pid pid = Starter.start(ctx, body, SpawnOptions.defaults().link());
        child.pid = pid;
        child.status = ChildStatus.RUNNING;
        byPid.put(pid, child);
    }

    /** Stops {@code child} if it runs, by its shutdown spec; it is stopped afterwards. */
    private void stop(Child child) {
        if (child.running()) {
            Pid pid = child.pid;
            ExitReason reason = shutdown(pid, child.spec.shutdown());
            byPid.remove(pid);
            if (!(reason instanceof ExitReason.Shutdown) && !(reason instanceof ExitReason.Killed
                    && child.spec.shutdown() instanceof Shutdown.BrutalKill)) {
                LOG.log(Level.DEBUG, () -> "supervisor " + ctx.self() + ": " + child.spec + " stopped with " + reason);
            }
        }
        child.pid = null;
        child.status = ChildStatus.STOPPED;
    }

    /** Ends {@code pid} as {@code how} says and waits for it; returns its exit reason. */
    private ExitReason shutdown(Pid pid, Shutdown how) {
        MonitorRef ref = ctx.monitor(pid);
        ctx.unlink(pid);
        Message early = ctx.receive(exitFrom(pid), Duration.ZERO); // it died before we unlinked
        DownMessage down;
        switch (how) {
            case Shutdown.BrutalKill kill -> {
                ctx.exit(pid, ExitReason.KILL);
                down = awaitDown(ref, null);
            }
            case Shutdown.Timeout timeout -> {
                ctx.exit(pid, ExitReason.SHUTDOWN);
                down = awaitDown(ref, timeout.timeout());
                if (down == null) {
                    ctx.exit(pid, ExitReason.KILL);
                    down = awaitDown(ref, null);
                }
            }
            case Shutdown.Infinity infinity -> {
                ctx.exit(pid, ExitReason.SHUTDOWN);
                down = awaitDown(ref, null);
            }
        }
        if (early != null && down.reason() instanceof ExitReason.Noproc) {
            return ((ExitMessage) early.payload()).reason();
        }
        return down.reason();
    }

    /** Stops every child: last started first, or all at once for simple_one_for_one (as OTP). */
    private void terminateAll() {
        if (simple) {
            terminateAllAtOnce();
            return;
        }
        for (int i = children.size() - 1; i >= 0; i--) {
            stop(children.get(i));
        }
    }

    private void terminateAllAtOnce() {
        Shutdown how = spec.children().get(0).shutdown();
        Map<MonitorRef, Child> waiting = new HashMap<>();
        for (Child child : children) {
            if (!child.running()) {
                continue;
            }
            MonitorRef ref = ctx.monitor(child.pid);
            ctx.unlink(child.pid);
            ctx.receive(exitFrom(child.pid), Duration.ZERO);
            ctx.exit(child.pid, how instanceof Shutdown.BrutalKill ? ExitReason.KILL : ExitReason.SHUTDOWN);
            waiting.put(ref, child);
        }
        long deadline = how instanceof Shutdown.Timeout t ? System.nanoTime() + t.timeout().toNanos() : Long.MAX_VALUE;
        while (!waiting.isEmpty()) {
            Duration left = deadline == Long.MAX_VALUE ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Message m = left == null
                    ? ctx.receive(m2 -> m2.payload() instanceof DownMessage d && waiting.containsKey(d.ref()))
                    : ctx.receive(m2 -> m2.payload() instanceof DownMessage d && waiting.containsKey(d.ref()), left);
            if (m == null) {
                for (Child child : waiting.values()) {
                    ctx.exit(child.pid, ExitReason.KILL);
                }
                deadline = Long.MAX_VALUE;
                continue;
            }
            waiting.remove(((DownMessage) m.payload()).ref());
        }
        for (Child child : children) {
            if (child.pid != null) {
                byPid.remove(child.pid);
            }
            child.pid = null;
            child.status = ChildStatus.STOPPED;
        }
        children.clear();
    }

    private DownMessage awaitDown(MonitorRef ref, Duration timeout) {
        Message m = timeout == null
                ? ctx.receive(message -> message.payload() instanceof DownMessage d && d.ref().equals(ref))
                : ctx.receive(message -> message.payload() instanceof DownMessage d && d.ref().equals(ref), timeout);
        return m == null ? null : (DownMessage) m.payload();
    }

    private static dev.weft.mailbox.MessageFilter exitFrom(Pid pid) {
        return m -> m.payload() instanceof ExitMessage e && e.from().equals(pid);
    }

    private void remove(Child child) {
        children.remove(child);
        if (child.pid != null) {
            byPid.remove(child.pid);
        }
    }

    private Child find(String id) {
        for (Child child : children) {
            if (child.spec.id().equals(id)) {
                return child;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ operations

    private Object handle(Protocol.Call call) {
        return switch (call.request()) {
            case Protocol.StartChild r -> startChild(r.spec());
            case Protocol.StartDynamicChild r -> startDynamicChild(r.args());
            case Protocol.TerminateChild r -> terminateChild(r.id());
            case Protocol.TerminateDynamicChild r -> terminateDynamicChild(r.pid());
            case Protocol.RestartChild r -> restartChild(r.id());
            case Protocol.DeleteChild r -> deleteChild(r.id());
            case Protocol.WhichChildren r -> whichChildren();
            case Protocol.GetChildSpec r -> childSpec(r.id());
            case Protocol.CountChildren r -> countChildren();
            case Protocol.Stop r -> {
                terminateAll();
                ctx.send(call.from(), new Protocol.Reply(call.ref(), Protocol.Ok.OK));
                throw ctx.exit(ExitReason.NORMAL);
            }
        };
    }

    private Object startChild(ChildSpec childSpec) {
        if (simple) {
            return new SupervisorError.SimpleOneForOne();
        }
        Child existing = find(childSpec.id());
        if (existing != null) {
            return existing.running() ? new SupervisorError.AlreadyStarted(existing.pid) : new SupervisorError.AlreadyPresent();
        }
        Child child = new Child(childSpec, List.of());
        try {
            start(child);
        } catch (StartFailure failure) {
            return new SupervisorError.StartFailed(failure.reason());
        }
        children.add(child);
        return child.pid;
    }

    private Object startDynamicChild(List<Object> args) {
        if (!simple) {
            return new SupervisorError.NotSimpleOneForOne();
        }
        Child child = new Child(spec.children().get(0), Collections.unmodifiableList(new ArrayList<>(args)));
        try {
            start(child);
        } catch (StartFailure failure) {
            return new SupervisorError.StartFailed(failure.reason());
        }
        children.add(child);
        return child.pid;
    }

    private Object terminateChild(String id) {
        if (simple) {
            return new SupervisorError.SimpleOneForOne();
        }
        Child child = find(id);
        if (child == null) {
            return new SupervisorError.NotFound();
        }
        stop(child);
        if (child.spec.restart() == Restart.TEMPORARY) {
            remove(child);
        }
        return Protocol.Ok.OK;
    }

    private Object terminateDynamicChild(Pid pid) {
        Child child = simple ? byPid.get(pid) : null;
        if (child == null) {
            return new SupervisorError.NotFound();
        }
        stop(child);
        remove(child);
        return Protocol.Ok.OK;
    }

    private Object restartChild(String id) {
        if (simple) {
            return new SupervisorError.SimpleOneForOne();
        }
        Child child = find(id);
        if (child == null) {
            return new SupervisorError.NotFound();
        }
        switch (child.status) {
            case RUNNING -> {
                return new SupervisorError.Running();
            }
            case RESTARTING -> {
                return new SupervisorError.Restarting();
            }
            case STOPPED -> {
                try {
                    start(child);
                } catch (StartFailure failure) {
                    return new SupervisorError.StartFailed(failure.reason());
                }
                return child.pid;
            }
        }
        throw new IllegalStateException(String.valueOf(child.status));
    }

    private Object deleteChild(String id) {
        if (simple) {
            return new SupervisorError.SimpleOneForOne();
        }
        Child child = find(id);
        if (child == null) {
            return new SupervisorError.NotFound();
        }
        return switch (child.status) {
            case RUNNING -> new SupervisorError.Running();
            case RESTARTING -> new SupervisorError.Restarting();
            case STOPPED -> {
                remove(child);
                yield Protocol.Ok.OK;
            }
        };
    }

    private List<ChildInfo> whichChildren() {
        List<ChildInfo> infos = new ArrayList<>(children.size());
        for (Child child : children) {
            infos.add(new ChildInfo(simple ? null : child.spec.id(), child.pid, child.status, child.spec.type()));
        }
        return List.copyOf(infos);
    }

    private Object childSpec(String id) {
        if (simple) {
            return spec.children().get(0);
        }
        Child child = find(id);
        return child == null ? new SupervisorError.NotFound() : child.spec;
    }

    private ChildCount countChildren() {
        int active = 0;
        int supervisors = 0;
        int workers = 0;
        for (Child child : children) {
            if (child.running()) {
                active++;
            }
            if (child.spec.type() == ChildType.SUPERVISOR) {
                supervisors++;
            } else {
                workers++;
            }
        }
        return new ChildCount(simple ? 1 : children.size(), active, supervisors, workers);
    }
}
