package dev.weft.supervision.internal;

import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.supervision.InitializingBody;
import java.time.Duration;

/**
 * Starts a process and waits until it counts as started (OTP's {@code proc_lib:start_link} with
 * {@code init_ack}): a plain body once it is spawned, an {@link InitializingBody} once its
 * {@code init} returned.
 *
 * <p>A failing {@code init} tells the starter why, unlinks it and exits with that reason: the
 * starter gets a {@link StartFailure}, not an exit signal. A process that dies during {@code init}
 * otherwise (killed, {@code exit}) is a start failure with its exit reason.
 */
public final class Starter {

    /** The process that should count as the parent of the process being initialized on this thread. */
    private static final ThreadLocal<Pid> PARENT = new ThreadLocal<>();

    private Starter() {}

    /** The parent named by the starter of the calling process, or null if it was not started by one. */
    static Pid parent() {
        return PARENT.get();
    }

    /**
     * Starts {@code body} linked to the caller (if {@code link}), with {@code parent} as the parent
     * its {@code init} sees.
     *
     * @throws StartFailure if the start failed
     */
    public static Pid start(ProcessContext ctx, ProcessBody body, boolean link, Pid parent) {
        try {
            return spawn(ctx, body, link, parent);
        } catch (dev.weft.process.ProcessLimitException full) {
            throw new StartFailure(ExitReason.error("cannot spawn: " + full.getMessage()));
        }
    }

    private static Pid spawn(ProcessContext ctx, ProcessBody body, boolean link, Pid parent) {
        if (!(body instanceof InitializingBody init)) {
            return link ? ctx.spawnLink(body) : ctx.spawn(body);
        }
        Pid starter = ctx.self();
        ProcessBody wrapped = child -> {
            PARENT.set(parent);
            try {
                init.init(child);
            } catch (ExitException exited) {
                throw exited;
            } catch (Throwable t) {
                ExitReason reason = t instanceof StartFailure f ? f.reason() : ExitReason.error(t);
                child.send(starter, new Protocol.InitFailed(child.self(), reason));
                child.unlink(starter);
                throw child.exit(reason);
            } finally {
                PARENT.remove();
            }
            child.send(starter, new Protocol.Started(child.self()));
            init.serve(child);
        };
        Pid pid;
        MonitorRef ref;
        if (link) {
            pid = ctx.spawnLink(wrapped);
            ref = ctx.monitor(pid);
        } else {
            var monitored = ctx.spawnMonitor(wrapped);
            pid = monitored.pid();
            ref = monitored.ref();
        }
        Message answer = ctx.receive(m -> m.payload() instanceof Protocol.Started s && s.child().equals(pid)
                || m.payload() instanceof Protocol.InitFailed f && f.child().equals(pid)
                || m.payload() instanceof DownMessage d && d.ref().equals(ref));
        ctx.demonitor(ref, true);
        return switch (answer.payload()) {
            case Protocol.Started started -> pid;
            case Protocol.InitFailed failed -> throw new StartFailure(failed.reason());
            case DownMessage down -> {
                // Died during init: the link's EXIT (if we trap exits) came before the DOWN; drop it.
                ctx.receive(m -> m.payload() instanceof ExitMessage e && e.from().equals(pid), Duration.ZERO);
                throw new StartFailure(down.reason());
            }
            default -> throw new IllegalStateException("unexpected " + answer);
        };
    }
}
