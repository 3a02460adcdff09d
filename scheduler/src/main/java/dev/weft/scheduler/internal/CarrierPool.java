package dev.weft.scheduler.internal;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Carrier threads for process virtual threads, scheduled the way BEAM schedules processes.
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
 * <p>Preemption (as Go's sysmon does): a watcher thread looks at the carriers every
 * {@link #SLICE_NANOS}. A carrier that has run the same task since its last look while other tasks
 * wait is asked to give it up: its {@link Carrier#preemptRequested} flag is set, and so is the
 * JVM-wide {@link #preemptionPending()}, which code running on carriers reads at its safepoints
 * (Wasm guests: every call and loop back-edge) and then calls {@link #takePreemptRequest()}. Code
 * without safepoints never sees the request: it expires after {@link #REQUEST_TICKS} looks, so that
 * the JVM-wide flag does not stay set for a carrier that cannot answer (every safepoint elsewhere
 * would then take the slower path), and is made again after {@link #REQUEST_BACKOFF_TICKS}.
 *
 * <p>Stack size: a virtual thread runs its frames on its carrier's stack, so the carriers' stack
 * size bounds how deep a process may recurse (measured: 256 KiB carriers allow about 1.5k Java
 * frames, 1 MiB about 22k, 16 MiB about 416k). The JVM rounds a size below its minimum up.
 *
 * <p>Concurrency contract: {@link #execute} may be called from any thread. Each carrier's queue is
 * guarded by its own lock; thieves take from the head, like the owner. Preemption flags are
 * written by the watcher and by the carrier's own thread; a stale read costs one slice at most.
 */
public final class CarrierPool implements Executor {

    static final long IDLE_PARK_NANOS = 200_000;
    static final int SHARED_QUEUE_INTERVAL = 61;
    /** How long a task may keep its carrier while others wait, at least (at most twice this). */
    public static final long SLICE_NANOS = 500_000;
    static final int REQUEST_TICKS = 2;
    static final int REQUEST_BACKOFF_TICKS = 16;

    /** Is some carrier (of any pool) asked to give up its task? Read at every safepoint: keep it cheap. */
    private static volatile boolean preemptPending;

    private final Carrier[] carriers;
    private final ConcurrentLinkedQueue<Runnable> shared = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCarriers = new AtomicInteger();
    private final long stackSize;

    /** {@code size} carriers named {@code namePrefix0...}, each with a stack of {@code stackSize} bytes. */
    public CarrierPool(int size, String namePrefix, long stackSize) {
        if (stackSize <= 0) {
            throw new IllegalArgumentException("stackSize must be positive: " + stackSize);
        }
        this.stackSize = stackSize;
        carriers = new Carrier[size];
        for (int i = 0; i < size; i++) {
            carriers[i] = new Carrier(this, i, namePrefix + i, stackSize);
        }
        for (Carrier carrier : carriers) {
            carrier.start();
        }
        POOLS.add(this);
        Thread watcher = new Thread(this::watch, namePrefix + "watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Is some carrier asked to give up the task it runs? A cheap, racy hint for safepoints. */
    public static boolean preemptionPending() {
        return preemptPending;
    }

    /**
     * Called at a safepoint on a process thread: if its carrier was asked to give up the task it
     * runs, withdraws the request and returns true (the caller then yields). Returns false off
     * Weft's carriers.
     */
    public static boolean takePreemptRequest() {
        Carrier carrier = CarrierLookup.currentCarrier();
        if (carrier == null || !carrier.preemptRequested) {
            return false;
        }
        carrier.preemptRequested = false;
        refreshPending();
        PREEMPTIONS_TAKEN.increment();
        return true;
    }

    private static final LongAdder PREEMPTIONS_TAKEN = new LongAdder();

    /** How many times, in this JVM, a task gave up its carrier because the watcher asked. */
    public static long preemptionsTaken() {
        return PREEMPTIONS_TAKEN.sum();
    }

    private long ticks;

    private void watch() {
        while (true) {
            LockSupport.parkNanos(SLICE_NANOS);
            ticks++;
            boolean waiting = hasWaitingWork();
            for (Carrier carrier : carriers) {
                long runs = carrier.runs.get();
                boolean stuck = !carrier.idle && runs == carrier.runsAtLastLook;
                carrier.runsAtLastLook = runs;
                if (!stuck) {
                    carrier.preemptRequested = false;
                    carrier.requestedAtTick = 0;
                } else if (carrier.preemptRequested && ticks - carrier.requestedAtTick >= REQUEST_TICKS) {
                    carrier.preemptRequested = false; // it cannot answer: no safepoints in what it runs
                } else if (waiting && !carrier.preemptRequested
                        && (carrier.requestedAtTick == 0 || ticks - carrier.requestedAtTick >= REQUEST_BACKOFF_TICKS)) {
                    carrier.requestedAtTick = ticks;
                    carrier.preemptRequested = true;
                }
            }
            refreshPending();
        }
    }

    /** Every pool of this JVM (one per stack size), for the JVM-wide hint. */
    private static final java.util.List<CarrierPool> POOLS = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Sets the JVM-wide hint from every pool's flags. */
    private static void refreshPending() {
        boolean any = false;
        for (CarrierPool pool : POOLS) {
            for (Carrier carrier : pool.carriers) {
                any |= carrier.preemptRequested;
            }
        }
        if (any != preemptPending) {
            preemptPending = any;
        }
    }

    /** Does any task wait: in the shared queue or in a carrier's queue? */
    private boolean hasWaitingWork() {
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

    public int size() {
        return carriers.length;
    }

    /** The stack size of each carrier, in bytes, as asked of the JVM. */
    public long stackSize() {
        return stackSize;
    }

    @Override
    public void execute(Runnable task) {
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
            long runs = victim.runs.get();
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

    /** A platform thread that runs virtual threads' continuations. */
    static final class Carrier extends Thread {

        final CarrierPool pool;
        final int index;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        // Written by the owner (queuedCount under the queue's lock) with lazySet, which costs no
        // fence; read by thieves without the lock, where a slightly stale value is harmless.
        private final AtomicInteger queuedCount = new AtomicInteger();
        /** Tasks this carrier started; thieves compare it between looks to see a stuck carrier. */
        private final AtomicLong runs = new AtomicLong();
        private final long[] lastSeenRuns;
        volatile boolean idle;
        /** Asked by the watcher to give up the task it runs; see {@link CarrierPool#takePreemptRequest()}. */
        volatile boolean preemptRequested;
        // the watcher's own bookkeeping, touched by the watcher thread only
        long runsAtLastLook = -1;
        long requestedAtTick;
        private final AtomicInteger wakeUpClaim = new AtomicInteger();
        private long taken;

        Carrier(CarrierPool pool, int index, String name, long stackSize) {
            super(null, null, name, stackSize);
            this.pool = pool;
            this.index = index;
            this.lastSeenRuns = new long[pool.carriers.length];
            setDaemon(true);
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
            while (true) {
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
                if (!pool.hasSharedOrSurplusWork()) { // re-check after announcing: a submitter now sees us idle
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                idle = false;
                pool.idleCarriers.decrementAndGet();
                wakeUpClaim.set(0);
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
