package dev.weft.process;

/**
 * A process whose code is an ordinary thread of the host program (for example the thread that
 * embeds a node): it gets a pid and a mailbox, sends and receives, links and monitors. Closing it
 * ends the process with reason {@code normal}.
 *
 * <p>When a signal kills an attached process its waiting receive throws {@link ExitException};
 * the thread itself is not interrupted.
 */
public interface AttachedProcess extends ProcessContext, AutoCloseable {

    /** Ends the process (reason {@code normal}) if it is still alive. */
    @Override
    void close();
}
