package dev.weft.supervision;

/** When a child that exited is restarted (OTP's restart types). */
public enum Restart {
    /** Always. */
    PERMANENT,
    /**
     * Only if it exited abnormally: not for {@code normal}, {@code shutdown} or a
     * {@code shutdown: ...} reason (see {@link Supervisor#isShutdownReason}).
     */
    TRANSIENT,
    /** Never; its spec is removed once it exits. */
    TEMPORARY
}
