package dev.weft.process.internal.wasm;

import dev.weft.scheduler.Scheduler;

/**
 * Bounds how deep a Wasm process's stack grows across yields.
 *
 * <p>A virtual thread runs its frames on its carrier's stack, whose size bounds recursion between
 * two yields. But a thread that yields leaves its frames in the heap, and when it resumes only the
 * newest come back onto the carrier: a guest that recursed a little between yields (measured: a
 * process with a 256 KiB stack, 200,000 calls deep) would grow its stack in the heap without
 * bound. So after a process resumes (from a preemption, a fuel slice, or a host call that parked
 * it) this guard counts its frames, at most {@code stackSize / }{@value #BYTES_PER_FRAME}, and
 * throws {@link StackOverflowError} past that: the process ends with {@code call stack exhausted},
 * as a guest that recursed too deep at once does.
 *
 * <p>Counting walks the stack (about 3 µs shallow, 80 µs at 1,000 frames). After preemptions and
 * fuel slices (which come after a slice of the process's own work) it walks at most a tenth of the
 * time: the next walk waits nine times as long as the last took. A message-passing process parks
 * for every message it waits for, often more than once per microsecond of its own work, so after
 * host calls that parked it walks every {@value #PARKS_PER_WALK}th park only (measured: walking
 * after every park that came 300 µs after the last walk made a ring of 503 Wasm processes 5×
 * slower). Between two walks the stack can grow by about one carrier stack per resumption: that
 * is the slack. Touched by its process's thread only.
 */
public final class StackGuard {

    /** Frames per byte of stack size: 1 MiB allows 8,192 frames (about 5,900 compiled Wasm calls fit in 1 MiB at once). */
    public static final int BYTES_PER_FRAME = 128;

    private static final StackWalker WALKER = StackWalker.getInstance();
    /** The guard of a thread preempted at a safepoint of compiled code, made at its first preemption. */
    private static final ThreadLocal<StackGuard> PREEMPTED = new ThreadLocal<>();

    /** No walk in a process's first millisecond: most processes live shorter, and cannot go deep so soon. */
    static final long FIRST_WALK_AFTER_NANOS = 1_000_000;

    private long maxFrames = -1; // known on the process's thread, at the first walk
    private long nextWalkNanos = System.nanoTime() + FIRST_WALK_AFTER_NANOS;
    private long parks;
    private int parksSinceWalk;

    /** After how many parks in host calls the guard walks. */
    static final int PARKS_PER_WALK = 128;

    /** The most frames the current thread may have: its carriers' stack size / {@value #BYTES_PER_FRAME}. */
    private static long maxFramesOfCurrentThread() {
        return Math.max(64, Scheduler.currentStackSize().orElse(Scheduler.DEFAULT_STACK_SIZE) / BYTES_PER_FRAME);
    }

    /** After the current thread was preempted at a safepoint. */
    static void afterPreemption() {
        StackGuard guard = PREEMPTED.get();
        if (guard == null) {
            guard = new StackGuard();
            PREEMPTED.set(guard);
        }
        guard.afterYield();
    }

    /**
     * After a host call returned, given how many times the process has parked in its mailbox so far:
     * walks if the call parked it (receive, sleep). Yields are {@link #afterYield()}'s.
     */
    public void afterHostCall(long mailboxParks) {
        if (mailboxParks != parks) {
            parks = mailboxParks;
            if (++parksSinceWalk >= PARKS_PER_WALK) {
                walkIfDue(0);
            }
        }
    }

    /** After the thread resumed from a yield; throws {@link StackOverflowError} when the stack is too deep. */
    public void afterYield() {
        walkIfDue(9);
    }

    /** Walks unless the last walk was less than {@code waitFactor} times its own duration ago. */
    private void walkIfDue(int waitFactor) {
        long start = System.nanoTime();
        if (start - nextWalkNanos < 0) {
            return;
        }
        if (maxFrames < 0) {
            maxFrames = maxFramesOfCurrentThread();
        }
        long limit = maxFrames;
        long frames = WALKER.walk(s -> s.limit(limit + 1).count());
        long end = System.nanoTime();
        parksSinceWalk = 0;
        nextWalkNanos = end + waitFactor * (end - start);
        if (frames > limit) {
            throw new StackOverflowError("more than " + limit + " frames after resuming");
        }
    }
}
