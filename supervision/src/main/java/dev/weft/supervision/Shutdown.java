package dev.weft.supervision;

import java.time.Duration;
import java.util.Objects;

/** How a supervisor stops a child (OTP's shutdown values). */
public sealed interface Shutdown {

    /** An untrappable {@code kill} exit signal: the child ends at once with reason {@code killed}. */
    Shutdown BRUTAL_KILL = new BrutalKill();

    /** An exit signal {@code shutdown}, and as long as the child takes: the rule for child supervisors. */
    Shutdown INFINITY = new Infinity();

    /** An exit signal {@code shutdown}, then {@code kill} if the child has not exited within {@code timeout}. */
    static Shutdown timeout(Duration timeout) {
        return new Timeout(timeout);
    }

    /** {@link #timeout(Duration)} in milliseconds, as OTP writes it. */
    static Shutdown timeoutMillis(long millis) {
        return new Timeout(Duration.ofMillis(millis));
    }

    record BrutalKill() implements Shutdown {
        @Override public String toString() { return "brutal_kill"; }
    }

    record Infinity() implements Shutdown {
        @Override public String toString() { return "infinity"; }
    }

    record Timeout(Duration timeout) implements Shutdown {
        public Timeout {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("a shutdown timeout must not be negative: " + timeout);
            }
        }

        @Override public String toString() { return timeout.toMillis() + " ms"; }
    }
}
