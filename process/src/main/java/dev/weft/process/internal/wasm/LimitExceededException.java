package dev.weft.process.internal.wasm;

import com.dylibso.chicory.wasm.UninstantiableException;
import dev.weft.process.ExitReason;

/**
 * A module cannot be instantiated because it starts beyond one of the process's limits (its memory
 * or a table); the process ends with {@link ExitReason.LimitExceeded}, naming the limit.
 */
public final class LimitExceededException extends UninstantiableException {

    private final ExitReason.Limit limit;
    private final long max;

    public LimitExceededException(ExitReason.Limit limit, long max, String message) {
        super(message);
        this.limit = limit;
        this.max = max;
    }

    public ExitReason.Limit limit() {
        return limit;
    }

    /** The limit's value (bytes, elements: see {@link ExitReason.Limit}). */
    public long max() {
        return max;
    }
}
