package dev.weft.supervision;

import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import java.util.Objects;

/**
 * A process body in two steps, like an OTP {@code gen_server}'s {@code init/1} and its loop: a
 * supervisor (or {@link Supervisor#start}) that starts it waits until {@link #init} has returned, so
 * the child counts as started only once it is ready, and a failing {@code init} (it throws) fails
 * the start with the reason it failed with, naming the child.
 *
 * <p>Spawned as a plain {@link ProcessBody}, it just runs {@code init} then {@code serve}.
 */
public interface InitializingBody extends ProcessBody {

    /** Prepares the process; the starter waits for it. Throwing fails the start. */
    void init(ProcessContext context) throws Exception;

    /** The rest of the process's life, after the starter has been told it started. */
    void serve(ProcessContext context) throws Exception;

    @Override
    default void run(ProcessContext context) throws Exception {
        init(context);
        serve(context);
    }

    /** A body made of two steps. */
    static InitializingBody of(ProcessBody init, ProcessBody serve) {
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(serve, "serve");
        return new InitializingBody() {
            @Override
            public void init(ProcessContext context) throws Exception {
                init.run(context);
            }

            @Override
            public void serve(ProcessContext context) throws Exception {
                serve.run(context);
            }
        };
    }
}
