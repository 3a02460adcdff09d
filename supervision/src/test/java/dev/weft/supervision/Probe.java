package dev.weft.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Test children and the test's view of them. Children report what happens to them as {@link Event}s
 * sent to the test's attached process; tests wait for events by receiving them (bounded), never by
 * sleeping.
 */
final class Probe {

    /** How long a test waits for an event that must happen. */
    static final Duration WAIT = Duration.ofSeconds(5);

    /** How long a test waits to see that an event does NOT happen (after one that would follow it). */
    static final Duration QUIET = Duration.ofMillis(50);

    private Probe() {}

    /** What a child did: "started", "stopping", "ignoring" (a shutdown it ignores). */
    record Event(String what, String id, Pid pid) {
        @Override
        public String toString() {
            return what + " " + id;
        }
    }

    /**
     * A worker whose init traps exits and reports "started id" (so its start, acknowledged once init
     * returned, is ordered with its siblings'), and then: "crash" throws, "stop" returns
     * (exit normal), {@code exit:<reason>} exits with a custom reason, "shutdown" exits with
     * {@code shutdown}; an exit signal (its supervisor stopping it) reports "stopping id" and exits
     * with the signal's reason.
     */
    static InitializingBody worker(Pid test, String id) {
        return InitializingBody.of(ctx -> {
            ctx.trapExit(true);
            ctx.send(test, new Event("started", id, ctx.self()));
        }, ctx -> {
            while (true) {
                Message m = ctx.receive();
                Object p = m.payload();
                if ("crash".equals(p)) {
                    throw new IllegalStateException("crash of " + id);
                } else if ("stop".equals(p)) {
                    return;
                } else if ("shutdown".equals(p)) {
                    throw ctx.exit(ExitReason.SHUTDOWN);
                } else if (p instanceof String s && s.startsWith("exit:shutdown: ")) {
                    throw ctx.exit(ExitReason.shutdown(s.substring("exit:shutdown: ".length())));
                } else if (p instanceof String s && s.startsWith("exit:")) {
                    throw ctx.exit(ExitReason.custom(s.substring(5)));
                } else if (p instanceof ExitMessage exit) {
                    ctx.send(test, new Event("stopping", id, ctx.self()));
                    throw ctx.exit(exit.reason());
                }
            }
        });
    }

    /** A worker that reports "started id", traps exits and ignores them (reporting "ignoring id"). */
    static InitializingBody stubborn(Pid test, String id) {
        return InitializingBody.of(ctx -> {
            ctx.trapExit(true);
            ctx.send(test, new Event("started", id, ctx.self()));
        }, ctx -> {
            while (true) {
                if (ctx.receive().payload() instanceof ExitMessage) {
                    ctx.send(test, new Event("ignoring", id, ctx.self()));
                }
            }
        });
    }

    static ChildSpec child(Pid test, String id) {
        return ChildSpec.worker(id, worker(test, id));
    }

    static ChildSpec child(Pid test, String id, Restart restart) {
        return ChildSpec.builder(id).body(worker(test, id)).restart(restart).build();
    }

    /** The next event, which must come within {@link #WAIT}. */
    static Event next(AttachedProcess me) {
        Message m = me.receive(MessageFilter.payloadOf(Event.class), WAIT);
        assertNotNull(m, "no event within " + WAIT);
        return (Event) m.payload();
    }

    /** The next events must be exactly {@code expected} ("started a", "stopping b", ...), in order. */
    static List<Event> expect(AttachedProcess me, String... expected) {
        List<Event> events = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            Event e = next(me);
            events.add(e);
            seen.add(e.toString());
        }
        assertEquals(List.of(expected), seen);
        return events;
    }

    /** No event arrives within {@link #QUIET}. */
    static void expectNoEvent(AttachedProcess me) {
        Message m = me.receive(MessageFilter.payloadOf(Event.class), QUIET);
        assertNull(m, () -> "unexpected event " + m.payload());
    }

    /** Waits for the DOWN of {@code ref} and returns its reason. */
    static ExitReason down(AttachedProcess me, MonitorRef ref) {
        Message m = me.receive(msg -> msg.payload() instanceof DownMessage d && d.ref().equals(ref), WAIT);
        assertNotNull(m, "no DOWN within " + WAIT);
        return ((DownMessage) m.payload()).reason();
    }

    /** Waits for the exit signal (trapped) of {@code linked}, a process linked to the test, and returns its reason. */
    static ExitReason linkedExit(AttachedProcess me, Pid linked) {
        Message m = me.receive(msg -> msg.payload() instanceof ExitMessage e && e.from().equals(linked), WAIT);
        assertNotNull(m, "no exit signal from " + linked + " within " + WAIT);
        return ((ExitMessage) m.payload()).reason();
    }

    /**
     * Sends {@code command} to {@code pid} and waits until it exited; its supervisor has the exit
     * signal in its mailbox by then (links fire before monitors), ahead of any later request.
     */
    static ExitReason tell(AttachedProcess me, Pid pid, Object command) {
        MonitorRef ref = me.monitor(pid);
        me.send(pid, command);
        return down(me, ref);
    }

    /** The pid of child {@code id} of {@code supervisor}. */
    static Pid pidOf(AttachedProcess me, Pid supervisor, String id) {
        for (ChildInfo info : Supervisor.whichChildren(me, supervisor)) {
            if (id.equals(info.id())) {
                return info.pid();
            }
        }
        throw new AssertionError("no child " + id);
    }
}
