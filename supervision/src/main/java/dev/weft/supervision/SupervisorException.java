package dev.weft.supervision;

/** A supervisor operation failed; {@link #error()} says why, as OTP's {@code {error, Reason}}. */
public final class SupervisorException extends RuntimeException {

    private final SupervisorError error;

    public SupervisorException(String operation, SupervisorError error) {
        super(operation + ": " + error, null, false, false);
        this.error = error;
    }

    public SupervisorError error() {
        return error;
    }
}
