package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link Scheduler#yieldCarrier()} lets a starved virtual thread in. Twice as many
 * CPU-bound virtual threads as carriers spin in slices; a newly started virtual thread must still
 * get to run while they spin. A control run without any yield shows the harness really starves.
 */
class YieldCarrierTest {

    private static final long SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static volatile long sink;

    /** The scheduler of the {@link Carriers#WEFT} runs. */
    private static final Scheduler WEFT_SCHEDULER = new Scheduler();

    @AfterAll
    static void closeWeftScheduler() {
        WEFT_SCHEDULER.close();
    }

    /** What the spinners do between slices. */
    private enum Between { YIELD_CARRIER, NOTHING }

    private record Outcome(boolean newcomerRan, long latencyNanos, int spinnersActiveWhenItRan,
                           boolean stopFlagWhenItRan, long slicesBefore, long slicesAfter) {}

    /** Which scheduler the threads run on: the JDK's default one, or Weft's carrier pool. */
    private enum Carriers {
        JDK {
            @Override Thread start(String name, Runnable body) {
                return Thread.ofVirtual().name(name).start(body);
            }
        },
        WEFT {
            @Override Thread start(String name, Runnable body) {
                Thread thread = WEFT_SCHEDULER.newProcessThread(name, body);
                thread.start();
                return thread;
            }
        };

        abstract Thread start(String name, Runnable body);
    }

    private static Outcome race(Between between, long capNanos) throws InterruptedException {
        return race(Carriers.JDK, between, capNanos);
    }

    private static Outcome race(Carriers carriers, Between between, long capNanos) throws InterruptedException {
        int spinners = 2 * Runtime.getRuntime().availableProcessors();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger active = new AtomicInteger();
        AtomicLong slices = new AtomicLong();
        CountDownLatch allSpinning = new CountDownLatch(spinners);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < spinners; i++) {
            Thread t = carriers.start("spinner-" + i, () -> {
                active.incrementAndGet();
                allSpinning.countDown();
                long capEnd = System.nanoTime() + capNanos + TimeUnit.SECONDS.toNanos(2);
                long x = 0;
                try {
                    while (!stop.get() && System.nanoTime() < capEnd) {
                        long sliceEnd = System.nanoTime() + SLICE_NANOS;
                        while (System.nanoTime() < sliceEnd) {
                            x = x * 31 + 7; // busy work, no blocking
                        }
                        slices.incrementAndGet();
                        if (between == Between.YIELD_CARRIER) {
                            Scheduler.yieldCarrier();
                        }
                    }
                } finally {
                    sink = x;
                    active.decrementAndGet();
                }
            });
            threads.add(t);
        }
        // The spinners yield to each other (or hold every carrier), so all of them got started.
        // Wait boundedly: in the NOTHING control only as many as carriers may ever start.
        allSpinning.await(between == Between.YIELD_CARRIER ? 5 : 1, TimeUnit.SECONDS);
        Thread.sleep(50); // let them settle into spinning

        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger activeSeen = new AtomicInteger(-1);
        AtomicBoolean stopSeen = new AtomicBoolean(true);
        AtomicLong ranAt = new AtomicLong();
        long slicesBefore = slices.get();
        long start = System.nanoTime();
        Thread newcomer = carriers.start("newcomer", () -> {
            ranAt.set(System.nanoTime());
            activeSeen.set(active.get());
            stopSeen.set(stop.get());
            ran.countDown();
        });
        boolean newcomerRan = ran.await(capNanos, TimeUnit.NANOSECONDS);
        if (newcomerRan) {
            Thread.sleep(5); // ten slices: the newcomer may get in before any spinner finished one
        }
        long slicesAfter = slices.get();
        stop.set(true); // only now: the spinners stop when it ran or the cap passed
        for (Thread t : threads) {
            t.join(TimeUnit.NANOSECONDS.toMillis(capNanos) + 5_000);
        }
        newcomer.join(5_000);
        return new Outcome(newcomerRan, newcomerRan ? ranAt.get() - start : -1, activeSeen.get(),
                stopSeen.get(), slicesBefore, slicesAfter);
    }

    @Test
    void yieldCarrierLetsAStarvedVirtualThreadIn() {
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> race(Between.YIELD_CARRIER, CAP_NANOS));
        int spinners = 2 * Runtime.getRuntime().availableProcessors();
        System.out.printf("yieldCarrier: newcomer ran after %.3f ms with %d/%d spinners active%n",
                outcome.latencyNanos() / 1e6, outcome.spinnersActiveWhenItRan(), spinners);
        assertTrue(outcome.newcomerRan(), "the newcomer did not run within the 10 s cap");
        assertFalse(outcome.stopFlagWhenItRan(), "the spinners had been told to stop");
        assertEquals(spinners, outcome.spinnersActiveWhenItRan(), "spinners still spinning when it ran");
        assertTrue(outcome.slicesAfter() > outcome.slicesBefore(), "spinners made progress meanwhile");
    }

    @Test
    void yieldCarrierLetsAStarvedProcessThreadInOnWeftCarriers() {
        assertTrue(Scheduler.carriers().startsWith("weft"), "tests run on Weft's carriers: " + Scheduler.carriers());
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> race(Carriers.WEFT, Between.YIELD_CARRIER, CAP_NANOS));
        int spinners = 2 * Runtime.getRuntime().availableProcessors();
        System.out.printf("yieldCarrier on Weft carriers: newcomer ran after %.3f ms with %d/%d spinners active%n",
                outcome.latencyNanos() / 1e6, outcome.spinnersActiveWhenItRan(), spinners);
        assertTrue(outcome.newcomerRan(), "the newcomer did not run within the 10 s cap");
        assertFalse(outcome.stopFlagWhenItRan(), "the spinners had been told to stop");
        assertEquals(spinners, outcome.spinnersActiveWhenItRan(), "spinners still spinning when it ran");
    }

    @Test
    void withoutAnyYieldTheNewcomerStarvesOnWeftCarriersToo() {
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> race(Carriers.WEFT, Between.NOTHING, TimeUnit.MILLISECONDS.toNanos(500)));
        assertFalse(outcome.newcomerRan(), "the newcomer ran although no spinner yielded: the harness proves nothing");
    }

    /**
     * The control: spinners that never give up their carrier keep a new virtual thread out for the
     * whole window, so the test above would notice if yieldCarrier did nothing.
     */
    @Test
    void withoutAnyYieldTheNewcomerStarves() {
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> race(Between.NOTHING, TimeUnit.MILLISECONDS.toNanos(500)));
        assertFalse(outcome.newcomerRan(),
                "the newcomer ran after " + outcome.latencyNanos() / 1e6 + " ms although no spinner yielded;"
                        + " the harness does not starve it, so it proves nothing about yieldCarrier");
    }

    @Test
    void yieldCarrierKeepsTheInterruptStatus() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            AtomicBoolean[] seen = {new AtomicBoolean(), new AtomicBoolean(true)};
            Thread t = Thread.ofVirtual().start(() -> {
                Thread.currentThread().interrupt();
                Scheduler.yieldCarrier();
                seen[0].set(Thread.currentThread().isInterrupted());
                Thread.interrupted();
                Scheduler.yieldCarrier();
                seen[1].set(Thread.currentThread().isInterrupted());
            });
            t.join();
            assertTrue(seen[0].get(), "interrupt status lost");
            assertFalse(seen[1].get(), "interrupt status invented");
        });
    }

    @Test
    void yieldCarrierReturnsOnPlatformThreadsToo() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 1_000; i++) {
                Scheduler.yieldCarrier();
            }
        });
    }
}
