package dev.weft.process;

import java.util.Objects;

/**
 * Why a process ended, with Erlang's meanings. Carried by exit signals, {@link ExitMessage}s and
 * {@link DownMessage}s. Every kind is data (numbers, enum constants and strings), not text to be
 * parsed, so that reasons can travel between nodes and be told apart by type.
 *
 * <p>Only {@link #NORMAL} is normal: a linked process that does not trap exits survives it and dies
 * of every other reason. {@link #KILL} sent with {@code exit(pid, kill)} cannot be trapped and kills
 * the target with {@link #KILLED}.
 *
 * <p>Beside Erlang's kinds, Wasm processes end with an {@link ExitCode} (WASI's {@code proc_exit}),
 * {@link OutOfFuel}, {@link LimitExceeded} (a process limit, which one and its value) or
 * {@link CannotInstantiate}.
 */
public sealed interface ExitReason {

    ExitReason NORMAL = new Normal();
    ExitReason KILL = new Kill();
    ExitReason KILLED = new Killed();
    ExitReason NOPROC = new Noproc();
    ExitReason NOCONNECTION = new Noconnection();
    /** Erlang's {@code shutdown}: an orderly stop, without a term. */
    ExitReason SHUTDOWN = new Shutdown(null);

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

    /** Erlang's {@code {shutdown, Term}}: an orderly stop that says why. */
    static ExitReason shutdown(String term) {
        return new Shutdown(Objects.requireNonNull(term, "term"));
    }

    /**
     * The reason for a guest's exit code ({@code proc_exit(n)}, the exit code of {@code _start}):
     * {@link #NORMAL} for 0, an {@link ExitCode} otherwise.
     */
    static ExitReason exitCode(int code) {
        return code == 0 ? NORMAL : new ExitCode(code);
    }

    /** A short name for the kind of reason, used as a metrics tag: normal, kill, error, ... */
    String kind();

    /**
     * The reason in words, as a crash report or a command line prints it: an error's message
     * (without the {@code error: } of {@link #toString()}), every other kind's {@link #toString()}.
     */
    default String describe() {
        return toString();
    }

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

    /**
     * An orderly stop requested by a supervisor or the node: Erlang's {@code shutdown} ({@code term}
     * null, {@link #SHUTDOWN}) or {@code {shutdown, Term}}. A supervisor does not restart a
     * transient child that ends with either.
     */
    record Shutdown(String term) implements ExitReason {
        @Override public String kind() { return "shutdown"; }
        @Override public String toString() { return term == null ? "shutdown" : "shutdown: " + term; }
    }

    /** A failure. Equality compares the message only. */
    record Error(String message, Throwable cause) implements ExitReason {
        public Error {
            Objects.requireNonNull(message, "message");
        }

        @Override public String kind() { return "error"; }
        @Override public String toString() { return "error: " + message; }
        @Override public String describe() { return message; }

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

    /** A Wasm guest exited with a non-zero exit code (WASI's {@code proc_exit}); 0 is {@link #NORMAL}. */
    record ExitCode(int code) implements ExitReason {
        public ExitCode {
            if (code == 0) {
                throw new IllegalArgumentException("exit code 0 is the reason normal");
            }
        }

        @Override public String kind() { return "exit_code"; }
        @Override public String toString() { return "exit code " + code; }
    }

    /**
     * A Wasm process used up its max fuel: {@code maxFuel} units of
     * {@value #INSTRUCTIONS_PER_UNIT} instructions (Lunatic's unit).
     */
    record OutOfFuel(long maxFuel) implements ExitReason {
        /** Instructions in one unit of fuel, Lunatic's. */
        public static final long INSTRUCTIONS_PER_UNIT = 100_000;

        @Override public String kind() { return "out_of_fuel"; }

        @Override
        public String toString() {
            return "out of fuel (max_fuel " + maxFuel + ": " + maxFuel * INSTRUCTIONS_PER_UNIT + " instructions)";
        }
    }

    /** The process limits that end a process when it goes beyond them. */
    enum Limit {
        /** The stack a process may use, in bytes: deeper recursion ends it. */
        STACK_BYTES,
        /**
         * A Wasm process's linear memory, in bytes: checked when it is instantiated (a module whose
         * memory starts larger cannot run); growing beyond it fails the grow, not the process.
         */
        MEMORY_BYTES,
        /** Elements of each table of a Wasm process: checked like {@link #MEMORY_BYTES}. */
        TABLE_ELEMENTS
    }

    /**
     * The process went beyond one of its limits, whose value was {@code max} (0 if not known: a
     * process on the JDK's default scheduler has the JVM's {@code -Xss} as its stack);
     * {@code message} says where, e.g. {@code trap: call stack exhausted in fib (max stack 1 MiB)}.
     */
    record LimitExceeded(Limit limit, long max, String message) implements ExitReason {
        public LimitExceeded {
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(message, "message");
        }

        @Override public String kind() { return "limit"; }
        @Override public String toString() { return message; }
    }

    /**
     * A Wasm process could not start running its module: {@code unlinkable} when an import is
     * missing or given with another type (Wasm's "unlinkable"), else for another reason. A trap in
     * the module's start function is an {@link Error}; a memory or table above the process's
     * limits is {@link LimitExceeded}. {@code message} starts with {@code cannot instantiate: }.
     */
    record CannotInstantiate(boolean unlinkable, String message) implements ExitReason {
        public CannotInstantiate {
            Objects.requireNonNull(message, "message");
        }

        @Override public String kind() { return "cannot_instantiate"; }
        @Override public String toString() { return message; }
    }
}
