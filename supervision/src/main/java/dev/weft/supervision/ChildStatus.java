package dev.weft.supervision;

/** The state of a child, as {@link Supervisor#whichChildren} reports it. */
public enum ChildStatus {
    /** It has a live process. */
    RUNNING,
    /** Its restart failed; the supervisor tries again (OTP's {@code restarting}). */
    RESTARTING,
    /** Its spec is kept but it has no process: terminated, or a transient child that ended (OTP's {@code undefined}). */
    STOPPED
}
