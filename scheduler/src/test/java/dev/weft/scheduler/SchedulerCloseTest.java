package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A scheduler owns its threads (carriers, their watcher, the timer thread) and {@link Scheduler#close()}
 * stops them: whatever its process threads are doing, nothing of a closed scheduler stays alive.
 */
@Timeout(120)
class SchedulerCloseTest {

    /** The live threads whose names start with {@code weft-}. */
    static Set<Thread> weftThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("weft-"))
                .collect(Collectors.toSet());
    }

    /** The weft threads alive now that were not alive in {@code before}. */
    static List<Thread> startedSince(Set<Thread> before) {
        return weftThreads().stream().filter(t -> !before.contains(t)).toList();
    }

    /** The names of those of {@code threads} still alive, after giving each up to 10 s to end. */
    static List<String> stillAlive(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(10_000);
        }
        return threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    private static Thread start(Scheduler scheduler, String name, Runnable body) {
        Thread thread = scheduler.newProcessThread(name, body);
        thread.start();
        return thread;
    }

    @Test
    void aClosedSchedulerLeavesNoThreadBehind() throws Exception {
        Set<Thread> before = weftThreads();
        Scheduler scheduler = new Scheduler();
        CountDownLatch ran = new CountDownLatch(1);
        start(scheduler, "quick", ran::countDown).join(10_000);
        Thread parked = start(scheduler, "parked", LockSupport::park);
        scheduler.timers().schedule(Duration.ofHours(1), () -> {});
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        List<Thread> started = startedSince(before);
        List<String> names = started.stream().map(Thread::getName).toList();
        assertTrue(names.stream().anyMatch(n -> n.startsWith("weft-carrier-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("weft-carrier-") && n.endsWith("-watcher")), names.toString());
        assertTrue(names.contains("weft-timers"), names.toString());

        scheduler.close();

        assertEquals(List.of(), started.stream().filter(Thread::isAlive).map(Thread::getName).toList(),
                "threads alive when close returned");
        assertEquals(List.of(), startedSince(before).stream().map(Thread::getName).toList());
        LockSupport.unpark(parked); // the leftover process thread: its wake-up is dropped, nothing throws
        assertTrue(parked.isAlive(), "a leftover process thread never runs again");
    }

    @Test
    void closeIsIdempotentAndRefusesNewProcessThreads() throws Exception {
        Set<Thread> before = weftThreads();
        Scheduler scheduler = new Scheduler();
        start(scheduler, "one", () -> {}).join(10_000);
        scheduler.close();
        scheduler.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> scheduler.newProcessThread("late", () -> {}));
        assertEquals("the scheduler is closed", closed.getMessage());
        assertEquals(List.of(), stillAlive(startedSince(before)));

        Scheduler unused = new Scheduler(); // never ran a process thread: closing it starts nothing
        unused.close();
        assertThrows(IllegalStateException.class, () -> unused.newProcessThread("late", () -> {}));
        assertEquals(List.of(), startedSince(before).stream().map(Thread::getName).toList());
    }

    @Test
    void twoSchedulersWithDifferentStackSizesEachCloseTheirOwnCarriers() throws Exception {
        Set<Thread> before = weftThreads();
        Scheduler small = new Scheduler(256L << 10);
        AtomicReference<OptionalLong> smallStack = new AtomicReference<>();
        start(small, "small", () -> smallStack.set(Scheduler.currentStackSize())).join(10_000);
        List<Thread> smallThreads = startedSince(before);

        Set<Thread> beforeBig = weftThreads();
        Scheduler big = new Scheduler(512L << 10);
        AtomicReference<OptionalLong> bigStack = new AtomicReference<>();
        start(big, "big", () -> bigStack.set(Scheduler.currentStackSize())).join(10_000);
        List<Thread> bigThreads = startedSince(beforeBig);
        assertEquals(OptionalLong.of(256L << 10), smallStack.get());
        assertEquals(OptionalLong.of(512L << 10), bigStack.get());

        small.close();
        assertEquals(List.of(), stillAlive(smallThreads), "the closed scheduler's threads");
        assertTrue(bigThreads.stream().allMatch(Thread::isAlive), "the other scheduler's carriers stay");
        AtomicReference<OptionalLong> later = new AtomicReference<>();
        start(big, "big-later", () -> later.set(Scheduler.currentStackSize())).join(10_000);
        assertEquals(OptionalLong.of(512L << 10), later.get(), "the other scheduler still runs process threads");

        big.close();
        assertEquals(List.of(), stillAlive(bigThreads));
    }

    @Test
    void closeWhileProcessThreadsSpinInLoopsWithSafepoints() throws Exception {
        Set<Thread> before = weftThreads();
        Scheduler scheduler = new Scheduler();
        int busy = 2 * Runtime.getRuntime().availableProcessors();
        CountDownLatch spinning = new CountDownLatch(busy);
        AtomicLong laps = new AtomicLong();
        for (int i = 0; i < busy; i++) {
            start(scheduler, "spinner-" + i, () -> {
                spinning.countDown();
                while (true) { // never ends by itself: only a yield at a safepoint gives the carrier back
                    laps.incrementAndGet();
                    if (Scheduler.preemptionPending()) {
                        Scheduler.yieldIfPreempted();
                    }
                }
            });
        }
        assertTrue(spinning.await(10, TimeUnit.SECONDS), "the spinners take turns to start");

        scheduler.close();

        assertEquals(List.of(), stillAlive(startedSince(before)));
        assertFalse(Scheduler.preemptionPending(), "a closed scheduler withdrew its preemption requests");
        long frozen = laps.get();
        Thread.sleep(20);
        assertEquals(frozen, laps.get(), "no spinner runs after close");
    }

    @Test
    void closeFromOneOfItsOwnProcessThreadsReturnsAndTheCarriersEndAfterIt() throws Exception {
        Set<Thread> before = weftThreads();
        Scheduler scheduler = new Scheduler();
        CountDownLatch closed = new CountDownLatch(1);
        start(scheduler, "closer", () -> {
            scheduler.close();
            closed.countDown();
        });
        assertTrue(closed.await(10, TimeUnit.SECONDS), "close returned on the scheduler's own process thread");
        assertEquals(List.of(), stillAlive(startedSince(before)));
    }

    /**
     * Bounded stress: many schedulers, each closed at a random moment while its process threads pass
     * a token around a ring (park and unpark, so wake-ups race with close), from two threads at once.
     */
    @Test
    void manySchedulersClosedWhileBusyLeaveNoThreadBehind() throws Exception {
        Set<Thread> before = weftThreads();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int round = 0; round < 200; round++) {
            Scheduler scheduler = new Scheduler();
            int size = 2 + random.nextInt(19); // a ring of one would spin without parking
            Thread[] ring = new Thread[size];
            AtomicLong token = new AtomicLong();
            for (int i = 0; i < size; i++) {
                int index = i;
                ring[i] = scheduler.newProcessThread("ring-" + i, () -> {
                    while (true) {
                        if (token.get() % size == index) {
                            token.incrementAndGet();
                            LockSupport.unpark(ring[(index + 1) % size]);
                        } else {
                            LockSupport.park();
                        }
                    }
                });
            }
            for (Thread t : ring) {
                t.start();
            }
            scheduler.timers().schedule(Duration.ofNanos(random.nextLong(200_000)), () -> LockSupport.unpark(ring[0]));
            LockSupport.parkNanos(random.nextLong(500_000));
            AtomicBoolean failed = new AtomicBoolean();
            Thread otherCloser = Thread.ofPlatform().start(() -> {
                try {
                    scheduler.close();
                } catch (Throwable e) {
                    failed.set(true);
                }
            });
            scheduler.close();
            otherCloser.join(10_000);
            assertFalse(failed.get(), "close failed on the other thread");
            List<String> alive = stillAlive(startedSince(before));
            assertEquals(List.of(), alive, "round " + round);
            assertFalse(Scheduler.preemptionPending(), "round " + round);
        }
    }

    @Test
    void aNewSchedulerAfterManyClosedOnesStillRunsAndPreempts() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (Scheduler scheduler = new Scheduler()) {
                start(scheduler, "short", () -> {}).join(10_000);
            }
        }
        try (Scheduler scheduler = new Scheduler()) {
            int busy = 2 * Runtime.getRuntime().availableProcessors();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong yields = new AtomicLong();
            List<Thread> spinners = new ArrayList<>();
            for (int i = 0; i < busy; i++) {
                spinners.add(start(scheduler, "spinner-" + i, () -> {
                    while (!stop.get()) {
                        if (Scheduler.preemptionPending() && Scheduler.yieldIfPreempted()) {
                            yields.incrementAndGet();
                        }
                    }
                }));
            }
            CountDownLatch ran = new CountDownLatch(1);
            start(scheduler, "newcomer", ran::countDown);
            assertTrue(ran.await(10, TimeUnit.SECONDS), "a newcomer ran next to " + busy + " busy threads");
            stop.set(true);
            for (Thread t : spinners) {
                t.join(10_000);
            }
            assertTrue(yields.get() > 0, "the busy threads were preempted");
        }
    }
}
