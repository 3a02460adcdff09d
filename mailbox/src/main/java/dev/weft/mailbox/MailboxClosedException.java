package dev.weft.mailbox;

/** Thrown to the owner of a closed mailbox when it receives: its process is gone. */
public final class MailboxClosedException extends IllegalStateException {

    public MailboxClosedException() {
        super("mailbox is closed");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // control flow, not a bug: no stack trace needed
    }
}
