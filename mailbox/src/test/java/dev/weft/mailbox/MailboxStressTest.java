package dev.weft.mailbox;

import static dev.weft.mailbox.OwnerThread.ownedMailbox;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Races between senders and the owner: nothing lost, duplicated or reordered, and no lost wake-ups.
 * Every test is bounded: the owner runs under a deadline that fails the test.
 */
class MailboxStressTest {

    private Scheduler scheduler;

    @BeforeEach
    void start() {
        scheduler = new Scheduler();
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    // ---- many senders, selective receives, timeouts ----

    private record Item(int sender, int seq) {}

    /** The tag of a sender's seq-th message: a pure function, so the checker can recompute it. */
    private static long tagOf(int sender, int seq) {
        return (sender * 7L + seq) % 4; // 0 (untagged) .. 3
    }

    private static Message messageOf(int sender, int seq) {
        return new Message(tagOf(sender, seq), new Item(sender, seq));
    }

    /** Filters that depend only on the message, so they can be re-evaluated on a reconstructed one. */
    private static final List<MessageFilter> FILTERS = List.of(
            MessageFilter.any(),
            MessageFilter.tags(1),
            MessageFilter.tags(2, 3),
            MessageFilter.tags(Message.UNTAGGED),
            MessageFilter.payload(p -> ((Item) p).seq() % 5 == 0),
            message -> message.tag() != 0 && ((Item) message.payload()).sender() % 2 == 1,
            MessageFilter.payloadOf(Item.class),
            MessageFilter.tags(42)); // matches nothing: a pure timeout racing with sends

    @Test
    void manySendersSelectiveReceivesAndTimeouts() throws Throwable {
        int platformSenders = 8;
        int virtualSenders = 100;
        int perPlatform = 6_000;
        int perVirtual = 700;
        int senders = platformSenders + virtualSenders;
        int[] counts = new int[senders];
        int total = 0;
        for (int s = 0; s < senders; s++) {
            counts[s] = s < platformSenders ? perPlatform : perVirtual;
            total += counts[s];
        }
        int expected = total;
        AtomicReference<Mailbox> box = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        AtomicBoolean abort = new AtomicBoolean();
        List<Thread> senderThreads = new ArrayList<>();
        int[] maxBacklog = new int[1];
        int[] stats = new int[3]; // received, timed out (null), receives
        // Flow control, so the backlog swings between empty (the owner parks, wake-ups race with
        // sends) and thousands (selective receives skip and save): senders hold back while more
        // than `window` of their messages are unreceived; the owner changes the window as it goes.
        AtomicLong sentTotal = new AtomicLong();
        AtomicLong receivedTotal = new AtomicLong();
        AtomicInteger window = new AtomicInteger(16);

        long start = System.nanoTime();
        Thread.Builder owner = Thread.ofVirtual().name("stress-owner");
        Runnable startSenders = () -> {
            for (int s = 0; s < senders; s++) {
                int sender = s;
                Thread.Builder builder = s < platformSenders
                        ? Thread.ofPlatform().daemon(true).name("sender-p" + s)
                        : Thread.ofVirtual().name("sender-v" + s);
                senderThreads.add(builder.start(() -> {
                    try {
                        ready.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    Mailbox mailbox = box.get();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int q = 0; q < counts[sender] && !abort.get(); q++) {
                        while (sentTotal.get() - receivedTotal.get() > window.get() && !abort.get()) {
                            LockSupport.parkNanos(random.nextLong(10_000, 100_000));
                        }
                        mailbox.send(messageOf(sender, q));
                        sentTotal.incrementAndGet();
                        int r = random.nextInt(1_000);
                        if (r < 3) {
                            LockSupport.parkNanos(random.nextLong(200_000)); // let timeouts expire
                        } else if (r < 20) {
                            Scheduler.yieldCarrier();
                        }
                    }
                }));
            }
        };
        try {
            OwnerThread.run(owner, Duration.ofSeconds(60), () -> {
                Mailbox mailbox = ownedMailbox(scheduler.timers());
                box.set(mailbox);
                startSenders.run();
                ready.countDown();
                BitSet[] received = new BitSet[senders];
                int[] firstMissing = new int[senders];
                for (int s = 0; s < senders; s++) {
                    received[s] = new BitSet(counts[s]);
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int got = 0;
                int[] windows = {0, 1, 4, 16, 64, 512, 4_096};
                while (got < expected) {
                    // Tight windows are slow (each message waits for a wake-up): keep them short.
                    if (random.nextInt(window.get() <= 4 ? 200 : 2_000) == 0) {
                        window.set(windows[random.nextInt(windows.length)]);
                    }
                    if (random.nextInt(500) == 0) {
                        // Fall behind now and then: a backlog makes selective receives skip and save.
                        LockSupport.parkNanos(random.nextLong(200_000, 1_000_000));
                    }
                    // "any" about a third of the time; the filter that matches nothing only rarely.
                    int f = random.nextInt(FILTERS.size() + 4);
                    if (f == FILTERS.size() - 1 && random.nextInt(4) != 0) {
                        f = 0;
                    }
                    MessageFilter filter = f < FILTERS.size() ? FILTERS.get(f) : MessageFilter.any();
                    Message message;
                    switch (random.nextInt(6)) {
                        case 0 -> message = mailbox.receive(filter, Duration.ZERO);
                        case 1 -> message = mailbox.poll(filter);
                        case 2 -> message = mailbox.receive(filter, Duration.ofNanos(20_000));
                        case 3 -> message = mailbox.receive(filter, Duration.ofNanos(100_000));
                        case 4 -> message = mailbox.receive(filter, random.nextLong(1, 150_000));
                        default -> message = filter == MessageFilter.any()
                                ? mailbox.receive() // an unreceived message is sure to exist
                                : mailbox.receive(filter, Duration.ofNanos(250_000));
                    }
                    stats[2]++;
                    if (message == null) {
                        stats[1]++;
                        continue;
                    }
                    if (!filter.matches(message)) {
                        fail("receive returned a message its filter rejects: " + message);
                    }
                    Item item = (Item) message.payload();
                    int s = item.sender();
                    int q = item.seq();
                    assertEquals(tagOf(s, q), message.tag(), "tag of " + item);
                    if (received[s].get(q)) {
                        fail("duplicate: " + item);
                    }
                    // Oldest match first: no older message of this sender that this filter accepts
                    // may still be waiting (it was sent, hence queued, before this one).
                    for (int j = received[s].nextClearBit(firstMissing[s]); j < q; j = received[s].nextClearBit(j + 1)) {
                        if (filter.matches(messageOf(s, j))) {
                            fail("order: took " + item + " while the older match " + new Item(s, j)
                                    + " was still waiting (filter " + f + ")");
                        }
                    }
                    received[s].set(q);
                    firstMissing[s] = received[s].nextClearBit(firstMissing[s]);
                    got++;
                    receivedTotal.set(got);
                    if ((got & 63) == 0) {
                        maxBacklog[0] = Math.max(maxBacklog[0], mailbox.size()); // size() walks the inbox
                    }
                }
                stats[0] = got;
                for (int s = 0; s < senders; s++) {
                    assertEquals(counts[s], received[s].cardinality(), "sender " + s);
                }
                assertEquals(0, mailbox.size(), "left over");
                assertNull(mailbox.poll(MessageFilter.any()), "an extra message");
            });
        } finally {
            abort.set(true);
            ready.countDown();
            for (Thread t : senderThreads) {
                t.join(5_000);
            }
        }
        System.out.printf("stress: %d messages from %d senders, %d receives (%d timed out), max backlog %d, in %d ms%n",
                stats[0], senders, stats[2], stats[1], maxBacklog[0],
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertEquals(expected, stats[0]);
        // Every timer a receive created was cancelled or fired.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (scheduler.timers().pending() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(0, scheduler.timers().pending(), "timers left behind");
    }

    // ---- lost wake-ups ----

    /** Busy-waits a random, short while: from nothing to a few tens of microseconds. */
    private static void randomPause(ThreadLocalRandom random) {
        int r = random.nextInt(100);
        if (r < 10) {
            return;
        }
        if (r < 15) {
            Thread.yield();
            return;
        }
        long end = System.nanoTime() + random.nextLong(r < 80 ? 3_000 : 40_000);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** Waits until {@code flag} reaches {@code value}, spinning first, then yielding. */
    private static boolean awaitValue(AtomicInteger flag, int value, AtomicBoolean abort) {
        long spinUntil = System.nanoTime() + 50_000;
        while (flag.get() < value) {
            if (abort.get()) {
                return false;
            }
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                // Not Thread.yield(): yielding virtual threads keep a thread woken from outside
                // the carrier pool (the owner, unparked by the timer thread) off the carriers.
                Scheduler.yieldCarrier();
            }
        }
        return true;
    }

    /**
     * Each round the owner blocks in a receive while {@code senders} threads each send one message
     * at a random moment (before, during or after the owner parks). A lost wake-up shows as an
     * untimed receive that never returns (the owner's deadline fails the test, naming the round) or
     * as a timed receive that only returned thanks to its timer.
     */
    private void lostWakeUpRounds(Thread.Builder ownerBuilder, Thread.Builder senderBuilder, int senders,
                                  int rounds, boolean timed, boolean selective) throws Throwable {
        AtomicInteger round = new AtomicInteger(-1);
        AtomicBoolean abort = new AtomicBoolean();
        AtomicReference<Mailbox> box = new AtomicReference<>();
        CountDownLatch boxReady = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long[] slowest = new long[1];
        try {
            OwnerThread.run(ownerBuilder, Duration.ofSeconds(40), () -> {
                Mailbox mailbox = ownedMailbox(scheduler.timers());
                box.set(mailbox);
                for (int i = 0; i < senders; i++) {
                    int id = i;
                    threads.add(senderBuilder.start(() -> {
                        try {
                            boxReady.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        Mailbox target = box.get();
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        for (int r = 0; r < rounds; r++) {
                            if (!awaitValue(round, r, abort)) {
                                return;
                            }
                            randomPause(random);
                            if (selective) {
                                target.send(new Message(1, -1)); // wakes the owner, matches nothing
                                randomPause(random);
                            }
                            target.send(new Message(2, r * 1_000 + id));
                        }
                    }));
                }
                boxReady.countDown();
                for (int r = 0; r < rounds; r++) {
                    round.set(r); // go
                    for (int i = 0; i < senders; i++) {
                        long t0 = System.nanoTime();
                        MessageFilter filter = selective ? MessageFilter.tags(2) : MessageFilter.any();
                        Message m = timed ? mailbox.receive(filter, Duration.ofSeconds(10)) : mailbox.receive(filter);
                        long took = System.nanoTime() - t0;
                        slowest[0] = Math.max(slowest[0], took);
                        assertNotNull(m, "round " + r + ": timed out, the wake-up was lost");
                        assertTrue(took < TimeUnit.SECONDS.toNanos(5), "round " + r + ": took "
                                + took / 1_000_000 + " ms, woken by the timer, not by the send");
                        int value = (Integer) m.payload();
                        assertEquals(r, value / 1_000, "round of " + m);
                    }
                    if (selective) {
                        assertEquals(senders, mailbox.removeIf(MessageFilter.tags(1)));
                    }
                    assertEquals(0, mailbox.size());
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError("stuck or failed in round " + round.get() + ": " + e.getMessage(), e);
        } finally {
            abort.set(true);
            boxReady.countDown();
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
        System.out.printf("lost wake-up: %d rounds x %d senders (timed %s, selective %s) in %d ms, slowest receive %.2f ms%n",
                rounds, senders, timed, selective, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                slowest[0] / 1e6);
    }

    @Test
    void noLostWakeUpVirtualOwnerVirtualSender() throws Throwable {
        lostWakeUpRounds(Thread.ofVirtual(), Thread.ofVirtual(), 1, 20_000, false, false);
    }

    @Test
    void noLostWakeUpPlatformOwnerPlatformSender() throws Throwable {
        lostWakeUpRounds(Thread.ofPlatform().daemon(true), Thread.ofPlatform().daemon(true), 1, 10_000, false, false);
    }

    @Test
    void noLostWakeUpTimedReceive() throws Throwable {
        lostWakeUpRounds(Thread.ofVirtual(), Thread.ofPlatform().daemon(true), 1, 10_000, true, false);
    }

    @Test
    void noLostWakeUpSelectiveReceiveWokenFirstByANonMatch() throws Throwable {
        lostWakeUpRounds(Thread.ofVirtual(), Thread.ofVirtual(), 1, 10_000, false, true);
    }

    @Test
    void noLostWakeUpSeveralSendersPerRound() throws Throwable {
        lostWakeUpRounds(Thread.ofVirtual(), Thread.ofVirtual(), 3, 5_000, true, true);
    }

    /** close() at a random moment around the owner's park must always end the receive. */
    @Test
    void closeRacingWithABlockingReceiveAlwaysWakesIt() throws Throwable {
        int rounds = 5_000;
        AtomicReference<Mailbox> current = new AtomicReference<>();
        AtomicInteger round = new AtomicInteger(-1);
        AtomicBoolean abort = new AtomicBoolean();
        Thread closer = Thread.ofPlatform().daemon(true).start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int r = 0; r < rounds; r++) {
                if (!awaitValue(round, r, abort)) {
                    return;
                }
                randomPause(random);
                current.get().close();
            }
        });
        try {
            OwnerThread.runVirtual(Duration.ofSeconds(60), () -> {
                for (int r = 0; r < rounds; r++) {
                    Mailbox mailbox = ownedMailbox(scheduler.timers());
                    current.set(mailbox);
                    round.set(r);
                    try {
                        mailbox.receive(r % 2 == 0 ? MessageFilter.any() : MessageFilter.tags(7), r % 3 == 0 ? -1 : TimeUnit.SECONDS.toNanos(10));
                        fail("round " + r + ": receive returned on a closed mailbox");
                    } catch (MailboxClosedException expected) {
                        // the point
                    }
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError("stuck or failed in round " + round.get() + ": " + e.getMessage(), e);
        } finally {
            abort.set(true);
            closer.join(5_000);
        }
    }

    /** An interrupt at a random moment around the owner's park must always end the receive. */
    @Test
    void interruptRacingWithABlockingReceiveAlwaysWakesIt() throws Throwable {
        int rounds = 5_000;
        AtomicReference<Thread> ownerThread = new AtomicReference<>();
        AtomicInteger round = new AtomicInteger(-1);
        AtomicInteger acknowledged = new AtomicInteger(-1);
        AtomicBoolean abort = new AtomicBoolean();
        Thread interrupter = Thread.ofPlatform().daemon(true).start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int r = 0; r < rounds; r++) {
                if (!awaitValue(round, r, abort)) {
                    return;
                }
                randomPause(random);
                ownerThread.get().interrupt();
                acknowledged.set(r);
            }
        });
        try {
            OwnerThread.runVirtual(Duration.ofSeconds(60), () -> {
                ownerThread.set(Thread.currentThread());
                Mailbox mailbox = ownedMailbox(scheduler.timers());
                long slowest = 0;
                int slowestRound = -1;
                for (int r = 0; r < rounds; r++) {
                    round.set(r);
                    long t0 = System.nanoTime();
                    try {
                        mailbox.receive(MessageFilter.any(), r % 2 == 0 ? -1 : TimeUnit.SECONDS.toNanos(10));
                        fail("round " + r + ": receive returned without a message");
                    } catch (InterruptedException expected) {
                        // the point
                    }
                    long took = System.nanoTime() - t0;
                    if (took > slowest) {
                        slowest = took;
                        slowestRound = r;
                    }
                    // Do not start the next round while this round's interrupt is still to come.
                    awaitValue(acknowledged, r, abort);
                    Thread.interrupted();
                }
                System.out.printf("interrupt race: slowest receive %.2f ms in round %d%n", slowest / 1e6, slowestRound);
            });
        } catch (AssertionError e) {
            throw new AssertionError("stuck or failed in round " + round.get() + ": " + e.getMessage(), e);
        } finally {
            abort.set(true);
            interrupter.join(5_000);
        }
    }
}
