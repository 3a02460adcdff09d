package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Weft's own carriers for process threads (surefire passes the --add-opens they need). */
class CarrierPoolTest {

    private final Scheduler scheduler = new Scheduler();

    @AfterEach
    void closeScheduler() {
        scheduler.close();
    }

    private Thread start(String name, Runnable body) {
        Thread thread = scheduler.newProcessThread(name, body);
        thread.start();
        return thread;
    }

    @Test
    void processThreadsRunOnWeftCarriers() throws Exception {
        assertTrue(Scheduler.carriers().startsWith("weft carriers"), Scheduler.carriers());
        AtomicBoolean onCarrier = new AtomicBoolean();
        Thread t = start("probe", () -> onCarrier.set(Thread.currentThread().isVirtual()));
        t.join(5_000);
        assertTrue(onCarrier.get());
    }

    @Test
    void hundredThousandThreadsStartedFromOutsideAndInsideAllRunOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int outer = 1_000;
            int inner = 100;
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(outer * inner);
            for (int i = 0; i < outer; i++) {
                start("outer-" + i, () -> { // started from a platform thread: shared queue
                    for (int j = 0; j < inner; j++) {
                        start("inner", () -> { // started on a carrier: its local queue
                            runs.incrementAndGet();
                            done.countDown();
                        });
                    }
                });
            }
            assertTrue(done.await(50, TimeUnit.SECONDS));
            Thread.sleep(50);
            assertEquals(outer * inner, runs.get());
        });
    }

    @Test
    void parkedAndUnparkedThreadsWakeEveryTime() {
        // A chain of hand-offs between virtual threads: each wakes the next with unpark, which
        // queues it on the waker's carrier. Nothing may be lost, across 200k wake-ups.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int threads = 100;
            int laps = 2_000;
            AtomicLong token = new AtomicLong();
            Thread[] ring = new Thread[threads];
            CountDownLatch finished = new CountDownLatch(1);
            for (int i = 0; i < threads; i++) {
                int index = i;
                ring[i] = scheduler.newProcessThread("ring-" + i, () -> {
                    while (true) {
                        long t = token.get();
                        if (t >= (long) threads * laps) {
                            finished.countDown();
                            ring[(index + 1) % threads].interrupt(); // let the others end too
                            return;
                        }
                        if (t % threads == index) {
                            token.incrementAndGet();
                            LockSupport.unpark(ring[(index + 1) % threads]);
                        } else {
                            LockSupport.park();
                            if (Thread.currentThread().isInterrupted()) {
                                ring[(index + 1) % threads].interrupt();
                                return;
                            }
                        }
                    }
                });
            }
            for (Thread t : ring) {
                t.start();
            }
            assertTrue(finished.await(50, TimeUnit.SECONDS), "stuck at token " + token.get());
        });
    }

    @Test
    void aThreadQueuedBehindABusyCarrierIsStolenByAnIdleOne() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two carriers");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch ran = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            Thread sleeper = start("queued", () -> {
                LockSupport.park();
                ran.countDown();
            });
            while (sleeper.getState() != Thread.State.WAITING) {
                Thread.sleep(1);
            }
            // The busy thread wakes the sleeper, which joins the busy thread's carrier queue,
            // then never yields: only an idle carrier stealing it lets it run.
            threads.add(start("busy", () -> {
                LockSupport.unpark(sleeper);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!stop.get() && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }));
            boolean stolen = ran.await(5, TimeUnit.SECONDS);
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }
            assertTrue(stolen, "the queued thread waited for the busy one");
        });
    }
}
