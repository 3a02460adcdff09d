package dev.weft.scheduler;

import dev.weft.scheduler.internal.CarrierPool;
import dev.weft.scheduler.internal.ProcessThreads;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs processes: each on its own virtual thread, with one {@link Timers} facility for every
 * delay (receive timeouts, sleep, send-after) and a way to give up the carrier thread.
 *
 * <p>A scheduler is shared by all processes of a node and is thread-safe.
 */
public final class Scheduler implements AutoCloseable {

    private final Timers timers = new Timers();

    /** A new, unstarted virtual thread named after the process it runs. */
    public Thread newProcessThread(String name, Runnable body) {
        return ProcessThreads.unstarted(name, body);
    }

    /**
     * Which carriers run process threads: Weft's own carrier pool, or the JDK's default scheduler
     * (when the JVM lacks {@code --add-opens java.base/java.lang=ALL-UNNAMED}, or with
     * {@code -Dweft.scheduler=jdk}), and why.
     */
    public static String carriers() {
        return ProcessThreads.describe();
    }

    /** The timers of this scheduler. */
    public Timers timers() {
        return timers;
    }

    /**
     * Gives the carrier thread to other runnable virtual threads, including ones that were just
     * started or woken from outside the carrier pool.
     *
     * <p>{@code Thread.yield()} is not enough: a yielding virtual thread goes back on its carrier's
     * local queue, so busy threads only trade carriers among themselves and a thread submitted from
     * outside (a new process, a timer wake-up) can wait for seconds. A timed park takes the thread
     * off the carrier entirely and brings it back through the pool's shared queue, behind whatever
     * was already waiting there. Costs about 25-30 µs per call; callers yield once per slice of
     * work, not per operation. The interrupt status is kept.
     */
    public static void yieldCarrier() {
        // A pending unpark permit would make the first park return at once without yielding.
        long start = System.nanoTime();
        LockSupport.parkNanos(1);
        if (System.nanoTime() - start < 1_000 && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(1);
        }
    }

    /**
     * Do busy process threads get asked to give up their carrier (see {@link #preemptionPending()})?
     * True on Weft's carriers; false on the JDK's default scheduler, where only yielding by
     * themselves (Wasm guests that count fuel) keeps busy processes from holding carriers.
     */
    public static boolean preemptsAtSafepoints() {
        return ProcessThreads.preemptsAtSafepoints();
    }

    /**
     * A cheap hint for safepoints (places in long-running code where yielding is safe, such as a
     * Wasm guest's calls and loop back-edges): true while some carrier has been asked to give up a
     * task that kept it for a slice ({@value CarrierPool#SLICE_NANOS} ns or more) while others
     * waited. Then call {@link #yieldIfPreempted()}.
     */
    public static boolean preemptionPending() {
        return CarrierPool.preemptionPending();
    }

    /**
     * At a safepoint: if the current thread's carrier was asked to give it up, yields the carrier
     * ({@link #yieldCarrier()}) and returns true; else returns false at once.
     */
    public static boolean yieldIfPreempted() {
        if (CarrierPool.takePreemptRequest()) {
            yieldCarrier();
            return true;
        }
        return false;
    }

    /** Stops the timers; pending timers never fire. */
    @Override
    public void close() {
        timers.close();
    }
}
