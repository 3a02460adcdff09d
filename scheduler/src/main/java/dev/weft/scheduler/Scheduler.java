package dev.weft.scheduler;

import dev.weft.scheduler.internal.CarrierPool;
import dev.weft.scheduler.internal.ProcessThreads;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs processes: each on its own virtual thread, with one {@link Timers} facility for every
 * delay (receive timeouts, sleep, send-after) and a way to give up the carrier thread.
 *
 * <p>Stack size: a process's frames may use {@link #stackSize()} bytes of stack, which bounds how
 * deep it may recurse; a process that goes deeper gets a {@link StackOverflowError} on its own
 * thread, and the JVM stays up. The size is that of the carrier threads the process threads run on,
 * so it applies only on Weft's carriers: on the JDK's default scheduler (see {@link #carriers()})
 * the JVM's thread stack size ({@code -Xss}) applies instead.
 *
 * <p>What it does not bound: a virtual thread that parks or yields leaves its frames in the heap
 * and, when it resumes, brings back only the top ones, so only the frames pushed since a process
 * last resumed must fit. A process that recurses a little between yields can grow its stack in the
 * heap beyond this size; Weft's Wasm processes count their frames after they resume and end past
 * about this size (the process module's {@code StackGuard}).
 *
 * <p>Threads: a scheduler owns the threads it runs on. On Weft's carriers it starts its carriers (one
 * per core, {@code weft-carrier-*}) and their preemption watcher with its first process thread, and a
 * timer thread ({@code weft-timers}) with its first timer; {@link #close()} stops them all. Close a
 * scheduler after its processes ended (a node's runtime kills them first): a process thread still
 * parked or queued then never runs again, and one still running keeps its carrier only until it
 * parks or yields.
 *
 * <p>A scheduler is shared by all processes of a node and is thread-safe.
 */
public final class Scheduler implements AutoCloseable {

    /**
     * The default stack size of a process: 1 MiB, the JVM's own default thread stack size on 64-bit
     * Linux, so Java code recurses as deep on a process thread as on a platform thread (about 22k
     * small Java frames; measured with a simple recursive Wasm function: about 5,900 calls compiled,
     * 860 interpreted). Larger would let one runaway recursion hold more: its frames fill the
     * carrier's stack, and the heap once it parks (a parked virtual thread's frames are copied there).
     */
    public static final long DEFAULT_STACK_SIZE = 1L << 20;

    /** The smallest stack size a scheduler accepts: 64 KiB (the JVM rounds it up to its own minimum). */
    public static final long MIN_STACK_SIZE = 64L << 10;

    /** The largest stack size a scheduler accepts: 1 GiB. */
    public static final long MAX_STACK_SIZE = 1L << 30;

    private final Timers timers = new Timers();
    private final long stackSize;
    private final ProcessThreads threads;

    /** A scheduler whose processes get {@link #DEFAULT_STACK_SIZE} bytes of stack. */
    public Scheduler() {
        this(DEFAULT_STACK_SIZE);
    }

    /**
     * A scheduler whose processes get {@code stackSize} bytes of stack.
     *
     * @throws IllegalArgumentException if {@code stackSize} is outside {@link #MIN_STACK_SIZE}..{@link #MAX_STACK_SIZE}
     */
    public Scheduler(long stackSize) {
        this.stackSize = checkStackSize(stackSize);
        this.threads = new ProcessThreads(stackSize);
    }

    /**
     * Returns {@code stackSize} if a scheduler accepts it.
     *
     * @throws IllegalArgumentException if it is outside {@link #MIN_STACK_SIZE}..{@link #MAX_STACK_SIZE}
     */
    public static long checkStackSize(long stackSize) {
        if (stackSize < MIN_STACK_SIZE || stackSize > MAX_STACK_SIZE) {
            throw new IllegalArgumentException("the stack size must be between " + MIN_STACK_SIZE + " (64 KiB) and "
                    + MAX_STACK_SIZE + " (1 GiB) bytes, got " + stackSize);
        }
        return stackSize;
    }

    /** The stack size of this scheduler's process threads, in bytes (on Weft's carriers; see above). */
    public long stackSize() {
        return stackSize;
    }

    /**
     * A new, unstarted virtual thread named after the process it runs, with {@link #stackSize()} of stack.
     *
     * @throws IllegalStateException if the scheduler is closed
     */
    public Thread newProcessThread(String name, Runnable body) {
        return threads.unstarted(name, body);
    }

    /**
     * The stack size the calling thread runs with, if it is a process thread on Weft's carriers;
     * empty on the JDK's default scheduler (the JVM's {@code -Xss} applies) and on other threads.
     */
    public static OptionalLong currentStackSize() {
        return ProcessThreads.currentStackSize();
    }

    /**
     * Which carriers run process threads: Weft's own carrier pool, or the JDK's default scheduler
     * (when the JVM lacks {@code --add-opens java.base/java.lang=ALL-UNNAMED}, or with
     * {@code -Dweft.scheduler=jdk}), and why. The same for every scheduler of a JVM; the first
     * scheduler made in a JVM that lacks the flag says so once, as a warning of the
     * {@code dev.weft.scheduler} {@link System.Logger}.
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
     * Wasm guest's calls and loop back-edges), JVM-wide over the schedulers that are open: one
     * volatile read, true while some carrier has been asked to give up a
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

    /** How many times, in this JVM, a process gave up its carrier at a safepoint because it was asked to (every scheduler together). */
    public static long preemptions() {
        return CarrierPool.preemptionsTaken();
    }

    /**
     * Stops the timers (pending timers never fire) and the carriers, and returns once their threads
     * ended (at most about a second when a process keeps its carrier; at once when called from one of
     * this scheduler's process threads, whose carrier ends when it parks or yields). New process
     * threads are refused from then on. Idempotent.
     */
    @Override
    public void close() {
        timers.close();
        threads.close();
    }
}
