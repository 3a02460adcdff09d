package dev.weft.process.internal;

import dev.weft.mailbox.Message;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import java.util.concurrent.CompletableFuture;

/**
 * The spawner of a process that waits for its init ack ({@code SpawnOptions.awaitInit()}): told
 * once, either that the child started ({@code initAck}) or why it did not (its exit reason).
 */
abstract sealed class InitWaiter {

    /** The process that waits, or the node's pid for the host. */
    abstract Pid spawner();

    /** Called once: {@code failure} is null if the child started, else its exit reason. */
    abstract void answer(Pid child, ExitReason failure);

    /** What a waiting process finds in its mailbox: the answer to the spawn {@code ref}. */
    record InitAck(long ref, Pid child, ExitReason failure) {}

    /**
     * A process waiting in its mailbox (the answer is a message, so the wait ends when the
     * spawner is killed, and it can come from another node).
     */
    static final class InMailbox extends InitWaiter {
        private final ProcessTable table;
        private final Pid spawner;
        private final long ref;

        InMailbox(ProcessTable table, Pid spawner, long ref) {
            this.table = table;
            this.spawner = spawner;
            this.ref = ref;
        }

        @Override
        Pid spawner() {
            return spawner;
        }

        long ref() {
            return ref;
        }

        @Override
        void answer(Pid child, ExitReason failure) {
            ProcessRecord waiting = table.lookup(spawner);
            if (waiting != null) {
                waiting.mailbox.send(Message.of(new InitAck(ref, child, failure)));
            }
        }
    }

    /** The host waiting on a future (a thread that is not a process). */
    static final class OnFuture extends InitWaiter {
        private final Pid node;
        final CompletableFuture<ExitReason> answered = new CompletableFuture<>(); // null: started

        OnFuture(Pid node) {
            this.node = node;
        }

        @Override
        Pid spawner() {
            return node;
        }

        @Override
        void answer(Pid child, ExitReason failure) {
            answered.complete(failure);
        }
    }
}
