package dev.weft.process;

/**
 * The code of a Java process. Returning ends the process with reason {@code normal}; an exception
 * ends it with an {@link ExitReason.Error} that carries the exception.
 */
@FunctionalInterface
public interface ProcessBody {

    void run(ProcessContext context) throws Exception;
}
