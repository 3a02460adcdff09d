package dev.weft.scheduler;

import java.util.concurrent.ScheduledFuture;

/** A pending timer: it fires once, unless cancelled first. */
public final class TimerRef {

    private final ScheduledFuture<?> future;

    TimerRef(ScheduledFuture<?> future) {
        this.future = future;
    }

    /**
     * Cancels the timer.
     *
     * @return true if the timer had not fired yet and now never will
     */
    public boolean cancel() {
        return future.cancel(false);
    }

    /** True once the timer fired or was cancelled. */
    public boolean isDone() {
        return future.isDone();
    }
}
