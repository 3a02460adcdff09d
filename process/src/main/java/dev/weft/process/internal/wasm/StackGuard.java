package dev.weft.process.internal.wasm;

/**
 * Bounds how deep a Wasm process's stack grows across yields.
 *
 * <p>A virtual thread runs its frames on its carrier's stack, whose size bounds recursion between
 * two yields. But a thread that yields leaves its frames in the heap, and when it resumes only the
 * newest come back onto the carrier: a guest that recursed a little between yields (measured: a
 * process with a 256 KiB stack, 200,000 calls deep) would grow its stack in the heap without
 * bound. So after a process resumes (a preemption, a fuel slice, a host call, which may have
 * parked) this guard counts its frames, at most {@code stackSize / }{@value #BYTES_PER_FRAME}, and
 * throws {@link StackOverflowError} past that: the process ends with {@code call stack exhausted},
 * as a guest that recursed too deep at once does.
 *
 * <p>Counting walks the stack (about 3 µs shallow, 80 µs at 1,000 frames), so it runs at most a
 * tenth of the time: after a walk, the next waits nine times as long as the walk took. The stack
 * can grow by about one carrier stack per resumption between walks; that much is the slack. Host
 * calls look at the clock every {@value #HOST_CALLS_PER_LOOK}th call only. Touched by its
 * process's thread only.
 */
public final class StackGuard {

    /** Frames per byte of stack size: 1 MiB allows 8,192 frames (about 5,900 compiled Wasm calls fit in 1 MiB at once). */
    public static final int BYTES_PER_FRAME = 128;
    static final int HOST_CALLS_PER_LOOK = 16;

    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final ThreadLocal<StackGuard> CURRENT = new ThreadLocal<>();

    private final long maxFrames;
    private long nextWalkNanos = System.nanoTime();
    private int hostCalls;

    public StackGuard(long stackSize) {
        this.maxFrames = Math.max(64, stackSize / BYTES_PER_FRAME);
    }

    /** The most frames this guard lets the process have. */
    public long maxFrames() {
        return maxFrames;
    }

    /** Makes this the guard of the current thread (for {@link #afterPreemption()}); undone by {@link #uninstall()}. */
    public void install() {
        CURRENT.set(this);
    }

    public static void uninstall() {
        CURRENT.remove();
    }

    /** After the current thread was preempted at a safepoint. */
    static void afterPreemption() {
        StackGuard guard = CURRENT.get();
        if (guard != null) {
            guard.afterYield();
        }
    }

    /** After a host call returned (it may have parked the thread). */
    public void afterHostCall() {
        if (++hostCalls % HOST_CALLS_PER_LOOK == 0) {
            afterYield();
        }
    }

    /** After the thread resumed from a yield; throws {@link StackOverflowError} when the stack is too deep. */
    public void afterYield() {
        long start = System.nanoTime();
        if (start - nextWalkNanos < 0) {
            return;
        }
        long frames = WALKER.walk(s -> s.limit(maxFrames + 1).count());
        long end = System.nanoTime();
        nextWalkNanos = end + 9 * (end - start);
        if (frames > maxFrames) {
            throw new StackOverflowError("more than " + maxFrames + " frames after resuming");
        }
    }
}
