package dev.weft.supervision;

import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import java.util.Objects;

/** Why a supervisor operation failed: OTP's {@code {error, Reason}} values, as Java types. */
public sealed interface SupervisorError {

    /** {@code {already_started, Pid}}: a child (or a registered supervisor) with that id runs as {@code pid}. */
    record AlreadyStarted(Pid pid) implements SupervisorError {
        @Override public String toString() { return "already_started " + pid; }
    }

    /** {@code already_present}: a child spec with that id exists, without a running process. */
    record AlreadyPresent() implements SupervisorError {
        @Override public String toString() { return "already_present"; }
    }

    /** {@code running}: the child is running (restart and delete want a stopped child). */
    record Running() implements SupervisorError {
        @Override public String toString() { return "running"; }
    }

    /** {@code restarting}: the child's restart failed and the supervisor is trying again. */
    record Restarting() implements SupervisorError {
        @Override public String toString() { return "restarting"; }
    }

    /** {@code not_found}: no child with that id (or pid). */
    record NotFound() implements SupervisorError {
        @Override public String toString() { return "not_found"; }
    }

    /** {@code simple_one_for_one}: the operation does not apply to a simple_one_for_one supervisor. */
    record SimpleOneForOne() implements SupervisorError {
        @Override public String toString() { return "simple_one_for_one"; }
    }

    /** The operation wants a simple_one_for_one supervisor (starting a child from arguments). */
    record NotSimpleOneForOne() implements SupervisorError {
        @Override public String toString() { return "not simple_one_for_one"; }
    }

    /** A child (or the supervisor itself) failed to start; {@code reason} says why and names the child. */
    record StartFailed(ExitReason reason) implements SupervisorError {
        public StartFailed {
            Objects.requireNonNull(reason, "reason");
        }

        @Override public String toString() { return "start failed: " + reason; }
    }

    /** The supervisor is not running, or exited before it answered (OTP exits the caller with {@code noproc}). */
    record NoSupervisor(Pid supervisor, ExitReason reason) implements SupervisorError {
        @Override public String toString() { return "no supervisor " + supervisor + ": " + reason; }
    }
}
