package dev.weft.process;

import java.util.Objects;

/**
 * Why a process ended, with Erlang's meanings. Carried by exit signals, {@link ExitMessage}s and
 * {@link DownMessage}s.
 *
 * <p>Only {@link #NORMAL} is normal: a linked process that does not trap exits survives it and dies
 * of every other reason. {@link #KILL} sent with {@code exit(pid, kill)} cannot be trapped and kills
 * the target with {@link #KILLED}.
 */
public sealed interface ExitReason {

    ExitReason NORMAL = new Normal();
    ExitReason KILL = new Kill();
    ExitReason KILLED = new Killed();
    ExitReason NOPROC = new Noproc();
    ExitReason NOCONNECTION = new Noconnection();
    ExitReason SHUTDOWN = new Shutdown();

    /** A failure with a message: an exception in Java code, a trap in Wasm code. */
    static ExitReason error(String message) {
        return new Error(message, null);
    }

    /** A failure caused by {@code cause}. */
    static ExitReason error(Throwable cause) {
        return new Error(String.valueOf(cause), cause);
    }

    /** Any other reason, named by the program (Erlang's arbitrary exit terms). */
    static ExitReason custom(String term) {
        return new Custom(term);
    }

    /** A short name for the kind of reason, used as a metrics tag: normal, kill, error, ... */
    String kind();

    default boolean isNormal() {
        return this instanceof Normal;
    }

    record Normal() implements ExitReason {
        @Override public String kind() { return "normal"; }
        @Override public String toString() { return "normal"; }
    }

    /** The reason of {@code exit(pid, kill)}: untrappable when sent that way. */
    record Kill() implements ExitReason {
        @Override public String kind() { return "kill"; }
        @Override public String toString() { return "kill"; }
    }

    /** The exit reason of a process that was killed with {@link #KILL}. */
    record Killed() implements ExitReason {
        @Override public String kind() { return "killed"; }
        @Override public String toString() { return "killed"; }
    }

    /** The process did not exist (link or monitor on a dead pid). */
    record Noproc() implements ExitReason {
        @Override public String kind() { return "noproc"; }
        @Override public String toString() { return "noproc"; }
    }

    /** The process's node could not be reached. */
    record Noconnection() implements ExitReason {
        @Override public String kind() { return "noconnection"; }
        @Override public String toString() { return "noconnection"; }
    }

    /** An orderly stop requested by a supervisor or the node. */
    record Shutdown() implements ExitReason {
        @Override public String kind() { return "shutdown"; }
        @Override public String toString() { return "shutdown"; }
    }

    /** A failure. Equality compares the message only. */
    record Error(String message, Throwable cause) implements ExitReason {
        public Error {
            Objects.requireNonNull(message, "message");
        }

        @Override public String kind() { return "error"; }
        @Override public String toString() { return "error: " + message; }

        @Override
        public boolean equals(Object other) {
            return other instanceof Error error && error.message.equals(message);
        }

        @Override
        public int hashCode() {
            return message.hashCode();
        }
    }

    record Custom(String term) implements ExitReason {
        public Custom {
            Objects.requireNonNull(term, "term");
        }

        @Override public String kind() { return "custom"; }
        @Override public String toString() { return term; }
    }
}
