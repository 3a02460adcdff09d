package dev.weft.supervision;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A supervisor's flags and children (OTP's {@code {SupFlags, ChildSpecs}}). Immutable.
 *
 * <p>Defaults as OTP's: {@link Strategy#ONE_FOR_ONE}, intensity 1, period 5 seconds. More than
 * {@code intensity} restarts within {@code period} make the supervisor stop its children and exit
 * with reason {@code shutdown}.
 */
public final class SupervisorSpec {

    private final Strategy strategy;
    private final int intensity;
    private final Duration period;
    private final List<ChildSpec> children;
    private final String name;
    private final MeterRegistry meterRegistry;

    private SupervisorSpec(Builder b) {
        this.strategy = b.strategy;
        this.intensity = b.intensity;
        this.period = b.period;
        this.children = List.copyOf(b.children);
        this.name = b.name;
        this.meterRegistry = b.meterRegistry;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Strategy strategy() {
        return strategy;
    }

    /** MaxR: the most restarts allowed within {@link #period()}. */
    public int intensity() {
        return intensity;
    }

    /** MaxT: the window the restarts are counted in. */
    public Duration period() {
        return period;
    }

    /** The children, in start order (for simple_one_for_one: the one spec of every child). */
    public List<ChildSpec> children() {
        return children;
    }

    /** The name the supervisor registers under, or null. */
    public String name() {
        return name;
    }

    /** Where the supervisor counts its restarts ({@code weft.supervisor.restarts}), or null. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public static final class Builder {
        private Strategy strategy = Strategy.ONE_FOR_ONE;
        private int intensity = 1;
        private Duration period = Duration.ofSeconds(5);
        private final List<ChildSpec> children = new ArrayList<>();
        private String name;
        private MeterRegistry meterRegistry;

        private Builder() {}

        public Builder strategy(Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** MaxR (default 1); 0 means any restart stops the supervisor. */
        public Builder intensity(int maxRestarts) {
            if (maxRestarts < 0) {
                throw new IllegalArgumentException("intensity must not be negative: " + maxRestarts);
            }
            this.intensity = maxRestarts;
            return this;
        }

        /** MaxT (default 5 s). */
        public Builder period(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive: " + period);
            }
            this.period = period;
            return this;
        }

        /** MaxT in seconds, as OTP writes it. */
        public Builder periodSeconds(long seconds) {
            return period(Duration.ofSeconds(seconds));
        }

        /** Adds a child; children start in the order they are added. */
        public Builder child(ChildSpec child) {
            children.add(Objects.requireNonNull(child, "child"));
            return this;
        }

        public Builder children(List<ChildSpec> children) {
            children.forEach(this::child);
            return this;
        }

        /** Registers the supervisor under {@code name} (OTP's {@code {local, Name}}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Counts restarts in {@code registry} as {@code weft.supervisor.restarts}, tagged with the supervisor's name. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * @throws IllegalArgumentException if two children share an id, or a simple_one_for_one
         *     supervisor does not have exactly one child spec
         */
        public SupervisorSpec build() {
            if (strategy == Strategy.SIMPLE_ONE_FOR_ONE && children.size() != 1) {
                throw new IllegalArgumentException(
                        "a simple_one_for_one supervisor has exactly one child spec, got " + children.size());
            }
            Set<String> ids = new HashSet<>();
            for (ChildSpec child : children) {
                if (!ids.add(child.id())) {
                    throw new IllegalArgumentException("two children have the id '" + child.id() + "'");
                }
            }
            return new SupervisorSpec(this);
        }
    }
}
