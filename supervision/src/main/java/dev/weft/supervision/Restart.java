package dev.weft.supervision;

/** When a child that exited is restarted (OTP's restart types). */
public enum Restart {
    /** Always. */
    PERMANENT,
    /**
     * Only if it exited abnormally: not for {@code normal}, nor for {@code shutdown} with or without
     * a term ({@link dev.weft.process.ExitReason.Shutdown}; see {@link Supervisor#isShutdownReason}).
     */
    TRANSIENT,
    /** Never; its spec is removed once it exits. */
    TEMPORARY
}
