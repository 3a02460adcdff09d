package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimersTest {

    private Scheduler scheduler;
    private Timers timers;

    @BeforeEach
    void start() {
        scheduler = new Scheduler();
        timers = scheduler.timers();
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    @Test
    void firesOnceAfterTheDelay() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            CountDownLatch fired = new CountDownLatch(1);
            AtomicLong firedAt = new AtomicLong();
            AtomicInteger runs = new AtomicInteger();
            long start = System.nanoTime();
            TimerRef ref = timers.schedule(Duration.ofMillis(100), () -> {
                firedAt.set(System.nanoTime());
                runs.incrementAndGet();
                fired.countDown();
            });
            assertFalse(ref.isDone());
            assertTrue(fired.await(5, TimeUnit.SECONDS), "timer did not fire");
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(firedAt.get() - start);
            assertTrue(elapsedMs >= 100, "fired too early: " + elapsedMs + " ms");
            assertTrue(elapsedMs < 3_000, "fired far too late: " + elapsedMs + " ms");
            Thread.sleep(100);
            assertEquals(1, runs.get());
            assertTrue(ref.isDone());
            assertEquals(0, timers.pending());
        });
    }

    @Test
    void zeroAndNegativeDelaysFireAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            CountDownLatch fired = new CountDownLatch(3);
            timers.schedule(Duration.ZERO, fired::countDown);
            timers.schedule(Duration.ofMillis(-50), fired::countDown);
            timers.scheduleNanos(Long.MIN_VALUE, fired::countDown);
            assertTrue(fired.await(2, TimeUnit.SECONDS));
        });
    }

    @Test
    void hugeDelayIsPendingNotOverflowed() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            AtomicInteger runs = new AtomicInteger();
            TimerRef a = timers.schedule(Duration.ofSeconds(Long.MAX_VALUE), runs::incrementAndGet);
            TimerRef b = timers.scheduleNanos(Long.MAX_VALUE, runs::incrementAndGet);
            Thread.sleep(100);
            assertEquals(0, runs.get());
            assertEquals(2, timers.pending());
            assertTrue(a.cancel());
            assertTrue(b.cancel());
            assertEquals(0, timers.pending());
        });
    }

    @Test
    void cancelPreventsFiringAndReturnsTrue() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            AtomicInteger runs = new AtomicInteger();
            TimerRef ref = timers.schedule(Duration.ofMillis(150), runs::incrementAndGet);
            assertEquals(1, timers.pending());
            assertTrue(ref.cancel(), "cancel of a pending timer");
            assertTrue(ref.isDone());
            assertEquals(0, timers.pending(), "a cancelled timer leaves the heap at once");
            assertFalse(ref.cancel(), "second cancel");
            Thread.sleep(400);
            assertEquals(0, runs.get(), "a cancelled timer fired");
        });
    }

    @Test
    void cancelAfterFiringReturnsFalse() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            CountDownLatch fired = new CountDownLatch(1);
            TimerRef ref = timers.schedule(Duration.ofMillis(10), fired::countDown);
            assertTrue(fired.await(5, TimeUnit.SECONDS));
            // isDone turns true once the action returned; wait for that, boundedly.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!ref.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(ref.isDone());
            assertFalse(ref.cancel(), "cancel after firing");
        });
    }

    @Test
    void unparkAfterWakesAParkedVirtualThread() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            AtomicLong wokeAfter = new AtomicLong(-1);
            Thread sleeper = Thread.ofVirtual().unstarted(() -> {
                long start = System.nanoTime();
                timers.unparkAfter(TimeUnit.MILLISECONDS.toNanos(50), Thread.currentThread());
                // Park for up to 5 s at a time: only the timer's unpark can end this in well under that.
                do {
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
                } while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(45));
                wokeAfter.set(System.nanoTime() - start);
            });
            sleeper.start();
            sleeper.join();
            long ms = TimeUnit.NANOSECONDS.toMillis(wokeAfter.get());
            assertTrue(ms >= 45 && ms < 3_000, "woke after " + ms + " ms");
        });
    }

    @Test
    void hundredThousandPendingTimersCancelledLeaveNothingPending() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            int n = 100_000;
            AtomicInteger runs = new AtomicInteger();
            List<TimerRef> refs = new ArrayList<>(n);
            long start = System.nanoTime();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < n; i++) {
                // One to two hours: none fires during the test; random so the heap really reorders.
                refs.add(timers.schedule(Duration.ofSeconds(3_600 + random.nextInt(3_600)), runs::incrementAndGet));
            }
            long scheduled = System.nanoTime();
            assertEquals(n, timers.pending());
            int cancelled = 0;
            // Cancel in an order unrelated to the heap order.
            for (int i = 0; i < n; i += 2) {
                cancelled += refs.get(i).cancel() ? 1 : 0;
            }
            for (int i = n - 1; i >= 1; i -= 2) {
                cancelled += refs.get(i).cancel() ? 1 : 0;
            }
            long done = System.nanoTime();
            assertEquals(n, cancelled);
            assertEquals(0, timers.pending());
            assertEquals(0, runs.get());
            long scheduleMs = TimeUnit.NANOSECONDS.toMillis(scheduled - start);
            long cancelMs = TimeUnit.NANOSECONDS.toMillis(done - scheduled);
            System.out.printf("100k timers: schedule %d ms, cancel %d ms%n", scheduleMs, cancelMs);
            // O(log n) each: well under a second on this machine; 5 s allows for a noisy one.
            assertTrue(scheduleMs + cancelMs < 5_000, "too slow: " + scheduleMs + " + " + cancelMs + " ms");
        });
    }

    @Test
    void hundredThousandShortTimersAllFireExactlyOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            int n = 100_000;
            AtomicIntegerArray runs = new AtomicIntegerArray(n);
            CountDownLatch all = new CountDownLatch(n);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int index = i;
                timers.scheduleNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(200)), () -> {
                    runs.incrementAndGet(index);
                    all.countDown();
                });
            }
            if (!all.await(20, TimeUnit.SECONDS)) {
                fail(all.getCount() + " of " + n + " timers did not fire");
            }
            System.out.printf("100k short timers fired in %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            Thread.sleep(100); // a double firing would show up now
            for (int i = 0; i < n; i++) {
                assertEquals(1, runs.get(i), "timer " + i + " runs");
            }
            assertEquals(0, timers.pending());
        });
    }

    @Test
    void closeStopsPendingTimers() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Scheduler other = new Scheduler();
            AtomicInteger runs = new AtomicInteger();
            for (int i = 0; i < 1_000; i++) {
                other.timers().schedule(Duration.ofMillis(100), runs::incrementAndGet);
            }
            other.close();
            Thread.sleep(300);
            assertEquals(0, runs.get());
        });
    }
}
