package dev.weft.process;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process started from the host ({@link ProcessRuntime#start}, the node's {@code start} and
 * {@code startWasm}): its pid and its exit reason, watched from before it ran, so even a process
 * that ends at once has its real reason (not {@code noproc}).
 */
public record StartedProcess(Pid pid, CompletableFuture<ExitReason> exited) {

    public StartedProcess {
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(exited, "exited");
    }

    /**
     * Waits until the process exits and returns why.
     *
     * @throws TimeoutException if it is still alive after {@code timeout}
     */
    public ExitReason awaitExit(Duration timeout) throws TimeoutException, InterruptedException {
        try {
            return exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException impossible) {
            throw new IllegalStateException(impossible);
        } catch (TimeoutException e) {
            throw new TimeoutException(pid + " is still alive after " + timeout);
        }
    }
}
