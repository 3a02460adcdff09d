package dev.weft.process;

import java.util.Objects;

/**
 * A spawn that waited for the child's init ({@link SpawnOptions#awaitInit()}) learnt that the child
 * did not start: it failed its init ({@link ProcessContext#initFail(ExitReason)}) or exited before
 * acknowledging it. The child is gone; {@link #reason()} says why.
 */
public final class InitFailedException extends RuntimeException {

    private final Pid child;
    private final ExitReason reason;

    public InitFailedException(Pid child, ExitReason reason) {
        super(child + " failed to start: " + reason, null, false, false);
        this.child = Objects.requireNonNull(child, "child");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The process that did not start (it has exited). */
    public Pid child() {
        return child;
    }

    /** Why it did not start: its exit reason. */
    public ExitReason reason() {
        return reason;
    }
}
