package dev.weft.supervision;

import dev.weft.process.ProcessBody;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a supervisor starts, restarts and stops one child (OTP's child spec). Immutable.
 *
 * <p>A child is started from a {@link ProcessBody}: the same body for every start
 * ({@link Builder#body}), or a fresh one made from arguments ({@link Builder#factory}): the
 * spec's {@link Builder#args} followed, for a {@link Strategy#SIMPLE_ONE_FOR_ONE} child, by the
 * extra arguments of {@link Supervisor#startChild(dev.weft.process.ProcessContext, dev.weft.process.Pid, List)}
 * (OTP appends them the same way). Java and Wasm children are both bodies: a Wasm child is the
 * body of {@code WasmProcess.builder(module, export)...build()} (or of the host API's process bodies).
 *
 * <p>A child counts as started once its process is spawned and linked to the supervisor; a body
 * that is an {@link InitializingBody} counts as started once its {@code init} returned. The start
 * fails if the factory throws, or if an {@code InitializingBody}'s {@code init} fails.
 */
public final class ChildSpec {

    /** The default shutdown timeout of a worker, as OTP's: 5 seconds. */
    public static final Shutdown DEFAULT_WORKER_SHUTDOWN = Shutdown.timeoutMillis(5000);

    private final String id;
    private final Function<List<Object>, ProcessBody> factory;
    private final List<Object> args;
    private final Restart restart;
    private final Shutdown shutdown;
    private final ChildType type;

    private ChildSpec(Builder b) {
        this.id = b.id;
        this.factory = b.factory;
        this.args = b.args;
        this.restart = b.restart;
        this.type = b.type;
        this.shutdown = b.shutdown != null ? b.shutdown
                : b.type == ChildType.SUPERVISOR ? Shutdown.INFINITY : DEFAULT_WORKER_SHUTDOWN;
    }

    /** A builder for a child named {@code id} (unique among its supervisor's children). */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** A permanent worker running {@code body}, with the default shutdown (5 s). */
    public static ChildSpec worker(String id, ProcessBody body) {
        return builder(id).body(body).build();
    }

    /** A permanent child supervisor (shutdown infinity) running {@code spec}. */
    public static ChildSpec supervisor(String id, SupervisorSpec spec) {
        return builder(id).body(Supervisor.body(spec)).type(ChildType.SUPERVISOR).build();
    }

    public String id() {
        return id;
    }

    /** Makes the body of one start from the spec's arguments plus {@code extraArgs}. */
    public ProcessBody body(List<Object> extraArgs) {
        List<Object> all;
        if (extraArgs.isEmpty()) {
            all = args;
        } else {
            Object[] joined = Arrays.copyOf(args.toArray(), args.size() + extraArgs.size());
            for (int i = 0; i < extraArgs.size(); i++) {
                joined[args.size() + i] = extraArgs.get(i);
            }
            all = Arrays.asList(joined);
        }
        return Objects.requireNonNull(factory.apply(all), "the factory of child '" + id + "' made no body (null)");
    }

    public List<Object> args() {
        return args;
    }

    public Restart restart() {
        return restart;
    }

    public Shutdown shutdown() {
        return shutdown;
    }

    public ChildType type() {
        return type;
    }

    @Override
    public String toString() {
        return "child '" + id + "' (" + restart.name().toLowerCase(java.util.Locale.ROOT) + " "
                + type.name().toLowerCase(java.util.Locale.ROOT) + ", shutdown " + shutdown + ")";
    }

    /** Builds a {@link ChildSpec}; defaults as OTP's: permanent worker, shutdown 5 s (infinity for a supervisor). */
    public static final class Builder {
        private final String id;
        private Function<List<Object>, ProcessBody> factory;
        private List<Object> args = List.of();
        private Restart restart = Restart.PERMANENT;
        private Shutdown shutdown;
        private ChildType type = ChildType.WORKER;

        private Builder(String id) {
            this.id = Objects.requireNonNull(id, "id");
            if (id.isEmpty()) {
                throw new IllegalArgumentException("a child id must not be empty");
            }
        }

        /** Every start runs {@code body} (which must be reusable: it runs once per start). */
        public Builder body(ProcessBody body) {
            Objects.requireNonNull(body, "body");
            this.factory = args -> body;
            return this;
        }

        /**
         * Every start runs a fresh body made by {@code factory} from the arguments (the spec's
         * {@link #args}, then a simple_one_for_one child's extra arguments). Called in the
         * supervisor's process; if it throws, the start fails.
         */
        public Builder factory(Function<List<Object>, ProcessBody> factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The arguments handed to the {@link #factory} (OTP's {@code {M, F, Args}}). */
        public Builder args(Object... args) {
            this.args = List.copyOf(Arrays.asList(Objects.requireNonNull(args, "args")));
            return this;
        }

        public Builder restart(Restart restart) {
            this.restart = Objects.requireNonNull(restart, "restart");
            return this;
        }

        public Builder shutdown(Shutdown shutdown) {
            this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
            return this;
        }

        public Builder type(ChildType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        public ChildSpec build() {
            if (factory == null) {
                throw new IllegalStateException("child '" + id + "' has no body: set body(...) or factory(...)");
            }
            return new ChildSpec(this);
        }
    }
}
