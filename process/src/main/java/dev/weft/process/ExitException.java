package dev.weft.process;

/**
 * Unwinds a process's code once the process has exited: after {@link ProcessContext#exit(ExitReason)},
 * or when the process was killed by a signal and then calls into its context. The process is already
 * dead when this is thrown; catching it changes nothing.
 */
public final class ExitException extends RuntimeException {

    private final ExitReason reason;

    public ExitException(ExitReason reason) {
        super("process exited: " + reason, null, false, false);
        this.reason = reason;
    }

    public ExitReason reason() {
        return reason;
    }
}
