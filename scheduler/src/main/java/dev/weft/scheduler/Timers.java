package dev.weft.scheduler;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One facility for every delay in a node: receive timeouts, {@code sleep} (a receive that matches
 * nothing), {@code send_after} and its cancel.
 *
 * <p>Timers live in a binary heap served by one platform thread, so scheduling and cancelling
 * cost O(log n) and 100k pending timers are cheap; a cancelled timer leaves the heap at once.
 * Actions run on the timer thread and must be short and non-blocking (an unpark, an enqueue).
 * Waking a virtual thread from this platform thread also puts it on the carrier pool's shared
 * queue, which is fair to threads that were already waiting.
 */
public final class Timers implements AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;

    Timers() {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "weft-timers");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs {@code action} once after {@code delay}. */
    public TimerRef schedule(Duration delay, Runnable action) {
        return scheduleNanos(saturatedNanos(delay), action);
    }

    /** Runs {@code action} once after {@code delayNanos} nanoseconds. */
    public TimerRef scheduleNanos(long delayNanos, Runnable action) {
        return new TimerRef(executor.schedule(action, Math.max(0, delayNanos), TimeUnit.NANOSECONDS));
    }

    /** Unparks {@code thread} after {@code delayNanos}: the building block of timed waits. */
    public TimerRef unparkAfter(long delayNanos, Thread thread) {
        return scheduleNanos(delayNanos, () -> LockSupport.unpark(thread));
    }

    /** The number of timers that have neither fired nor been cancelled. */
    public int pending() {
        return executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }
}
