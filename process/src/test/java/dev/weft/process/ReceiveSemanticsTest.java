package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.Probe.Ready;
import dev.weft.scheduler.TimerRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Receiving in a process: selective receive, timeouts, sleep and send_after. */
@Timeout(30)
class ReceiveSemanticsTest {

    /** What a process received, in order, reported to the test. */
    record Received(List<Object> payloads) {}

    private static List<Object> awaitReport(ProcessContext me) {
        Message message = me.receive(m -> m.payload() instanceof Received, WAIT);
        assertNotNull(message, "no report within " + WAIT);
        return ((Received) message.payload()).payloads();
    }

    @Test
    @DisplayName("receive with a tag filter takes the oldest message with that tag; the others stay in order")
    void tagFilterSelects() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid receiver = rt.spawn(ctx -> {
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive(MessageFilter.tags(99)); // "all sent"
                List<Object> got = new ArrayList<>();
                got.add(ctx.receive(MessageFilter.tags(2)).payload());
                got.add(ctx.receive(MessageFilter.tags(3, 2)).payload());
                for (int i = 0; i < 4; i++) {
                    got.add(ctx.receive().payload());
                }
                ctx.send(host, new Received(got));
            });
            awaitReady(me, receiver);
            me.send(receiver, 1, "a1");
            me.send(receiver, 2, "b1");
            me.send(receiver, 1, "a2");
            me.send(receiver, 3, "c1");
            me.send(receiver, 2, "b2");
            me.send(receiver, 1, "a3");
            me.send(receiver, 99, "all sent");
            // tag 2: b1; tag 3 or 2: c1 (older than b2); then the rest, in arrival order.
            assertEquals(List.of("b1", "c1", "a1", "a2", "b2", "a3"), awaitReport(me));
        }
    }

    @Test
    @DisplayName("receive with a predicate filter takes the oldest matching message; the others stay in order")
    void predicateFilterSelects() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid receiver = rt.spawn(ctx -> {
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive(MessageFilter.payload("go"::equals));
                List<Object> got = new ArrayList<>();
                got.add(ctx.receive(MessageFilter.payload(p -> p instanceof Integer i && i > 10)).payload());
                got.add(ctx.receive(MessageFilter.payloadOf(String.class)).payload());
                while (got.size() < 6) {
                    got.add(ctx.receive().payload());
                }
                ctx.send(host, new Received(got));
            });
            awaitReady(me, receiver);
            for (Object payload : List.of(1, "x", 5, 20, "y", 30, 2)) {
                me.send(receiver, payload);
            }
            me.send(receiver, "go");
            // 20 is the oldest integer > 10; "x" the oldest string; then the rest, in arrival order.
            assertEquals(List.of(20, "x", 1, 5, "y", 30), awaitReport(me));
        }
    }

    @Test
    @DisplayName("messages that match no receive stay in the mailbox, in arrival order, for later receives")
    void nonMatchingMessagesStayInOrder() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid self = me.self();
            for (int i = 0; i < 100; i++) {
                rt.send(self, i % 2 == 0 ? 1 : 2, i);
            }
            // Take every tag-2 message first: each receive skips the tag-1 ones.
            for (int i = 1; i < 100; i += 2) {
                assertEquals(i, me.receive(MessageFilter.tags(2), WAIT).payload());
            }
            assertNull(me.receive(MessageFilter.tags(2), Duration.ZERO));
            for (int i = 0; i < 100; i += 2) {
                assertEquals(i, me.receive(Duration.ZERO).payload(), "skipped messages changed order");
            }
            assertNull(me.receive(Duration.ZERO));
        }
    }

    @Test
    @DisplayName("receive with a timeout returns null when nothing matches in time, and keeps what did not match")
    void receiveWithATimeoutReturnsNull() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            long start = System.nanoTime();
            assertNull(me.receive(Duration.ofMillis(50)));
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= 50, "returned after " + waitedMs + " ms");

            me.send(me.self(), 1, "not this one");
            start = System.nanoTime();
            assertNull(me.receive(MessageFilter.tags(2), Duration.ofMillis(50)));
            waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= 50, "returned after " + waitedMs + " ms");
            assertEquals("not this one", me.receive(Duration.ZERO).payload());

            assertNull(me.receive(Duration.ZERO), "a zero timeout only looks");
        }
    }

    @Test
    @DisplayName("a receive timeout in a spawned process returns null and the process goes on")
    void receiveTimeoutInASpawnedProcess() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid child = me.spawnMonitor(ctx -> {
                if (ctx.receive(Duration.ofMillis(20)) != null) {
                    throw new AssertionError("got a message from nowhere");
                }
                ctx.exit(ExitReason.custom("timed out"));
            });
            assertEquals(ExitReason.custom("timed out"), awaitDeath(me, child));
        }
    }

    @Test
    @DisplayName("sleep waits and keeps the messages already there and those that arrive meanwhile, in order")
    void sleepKeepsMessages() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid sleeper = rt.spawn(ctx -> {
                ctx.receive(MessageFilter.tags(1)); // "go": messages 0..2 are already waiting
                long start = System.nanoTime();
                ctx.sleep(Duration.ofMillis(100)); // messages 3..4 arrive during (or after) the sleep
                long sleptMs = (System.nanoTime() - start) / 1_000_000;
                List<Object> got = new ArrayList<>();
                got.add(sleptMs >= 100);
                for (int i = 0; i < 5; i++) {
                    Message m = ctx.receive(WAIT);
                    got.add(m == null ? "nothing" : m.payload());
                }
                got.add(ctx.receive(Duration.ZERO) == null);
                ctx.send(host, new Received(got));
            });
            for (int i = 0; i < 3; i++) {
                me.send(sleeper, i);
            }
            me.send(sleeper, 1, "go");
            for (int i = 3; i < 5; i++) {
                me.send(sleeper, i);
            }
            assertEquals(List.of(true, 0, 1, 2, 3, 4, true), awaitReport(me));
        }
    }

    @Test
    @DisplayName("send_after delivers the message after the delay")
    void sendAfterDelivers() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            long start = System.nanoTime();
            me.sendAfter(Duration.ofMillis(80), me.self(), 7, "later");
            assertNull(me.receive(MessageFilter.tags(7), Duration.ZERO), "delivered before the delay");
            Message message = me.receive(MessageFilter.tags(7), WAIT);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertNotNull(message, "send_after never delivered");
            assertEquals("later", message.payload());
            assertTrue(elapsedMs >= 80, "delivered after " + elapsedMs + " ms");
        }
    }

    @Test
    @DisplayName("send_after to another process delivers to that process")
    void sendAfterToAnotherProcess() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid child = me.spawnMonitor(ctx -> ctx.sendAfter(Duration.ofMillis(10), host, 5, "from a timer"));
            Message message = me.receive(MessageFilter.tags(5), WAIT);
            assertNotNull(message);
            assertEquals("from a timer", message.payload());
            assertEquals(ExitReason.NORMAL, awaitDeath(me, child));
        }
    }

    @Test
    @DisplayName("cancelling a send_after timer prevents the delivery")
    void cancelPreventsSendAfter() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            TimerRef cancelled = me.sendAfter(Duration.ofMillis(50), me.self(), 1, "cancelled");
            assertTrue(cancelled.cancel(), "cancel of a pending timer");
            // A later timer: when it has fired, the cancelled one would have fired before it.
            me.sendAfter(Duration.ofMillis(100), me.self(), 2, "marker");
            assertNotNull(me.receive(MessageFilter.tags(2), WAIT));
            assertNull(me.receive(MessageFilter.tags(1), Duration.ZERO), "a cancelled timer delivered");
            assertFalse(cancelled.cancel());
        }
    }
}
