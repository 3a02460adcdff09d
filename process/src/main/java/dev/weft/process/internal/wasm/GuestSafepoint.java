package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import dev.weft.scheduler.Scheduler;

/**
 * What a guest's compiled code runs at its safepoints, once {@link SafepointCompiler} has hooked
 * it: before every call and at every loop back-edge, where Chicory's compiler checks for thread
 * interruption. It still does (a kill interrupts the process's thread), and it also yields the
 * carrier when the scheduler asked for it ({@link Scheduler#preemptionPending()}): a guest that
 * computes for a whole slice gives the other processes their turn, at no cost but one read of a
 * static field when nobody waits. Public because the generated classes call it. Functions left to
 * Chicory's interpreter run it too, through {@link InterpretedSafepoints}.
 */
public final class GuestSafepoint {

    private GuestSafepoint() {}

    /** The hook: same contract as Chicory's own check, plus yielding when asked. */
    public static void check() {
        if (Thread.currentThread().isInterrupted()) {
            throw new ChicoryInterruptedException("Thread interrupted");
        }
        if (Scheduler.preemptionPending() && Scheduler.yieldIfPreempted()) {
            StackGuard.afterPreemption(); // the frames went to the heap: is the stack still within bounds?
        }
    }
}
