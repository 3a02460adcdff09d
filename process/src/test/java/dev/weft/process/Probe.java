package dev.weft.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Helpers shared by the semantics suites. Tests wait for events by receiving them (with a bounded
 * timeout) on an attached process, never by sleeping.
 */
final class Probe {

    /** How long a test waits for an event that must happen. */
    static final Duration WAIT = Duration.ofSeconds(5);

    /**
     * How long a test waits to see that an event does NOT happen. Every negative check in this suite
     * comes after a positive event that, by the runtime's ordering, would already have been preceded
     * by the unwanted one; this short grace only covers a runtime that delivers signals late.
     */
    static final Duration QUIET = Duration.ofMillis(30);

    private static final AtomicLong PINGS = new AtomicLong();

    private Probe() {}

    /** A process says it has done its setup (trap exits, links, ...) and waits for the test. */
    record Ready(Pid pid) {}

    /** A liveness probe: a process running {@link #idle()} answers with a {@link Pong}. */
    record Ping(Pid replyTo, long id) {}

    record Pong(Pid from, long id) {}

    /** A message a process got, handed on to the test. */
    record Forwarded(long tag, Object payload) {}

    /** A process that lives until something kills it, answering pings. */
    static ProcessBody idle() {
        return ctx -> {
            while (true) {
                Message message = ctx.receive();
                if (message.payload() instanceof Ping ping) {
                    ctx.send(ping.replyTo(), new Pong(ctx.self(), ping.id()));
                }
            }
        };
    }

    /** A process that traps exits, says it is ready, then forwards every message it gets to {@code to}. */
    static ProcessBody trappingForwarder(Pid to) {
        return ctx -> {
            ctx.trapExit(true);
            ctx.send(to, new Ready(ctx.self()));
            while (true) {
                Message message = ctx.receive();
                ctx.send(to, new Forwarded(message.tag(), message.payload()));
            }
        };
    }

    /** Spawns {@code body} monitored by {@code me} and waits for its {@link Ready}. */
    static MonitoredPid spawnReady(ProcessContext me, ProcessBody body) {
        MonitoredPid child = me.spawnMonitor(body);
        awaitReady(me, child.pid());
        return child;
    }

    static void awaitReady(ProcessContext me, Pid pid) {
        Message message = me.receive(
                m -> m.payload() instanceof Ready ready && ready.pid().equals(pid), WAIT);
        assertNotNull(message, pid + " did not get ready within " + WAIT);
    }

    /** Waits for the DOWN of monitor {@code ref}. */
    static DownMessage awaitDown(ProcessContext me, MonitorRef ref) {
        Message message = me.receive(
                m -> m.payload() instanceof DownMessage down && down.ref().equals(ref), WAIT);
        assertNotNull(message, "no DOWN for " + ref + " within " + WAIT);
        return (DownMessage) message.payload();
    }

    /** Waits for the DOWN of {@code child} and returns the reason it died with. */
    static ExitReason awaitDeath(ProcessContext me, MonitoredPid child) {
        DownMessage down = awaitDown(me, child.ref());
        assertEquals(child.pid(), down.pid());
        return down.reason();
    }

    /** Waits for an {@link ExitMessage} from {@code from} and returns the whole message (tag included). */
    static Message awaitExitMessage(ProcessContext me, Pid from) {
        Message message = me.receive(exitMessageFrom(from), WAIT);
        assertNotNull(message, "no exit message from " + from + " within " + WAIT);
        return message;
    }

    /** Waits for a message that {@code forwarder} got and handed on. */
    static Forwarded awaitForwarded(ProcessContext me, MessageFilter filter) {
        Message message = me.receive(
                m -> m.payload() instanceof Forwarded f && filter.matches(new Message(f.tag(), f.payload())), WAIT);
        assertNotNull(message, "nothing forwarded within " + WAIT);
        return (Forwarded) message.payload();
    }

    static MessageFilter exitMessageFrom(Pid from) {
        return m -> m.payload() instanceof ExitMessage exit && exit.from().equals(from);
    }

    static void assertNoExitMessage(ProcessContext me, Pid from) {
        Message message = me.receive(exitMessageFrom(from), QUIET);
        assertNull(message, "unexpected exit message: " + message);
    }

    /** Proves {@code pid} is alive and serving messages: it answers a ping ({@code pid} runs {@link #idle()}). */
    static void assertResponsive(ProcessContext me, Pid pid) {
        long id = PINGS.incrementAndGet();
        me.send(pid, new Ping(me.self(), id));
        Message message = me.receive(m -> m.payload() instanceof Pong pong && pong.id() == id, WAIT);
        assertNotNull(message, pid + " did not answer a ping within " + WAIT);
    }

    /** A pid that names a process that existed and has exited. */
    static Pid deadPid(ProcessContext me) {
        MonitoredPid child = me.spawnMonitor(ctx -> {});
        assertEquals(ExitReason.NORMAL, awaitDeath(me, child));
        return child.pid();
    }

    /**
     * Waits until a process body has run to its end. A process's DOWN goes out while its code is still
     * unwinding, so whatever the body records on its way out must be awaited this way.
     */
    static void awaitBodyEnd(CountDownLatch bodyEnded) throws InterruptedException {
        assertTrue(bodyEnded.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the process body did not end within " + WAIT);
    }

    /** Polls {@code condition} until it holds, for at most {@link #WAIT}. */
    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within " + WAIT + ": " + what);
            Thread.sleep(1);
        }
    }
}
