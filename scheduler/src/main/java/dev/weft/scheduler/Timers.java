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

    /** How long {@link #close()} waits for the timer thread to end; it runs only short actions. */
    private static final long CLOSE_WAIT_MILLIS = 1_000;

    private final ScheduledThreadPoolExecutor executor;
    /** The timer thread, once the first timer started it. */
    private volatile Thread thread;

    Timers() {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread timerThread = new Thread(runnable, "weft-timers");
            timerThread.setDaemon(true);
            thread = timerThread;
            return timerThread;
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

    /**
     * Stops the timers: pending ones never fire, and scheduling one throws
     * {@link java.util.concurrent.RejectedExecutionException}. Returns once the timer thread ended
     * (unless called from a timer's action). Idempotent.
     */
    @Override
    public void close() {
        executor.shutdownNow();
        Thread timerThread = thread;
        if (timerThread == null || timerThread == Thread.currentThread()) {
            return;
        }
        try {
            timerThread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }
}
