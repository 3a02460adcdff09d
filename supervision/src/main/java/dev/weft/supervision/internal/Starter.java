package dev.weft.supervision.internal;

import dev.weft.process.ExitReason;
import dev.weft.process.InitFailedException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.SpawnOptions;
import dev.weft.supervision.InitializingBody;

/**
 * Starts a process and waits until it counts as started (OTP's {@code proc_lib:start_link}): a
 * plain body once it is spawned, an {@link InitializingBody} once its {@code init} returned (the
 * spawn awaits its init ack). A start that fails is a {@link StartFailure} with the reason.
 */
public final class Starter {

    private Starter() {}

    /**
     * Starts {@code body} from {@code ctx} with {@code options} (awaiting the init of an
     * {@link InitializingBody}).
     *
     * @throws StartFailure if the start failed
     * @throws dev.weft.process.NameTakenException if the options register a name that is taken
     */
    public static Pid start(ProcessContext ctx, ProcessBody body, SpawnOptions options) {
        try {
            return ctx.spawn(body, awaitingInit(body, options)).pid();
        } catch (InitFailedException failed) {
            throw new StartFailure(failed.reason());
        } catch (ProcessLimitException full) {
            throw new StartFailure(cannotSpawn(full));
        }
    }

    /** {@code options}, awaiting the init ack if {@code body} gives one. */
    private static SpawnOptions awaitingInit(ProcessBody body, SpawnOptions options) {
        return body instanceof InitializingBody ? options.awaitInit() : options;
    }

    /** The start failure of a spawn the node's process limit refused. */
    public static ExitReason cannotSpawn(ProcessLimitException full) {
        return ExitReason.error("cannot spawn: " + full.getMessage());
    }
}
