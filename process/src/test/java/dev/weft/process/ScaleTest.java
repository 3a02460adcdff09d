package dev.weft.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Scale: many processes, many messages. Each test is bounded by a generous timeout. */
class ScaleTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** Waits, boundedly, until only {@code expected} processes are alive. */
    private static void awaitProcessCount(ProcessRuntime runtime, int expected, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (runtime.processCount() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, runtime.processCount(), "processes alive");
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void hundredThousandProcessesEachReceiveOneMessageAndExit() {
        assertTimeoutPreemptively(LIMIT, () -> {
            int n = 100_000;
            try (ProcessRuntime runtime = new ProcessRuntime(); AttachedProcess me = runtime.attach()) {
                Pid collector = me.self();
                long start = System.nanoTime();
                Pid[] pids = new Pid[n];
                for (int i = 0; i < n; i++) {
                    pids[i] = runtime.spawn(ctx -> {
                        Message m = ctx.receive();
                        ctx.send(collector, m.payload());
                    });
                }
                long spawned = System.nanoTime();
                // Every one of them is alive now, waiting for its message.
                assertEquals(n + 1, runtime.processCount(), "all spawned processes alive, plus the attached one");
                for (int i = 0; i < n; i++) {
                    me.send(pids[i], i);
                }
                BitSet replied = new BitSet(n);
                for (int k = 0; k < n; k++) {
                    Message reply = me.receive(Duration.ofSeconds(30));
                    assertNotNull(reply, "only " + k + " of " + n + " processes replied");
                    int i = (Integer) reply.payload();
                    if (replied.get(i)) {
                        fail("process " + i + " replied twice");
                    }
                    replied.set(i);
                }
                assertEquals(n, replied.cardinality());
                awaitProcessCount(runtime, 1, Duration.ofSeconds(30));
                for (Pid pid : pids) {
                    if (runtime.isAlive(pid)) {
                        fail(pid + " is still alive");
                    }
                }
                assertNull(me.receive(Duration.ZERO), "an extra reply");
                System.out.printf("100k processes: spawned in %d ms, all replied and exited after %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(spawned - start), millisSince(start));
            }
        });
    }

    private record Summary(int received, int outOfOrder, String firstProblem, int[] next, boolean extra) {}

    private static final long CHECK = 7;

    @Test
    void fanInOfAMillionMessagesLosesNothingAndKeepsPerSenderOrder() {
        assertTimeoutPreemptively(LIMIT, () -> {
            int senders = 1_000;
            int perSender = 1_000;
            int total = senders * perSender;
            try (ProcessRuntime runtime = new ProcessRuntime(); AttachedProcess me = runtime.attach()) {
                Pid host = me.self();
                long start = System.nanoTime();
                Pid receiver = runtime.spawn(ctx -> {
                    int[] next = new int[senders];
                    int received = 0;
                    int outOfOrder = 0;
                    String firstProblem = null;
                    MessageFilter data = MessageFilter.tags(Message.UNTAGGED);
                    while (received < total) {
                        long value = (Long) ctx.receive(data).payload();
                        int sender = (int) (value >>> 32);
                        int seq = (int) value;
                        if (seq != next[sender]) {
                            outOfOrder++;
                            if (firstProblem == null) {
                                firstProblem = "sender " + sender + ": got " + seq + ", expected " + next[sender];
                            }
                        }
                        next[sender] = seq + 1;
                        received++;
                    }
                    ctx.send(host, "all received");
                    // Once every sender has exited, nothing more may be waiting: no duplicates.
                    ctx.receive(MessageFilter.tags(CHECK));
                    boolean extra = ctx.receive(Duration.ZERO) != null;
                    ctx.send(host, new Summary(received, outOfOrder, firstProblem, next, extra));
                });
                for (int s = 0; s < senders; s++) {
                    long base = (long) s << 32;
                    runtime.spawn(ctx -> {
                        for (int q = 0; q < perSender; q++) {
                            ctx.send(receiver, base | q);
                        }
                    });
                }
                Message done = me.receive(Duration.ofSeconds(50));
                assertNotNull(done, "the receiver did not get all " + total + " messages in time");
                assertEquals("all received", done.payload());
                long received = System.nanoTime();
                awaitProcessCount(runtime, 2, Duration.ofSeconds(20)); // the receiver and me
                me.send(receiver, CHECK, "check");
                Message reply = me.receive(Duration.ofSeconds(10));
                assertNotNull(reply, "no summary");
                Summary summary = (Summary) reply.payload();
                assertEquals(total, summary.received());
                assertEquals(0, summary.outOfOrder(), "messages out of order, lost or duplicated; first: " + summary.firstProblem());
                for (int s = 0; s < senders; s++) {
                    assertEquals(perSender, summary.next()[s], "messages from sender " + s);
                }
                assertTrue(!summary.extra(), "more messages than were sent");
                long ms = TimeUnit.NANOSECONDS.toMillis(received - start);
                System.out.printf("fan-in: %d messages from %d processes in %d ms (%.2f M msgs/s)%n",
                        total, senders, ms, total / 1e3 / Math.max(1, ms));
                awaitProcessCount(runtime, 1, Duration.ofSeconds(10));
            }
        });
    }
}
