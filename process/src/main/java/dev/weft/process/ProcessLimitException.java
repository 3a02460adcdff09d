package dev.weft.process;

/**
 * A spawn refused because the node already runs as many processes as it may
 * ({@link ProcessRuntime#maxProcesses()}). Nothing was started.
 */
public final class ProcessLimitException extends RuntimeException {

    private final int limit;

    public ProcessLimitException(int limit) {
        super("the node's limit of " + limit + " processes is reached");
        this.limit = limit;
    }

    /** The node's limit. */
    public int limit() {
        return limit;
    }
}
