package dev.weft.supervision;

import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.supervision.internal.StartFailure;
import java.util.Objects;

/**
 * A process body in two steps, like an OTP {@code gen_server}'s {@code init/1} and its loop:
 * {@link #init} prepares the process and returns the rest of its life. A supervisor (or
 * {@link Supervisor#start}) that starts it waits until {@code init} has returned, so the child
 * counts as started only once it is ready; a failing {@code init} (it throws) fails the start with
 * the reason it failed with, naming the child, and the starter gets no exit signal from it.
 *
 * <p>On the process layer this is {@link ProcessContext#initAck()} once {@code init} returned, or
 * {@link ProcessContext#initFail(ExitReason)} if it threw; a starter spawns it with
 * {@link dev.weft.process.SpawnOptions#awaitInit()}. Spawned plainly it runs the same way (nobody
 * waits: a failing {@code init} is an ordinary failure of the process).
 */
@FunctionalInterface
public interface InitializingBody extends ProcessBody {

    /**
     * Prepares the process; the starter waits for it. Returns the rest of the process's life, run
     * once the starter has been told it started (its state lives in that body's closure). Throwing
     * fails the start.
     */
    ProcessBody init(ProcessContext context) throws Exception;

    @Override
    default void run(ProcessContext context) throws Exception {
        ProcessBody serve;
        try {
            serve = Objects.requireNonNull(init(context), "init returned no body to serve with (null)");
        } catch (ExitException exited) {
            throw exited;
        } catch (Throwable failed) {
            throw context.initFail(failed instanceof StartFailure f ? f.reason() : ExitReason.error(failed));
        }
        context.initAck();
        serve.run(context);
    }

    /** A body made of two steps: {@code init}, then {@code serve}. */
    static InitializingBody of(ProcessBody init, ProcessBody serve) {
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(serve, "serve");
        return context -> {
            init.run(context);
            return serve;
        };
    }
}
