package dev.weft.supervision.internal;

import dev.weft.process.ExitReason;

/** A start failed with {@code reason}: a child's factory threw, or its {@code init} failed. */
public final class StartFailure extends RuntimeException {

    private final ExitReason reason;

    public StartFailure(ExitReason reason) {
        super(String.valueOf(reason), null, false, false);
        this.reason = reason;
    }

    public ExitReason reason() {
        return reason;
    }
}
