package dev.weft.mailbox;

/**
 * A place in a mailbox's arrival order, taken by its owner with {@link Mailbox#mark()}: a receive
 * after the mark ({@link Mailbox#receiveAfter}) looks only at messages that arrived later.
 *
 * <p>This is Erlang's receive optimisation for fresh references (and Lunatic's "skip search"): a
 * reply to a request cannot arrive before the request was sent, so a receive for it need not look
 * at the backlog that was there before. With a flood of other messages queued, it costs the
 * messages that arrive while it waits, not the whole mailbox.
 */
public final class ReceiveMark {

    final Mailbox mailbox;
    /** Owner only: set when the owner takes the last message that arrived before the mark. */
    boolean passed;

    ReceiveMark(Mailbox mailbox, boolean passed) {
        this.mailbox = mailbox;
        this.passed = passed;
    }
}
