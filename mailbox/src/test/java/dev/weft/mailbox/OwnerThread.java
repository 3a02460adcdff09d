package dev.weft.mailbox;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Runs test code as a mailbox owner on a thread of its own, bounded in time. */
final class OwnerThread {

    @FunctionalInterface
    interface Body {
        void run() throws Throwable;
    }

    private OwnerThread() {}

    /** Runs {@code body} on a new virtual thread and waits for it; fails if it takes longer than {@code limit}. */
    static void runVirtual(Duration limit, Body body) throws Throwable {
        run(Thread.ofVirtual().name("owner"), limit, body);
    }

    /** Same on a platform thread. */
    static void runPlatform(Duration limit, Body body) throws Throwable {
        run(Thread.ofPlatform().name("owner").daemon(true), limit, body);
    }

    static void run(Thread.Builder builder, Duration limit, Body body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = builder.unstarted(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        if (!thread.join(limit)) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement e : thread.getStackTrace()) {
                stack.append("\n\tat ").append(e);
            }
            thread.interrupt();
            fail("owner thread still running after " + limit + ":" + stack);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** A mailbox owned by the calling thread. */
    static Mailbox ownedMailbox(dev.weft.scheduler.Timers timers) {
        Mailbox mailbox = new Mailbox(timers);
        mailbox.bindOwner(Thread.currentThread());
        return mailbox;
    }
}
