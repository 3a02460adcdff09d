package dev.weft.scheduler.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Carrier threads for the process virtual threads of one scheduler, scheduled the way BEAM
 * schedules processes. The pool owns its carriers and its {@link PreemptionWatcher}; {@link #close()}
 * stops them all.
 *
 * <p>The JDK's default scheduler wakes an idle carrier for every task pushed while one is idle, so a
 * message between two processes on a 2-core machine costs a carrier wake-up and moves the pair
 * between cores (measured: ping-pong 0.6 M msgs/s with 2 carriers, 3.3 M with 1). Here a process
 * woken by another process joins the run queue of the carrier it was woken on, and an idle carrier
 * is woken only when that queue holds more than the one task that runs next. Idle carriers also
 * look for work to steal every {@link #IDLE_PARK_NANOS}, so a task queued behind a process that
 * keeps its carrier busy waits about two such periods at most while a carrier is free.
 *
 * <p>Fairness between the run queues: every {@link #SHARED_QUEUE_INTERVAL}th task a carrier takes
 * comes from the shared queue (tasks submitted from outside: new processes started by the host,
 * wake-ups from timers and I/O), as Go's scheduler does with its global queue.
 *
 * <p>Preemption: the pool's {@link PreemptionWatcher} asks a carrier that keeps one task while
 * others wait to give it up. The request raises the JVM-wide {@link #preemptionPending()}, which
 * code running on carriers reads at its safepoints (Wasm guests: every call and loop back-edge)
 * and then calls {@link #takePreemptRequest()}. The hint counts the open requests of every pool that
 * is open: a pool withdraws its requests when it closes.
 *
 * <p>Stack size: a virtual thread runs its frames on its carrier's stack, so the carriers' stack
 * size bounds how deep a process may recurse (measured: 256 KiB carriers allow about 1.5k Java
 * frames, 1 MiB about 22k, 16 MiB about 416k). The JVM rounds a size below its minimum up.
 *
 * <p>Closing: the carriers stop taking tasks and end as soon as the task each one runs gives its
 * carrier back (parks, yields or ends); the watcher asks running tasks to yield, as if others
 * waited, and ends after the last carrier. A task submitted after close, or left in a queue, is
 * dropped: its virtual thread never runs again. Close the pool after the processes on it ended.
 *
 * <p>Concurrency contract: {@link #execute} and {@link #close} may be called from any thread. Each
 * carrier's queue is guarded by its own lock; thieves take from the head, like the owner. A
 * preemption request is made by the watcher only and withdrawn by the watcher or the carrier's
 * task, each with a compare-and-set, so the JVM-wide count stays exact; a stale read of a request
 * costs one slice at most.
 */
public final class CarrierPool implements Executor, AutoCloseable {

    static final long IDLE_PARK_NANOS = 200_000;
    static final int SHARED_QUEUE_INTERVAL = 61;
    /** How long a task may keep its carrier while others wait, at least (at most twice this). */
    public static final long SLICE_NANOS = 500_000;
    /**
     * How long {@link #close()} waits for the carriers to end. They end within microseconds unless a
     * task keeps its carrier without a safepoint (Java code that ignores kill); close does not wait
     * for that task to end, its carrier ends with it.
     */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    /** Open preemption requests over every open pool of this JVM: the safepoint hint. */
    private static final AtomicInteger OPEN_PREEMPT_REQUESTS = new AtomicInteger();
    private static final LongAdder PREEMPTIONS_TAKEN = new LongAdder();

    final Carrier[] carriers;
    final ConcurrentLinkedQueue<Runnable> shared = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCarriers = new AtomicInteger();
    private final long stackSize;
    private final Thread watcher;
    private volatile boolean closed;

    /**
     * Starts {@code size} carriers named {@code namePrefix0...}, each with a stack of
     * {@code stackSize} bytes, and their watcher ({@code namePrefix + "watcher"}).
     */
    public CarrierPool(int size, String namePrefix, long stackSize) {
        if (stackSize <= 0) {
            throw new IllegalArgumentException("stackSize must be positive: " + stackSize);
        }
        this.stackSize = stackSize;
        carriers = new Carrier[size];
        for (int i = 0; i < size; i++) {
            carriers[i] = new Carrier(this, i, namePrefix + i, stackSize);
        }
        watcher = new Thread(new PreemptionWatcher(this), namePrefix + "watcher");
        watcher.setDaemon(true);
        for (Carrier carrier : carriers) {
            carrier.start();
        }
        watcher.start();
    }

    /**
     * Is some carrier, of any open pool, asked to give up the task it runs? A cheap, racy hint for
     * safepoints: one volatile read.
     */
    public static boolean preemptionPending() {
        return OPEN_PREEMPT_REQUESTS.get() != 0;
    }

    /**
     * Called at a safepoint on a process thread: if its carrier was asked to give up the task it
     * runs, withdraws the request and returns true (the caller then yields). Returns false off
     * Weft's carriers.
     */
    public static boolean takePreemptRequest() {
        Carrier carrier = CarrierLookup.currentCarrier();
        if (carrier == null || !carrier.withdrawPreemptRequest()) {
            return false;
        }
        PREEMPTIONS_TAKEN.increment();
        return true;
    }

    /** How many times, in this JVM, a task gave up its carrier because the watcher asked. */
    public static long preemptionsTaken() {
        return PREEMPTIONS_TAKEN.sum();
    }

    public int size() {
        return carriers.length;
    }

    /** The stack size of each carrier, in bytes, as asked of the JVM. */
    public long stackSize() {
        return stackSize;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Runs {@code task} on a carrier; after {@link #close()}, drops it. */
    @Override
    public void execute(Runnable task) {
        if (closed) {
            return;
        }
        Carrier carrier = CarrierLookup.currentCarrier();
        if (carrier != null && carrier.pool == this) {
            int queued = carrier.push(task);
            if (queued > 1 && idleCarriers.get() > 0) {
                wakeIdleCarrier(carrier);
            }
        } else {
            shared.add(task);
            if (idleCarriers.get() > 0) {
                wakeIdleCarrier(null);
            }
        }
    }

    /**
     * Stops the carriers and the watcher (see the class comment), and waits for them to end, at
     * most {@link #CLOSE_WAIT}; does not wait when called on one of this pool's carriers (that
     * carrier ends once the caller gives it back). Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        shared.clear();
        for (Carrier carrier : carriers) {
            LockSupport.unpark(carrier);
        }
        LockSupport.unpark(watcher);
        Carrier current = CarrierLookup.currentCarrier();
        if (current != null && current.pool == this) {
            return; // a join would park this thread, and no carrier of this pool would resume it
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            for (Carrier carrier : carriers) {
                carrier.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            watcher.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Is a carrier still running (not ended after close)? */
    boolean anyCarrierAlive() {
        for (Carrier carrier : carriers) {
            if (carrier.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Does any task wait: in the shared queue or in a carrier's queue? */
    boolean hasWaitingWork() {
        if (!shared.isEmpty()) {
            return true;
        }
        for (Carrier carrier : carriers) {
            if (carrier.queuedCount.get() > 0) {
                return true;
            }
        }
        return false;
    }

    private void wakeIdleCarrier(Carrier except) {
        for (Carrier carrier : carriers) {
            if (carrier != except && carrier.idle && carrier.claimWakeUp()) {
                LockSupport.unpark(carrier);
                return;
            }
        }
    }

    /**
     * Takes a task from another carrier's queue if it holds surplus work (two or more tasks), or if
     * that carrier has been stuck on one task since the thief last looked. A single task queued
     * behind a carrier that keeps running tasks is its next one: taking it would only move a chain
     * of hand-offs (a message passed along) between cores.
     */
    private Runnable steal(Carrier thief) {
        int n = carriers.length;
        for (int i = 1; i < n; i++) {
            Carrier victim = carriers[(thief.index + i) % n];
            int queued = victim.queuedCount.get();
            long runs = victim.runs();
            boolean stuck = runs == thief.lastSeenRuns[victim.index];
            thief.lastSeenRuns[victim.index] = runs;
            if (queued >= 2 || (queued == 1 && stuck)) {
                Runnable task = victim.poll();
                if (task != null) {
                    return task;
                }
            }
        }
        return null;
    }

    private boolean hasSharedOrSurplusWork() {
        if (!shared.isEmpty()) {
            return true;
        }
        for (Carrier carrier : carriers) {
            if (carrier.queuedCount.get() >= 2) {
                return true;
            }
        }
        return false;
    }

    /** A platform thread that runs virtual threads' continuations, until its pool closes. */
    static final class Carrier extends Thread {

        final CarrierPool pool;
        final int index;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        // Written by the owner (queuedCount under the queue's lock) with lazySet, which costs no
        // fence; read by thieves without the lock, where a slightly stale value is harmless.
        private final AtomicInteger queuedCount = new AtomicInteger();
        /** Tasks this carrier started; thieves and the watcher compare it between looks to see a stuck carrier. */
        private final AtomicLong runs = new AtomicLong();
        private final long[] lastSeenRuns;
        volatile boolean idle;
        /** Asked by the watcher to give up the task it runs; see {@link CarrierPool#takePreemptRequest()}. */
        private final AtomicBoolean preemptRequested = new AtomicBoolean();
        private final AtomicInteger wakeUpClaim = new AtomicInteger();
        private long taken;

        Carrier(CarrierPool pool, int index, String name, long stackSize) {
            super(null, null, name, stackSize);
            this.pool = pool;
            this.index = index;
            this.lastSeenRuns = new long[pool.carriers.length];
            setDaemon(true);
        }

        long runs() {
            return runs.get();
        }

        boolean isPreemptRequested() {
            return preemptRequested.get();
        }

        /** Asks this carrier to give up its task (the watcher only). */
        void requestPreempt() {
            if (preemptRequested.compareAndSet(false, true)) {
                OPEN_PREEMPT_REQUESTS.incrementAndGet();
            }
        }

        /** Withdraws the request, if there is one; true if this call withdrew it. */
        boolean withdrawPreemptRequest() {
            if (preemptRequested.get() && preemptRequested.compareAndSet(true, false)) {
                OPEN_PREEMPT_REQUESTS.decrementAndGet();
                return true;
            }
            return false;
        }

        int push(Runnable task) {
            synchronized (queue) {
                queue.addLast(task);
                int queued = queuedCount.get() + 1;
                queuedCount.lazySet(queued);
                return queued;
            }
        }

        Runnable poll() {
            synchronized (queue) {
                Runnable task = queue.pollFirst();
                if (task != null) {
                    queuedCount.lazySet(queuedCount.get() - 1);
                }
                return task;
            }
        }

        boolean claimWakeUp() {
            return wakeUpClaim.compareAndSet(0, 1);
        }

        @Override
        public void run() {
            while (!pool.closed) {
                Runnable task = next();
                if (task != null) {
                    runs.lazySet(runs.get() + 1); // only this thread writes it
                    try {
                        task.run();
                    } catch (Throwable ignored) {
                        // A continuation handles its own failures; nothing must stop a carrier.
                    }
                    continue;
                }
                idle = true;
                pool.idleCarriers.incrementAndGet();
                // re-check after announcing: a submitter now sees us idle
                if (!pool.hasSharedOrSurplusWork() && !pool.closed) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                idle = false;
                pool.idleCarriers.decrementAndGet();
                wakeUpClaim.set(0);
            }
            synchronized (queue) { // dropped: the pool is closed
                queue.clear();
                queuedCount.set(0);
            }
        }

        private Runnable next() {
            Runnable task;
            if (++taken % SHARED_QUEUE_INTERVAL == 0 && (task = pool.shared.poll()) != null) {
                return task;
            }
            if ((task = poll()) != null) {
                return task;
            }
            if ((task = pool.shared.poll()) != null) {
                return task;
            }
            return pool.steal(this);
        }
    }
}
