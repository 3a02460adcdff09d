package dev.weft.mailbox;

import static dev.weft.mailbox.OwnerThread.ownedMailbox;
import static dev.weft.mailbox.OwnerThread.runVirtual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MailboxTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    private Scheduler scheduler;

    @BeforeEach
    void start() {
        scheduler = new Scheduler();
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    private Mailbox mailbox() {
        return ownedMailbox(scheduler.timers());
    }

    private static Object payload(Message message) {
        assertNotNull(message, "no message");
        return message.payload();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Waits, boundedly, until {@code thread} is parked (waiting). */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("thread never waited: " + thread.getState());
    }

    // ---- order and selection ----

    @Test
    void receivesInFifoOrder() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            for (int i = 0; i < 10_000; i++) {
                mailbox.send(Message.of(i));
            }
            assertEquals(10_000, mailbox.size());
            for (int i = 0; i < 10_000; i++) {
                assertEquals(i, payload(mailbox.receive()));
            }
            assertEquals(0, mailbox.size());
            assertNull(mailbox.receive(MessageFilter.any(), Duration.ZERO));
        });
    }

    @Test
    void tagFilterTakesTheOldestMatchAndLeavesOthersInOrder() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(new Message(1, "a1"));
            mailbox.send(new Message(2, "b1"));
            mailbox.send(Message.of("u1"));
            mailbox.send(new Message(1, "a2"));
            mailbox.send(new Message(3, "c1"));
            mailbox.send(new Message(2, "b2"));

            assertEquals("b1", payload(mailbox.receive(MessageFilter.tags(2))));
            assertEquals("c1", payload(mailbox.receive(MessageFilter.tags(3, 7))));
            assertEquals("u1", payload(mailbox.receive(MessageFilter.tags(Message.UNTAGGED))));
            assertEquals("b2", payload(mailbox.receive(MessageFilter.tags(9, 2, 5))));
            assertEquals(2, mailbox.size());
            assertEquals("a1", payload(mailbox.receive()));
            assertEquals("a2", payload(mailbox.receive()));
            assertEquals(0, mailbox.size());
        });
    }

    @Test
    void predicateFilterTakesTheOldestMatchAndLeavesOthersInOrder() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            for (int i = 0; i < 30; i++) {
                mailbox.send(Message.of(i));
            }
            mailbox.send(Message.of("text"));
            for (int i = 0; i < 10; i++) {
                assertEquals(i * 3, payload(mailbox.receive(MessageFilter.payload(p -> p instanceof Integer n && n % 3 == 0))));
            }
            assertEquals("text", payload(mailbox.receive(MessageFilter.payloadOf(String.class))));
            for (int i = 0; i < 30; i++) {
                if (i % 3 != 0) {
                    assertEquals(i, payload(mailbox.receive()));
                }
            }
            assertEquals(0, mailbox.size());
        });
    }

    @Test
    void savedMessagesStayAheadOfLaterArrivals() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(new Message(1, "a"));
            mailbox.send(new Message(1, "b"));
            assertNull(mailbox.receive(MessageFilter.tags(2), Duration.ZERO)); // a, b now saved
            mailbox.send(new Message(2, "c"));
            mailbox.send(new Message(1, "d"));
            assertEquals("c", payload(mailbox.receive(MessageFilter.tags(2)))); // d saved too
            mailbox.send(new Message(1, "e"));
            assertEquals("a", payload(mailbox.receive(MessageFilter.tags(1))));
            assertEquals("b", payload(mailbox.receive()));
            assertEquals("d", payload(mailbox.receive()));
            assertEquals("e", payload(mailbox.receive()));
        });
    }

    @Test
    void selectiveReceiveWaitsPastNonMatchingArrivals() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread sender = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 100; i++) {
                    mailbox.send(new Message(1, i));
                    if (i % 10 == 0) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                mailbox.send(new Message(2, "wanted"));
            });
            assertEquals("wanted", payload(mailbox.receive(MessageFilter.tags(2))));
            sender.join();
            for (int i = 0; i < 100; i++) {
                assertEquals(i, payload(mailbox.receive(MessageFilter.any(), Duration.ZERO)));
            }
        });
    }

    // ---- timeouts ----

    @Test
    void timeoutReturnsNullAfterAboutTheTimeout() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            long start = System.nanoTime();
            assertNull(mailbox.receive(MessageFilter.any(), Duration.ofMillis(200)));
            long ms = millisSince(start);
            assertTrue(ms >= 200 && ms < 2_000, "returned after " + ms + " ms");
            assertEquals(0, scheduler.timers().pending(), "the receive left its timer behind");
        });
    }

    @Test
    void timeoutHoldsWhileNonMatchingMessagesKeepArriving() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            AtomicBoolean stop = new AtomicBoolean();
            Thread sender = Thread.ofVirtual().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    mailbox.send(new Message(1, i));
                    LockSupport.parkNanos(2_000_000);
                }
            });
            long start = System.nanoTime();
            Message got = mailbox.receive(MessageFilter.tags(2), Duration.ofMillis(300));
            long ms = millisSince(start);
            stop.set(true);
            sender.join();
            assertNull(got);
            assertTrue(ms >= 300 && ms < 3_000, "returned after " + ms + " ms");
            assertTrue(mailbox.size() > 10, "the non-matching messages stay: " + mailbox.size());
        });
    }

    @Test
    void timedReceiveReturnsAMessageThatArrivesInTime() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread sender = Thread.ofVirtual().start(() -> {
                LockSupport.parkNanos(50_000_000);
                mailbox.send(Message.of("late but in time"));
            });
            long start = System.nanoTime();
            assertEquals("late but in time", payload(mailbox.receive(MessageFilter.any(), Duration.ofSeconds(5))));
            assertTrue(millisSince(start) < 4_000);
            sender.join();
            assertEquals(0, scheduler.timers().pending(), "the receive left its timer behind");
        });
    }

    @Test
    void zeroTimeoutOnlyPolls() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            long start = System.nanoTime();
            assertNull(mailbox.receive(MessageFilter.any(), Duration.ZERO));
            assertNull(mailbox.receive(MessageFilter.any(), 0L));
            assertNull(mailbox.receive(MessageFilter.any(), Duration.ofMillis(-10)), "negative means zero");
            assertNull(mailbox.poll(MessageFilter.any()));
            assertTrue(millisSince(start) < 500);
            mailbox.send(new Message(1, "x"));
            assertNull(mailbox.receive(MessageFilter.tags(2), Duration.ZERO));
            assertEquals(1, mailbox.size(), "a poll that matched nothing keeps the message");
            assertEquals("x", payload(mailbox.receive(MessageFilter.tags(1), Duration.ZERO)));
            mailbox.send(Message.of("y"));
            assertEquals("y", payload(mailbox.poll(MessageFilter.any())));
            assertEquals(0, scheduler.timers().pending());
        });
    }

    @Test
    void nullAndHugeTimeoutsWaitForAMessage() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            for (Duration timeout : new Duration[] {null, ChronoUnit.FOREVER.getDuration(),
                    Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L), Duration.ofNanos(Long.MAX_VALUE)}) {
                Thread sender = Thread.ofVirtual().start(() -> {
                    LockSupport.parkNanos(30_000_000);
                    mailbox.send(Message.of(String.valueOf(timeout)));
                });
                long start = System.nanoTime();
                assertEquals(String.valueOf(timeout), payload(mailbox.receive(MessageFilter.any(), timeout)),
                        "timeout " + timeout);
                assertTrue(millisSince(start) >= 25, "did not wait with timeout " + timeout);
                sender.join();
            }
            assertEquals(0, scheduler.timers().pending());
        });
    }

    @Test
    void strayUnparksDoNotEndAWaitEarly() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread owner = Thread.currentThread();
            AtomicBoolean stop = new AtomicBoolean();
            Thread unparker = Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    LockSupport.unpark(owner);
                    LockSupport.parkNanos(500_000);
                }
            });
            try {
                LockSupport.unpark(owner); // a permit left over before the receive
                long start = System.nanoTime();
                assertNull(mailbox.receive(MessageFilter.any(), Duration.ofMillis(150)));
                assertTrue(millisSince(start) >= 150, "timed wait ended early");
                Thread sender = Thread.ofVirtual().start(() -> {
                    LockSupport.parkNanos(100_000_000);
                    mailbox.send(Message.of("done"));
                });
                start = System.nanoTime();
                assertEquals("done", payload(mailbox.receive()));
                assertTrue(millisSince(start) >= 90, "untimed wait ended early");
                sender.join();
            } finally {
                stop.set(true);
                unparker.join();
            }
        });
    }

    // ---- removeIf and size ----

    @Test
    void removeIfRemovesMatchesEverywhereAndKeepsTheRestInOrder() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            for (int i = 0; i < 10; i++) {
                mailbox.send(new Message(i % 2, i));
            }
            assertNull(mailbox.receive(MessageFilter.tags(5), Duration.ZERO)); // all ten saved
            for (int i = 10; i < 20; i++) {
                mailbox.send(new Message(i % 2, i)); // ten more on the inbox
            }
            assertEquals(20, mailbox.size());
            assertEquals(10, mailbox.removeIf(MessageFilter.tags(1)));
            assertEquals(10, mailbox.size());
            assertEquals(0, mailbox.removeIf(MessageFilter.tags(1)));
            assertEquals(3, mailbox.removeIf(MessageFilter.payload(p -> (Integer) p == 0 || (Integer) p == 10 || (Integer) p == 18)));
            mailbox.send(new Message(0, 20));
            List<Object> rest = new ArrayList<>();
            Message m;
            while ((m = mailbox.poll(MessageFilter.any())) != null) {
                rest.add(m.payload());
            }
            assertEquals(List.of(2, 4, 6, 8, 12, 14, 16, 20), rest);
            // removing the last saved message keeps later saves working
            mailbox.send(new Message(1, "x"));
            mailbox.send(new Message(1, "y"));
            assertNull(mailbox.receive(MessageFilter.tags(5), Duration.ZERO));
            assertEquals(1, mailbox.removeIf(MessageFilter.payload("y"::equals)));
            mailbox.send(new Message(1, "z"));
            assertNull(mailbox.receive(MessageFilter.tags(5), Duration.ZERO));
            assertEquals("x", payload(mailbox.poll(MessageFilter.any())));
            assertEquals("z", payload(mailbox.poll(MessageFilter.any())));
            assertEquals(0, mailbox.size());
        });
    }

    // ---- close, interrupt, ownership ----

    @Test
    void closeMakesABlockedReceiveThrow() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread owner = Thread.currentThread();
            Thread closer = Thread.ofVirtual().start(() -> {
                try {
                    awaitWaiting(owner);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                mailbox.close();
            });
            assertThrows(MailboxClosedException.class, mailbox::receive);
            closer.join();
            assertTrue(mailbox.isClosed());
            mailbox.send(Message.of("after close")); // senders never fail
            assertThrows(MailboxClosedException.class, () -> mailbox.receive(MessageFilter.any(), Duration.ZERO));
            assertThrows(MailboxClosedException.class, () -> mailbox.poll(MessageFilter.any()));
        });
    }

    @Test
    void closeMakesABlockedTimedReceiveThrow() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread owner = Thread.currentThread();
            Thread closer = Thread.ofVirtual().start(() -> {
                try {
                    awaitWaiting(owner);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                mailbox.close();
            });
            long start = System.nanoTime();
            assertThrows(MailboxClosedException.class,
                    () -> mailbox.receive(MessageFilter.tags(1), Duration.ofSeconds(5)));
            assertTrue(millisSince(start) < 4_000, "woke by the timeout, not by close");
            closer.join();
        });
    }

    @Test
    void closeBeforeReceiveThrowsEvenWithMessages() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(Message.of(1));
            assertFalse(mailbox.isClosed());
            mailbox.close();
            assertThrows(MailboxClosedException.class, mailbox::receive);
        });
    }

    @Test
    void interruptMakesABlockedReceiveThrow() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread owner = Thread.currentThread();
            Thread interrupter = Thread.ofVirtual().start(() -> {
                try {
                    awaitWaiting(owner);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                owner.interrupt();
            });
            assertThrows(InterruptedException.class, () -> mailbox.receive(MessageFilter.tags(3)));
            assertFalse(Thread.currentThread().isInterrupted(), "InterruptedException clears the status");
            interrupter.join();
            // the mailbox still works afterwards
            mailbox.send(new Message(3, "ok"));
            assertEquals("ok", payload(mailbox.receive(MessageFilter.tags(3), Duration.ofSeconds(1))));
        });
    }

    @Test
    void interruptBeforeABlockingReceiveThrows() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> mailbox.receive(MessageFilter.any(), Duration.ofSeconds(5)));
            assertEquals(0, scheduler.timers().pending());
        });
    }

    @Test
    void onlyTheOwnerMayReceive() throws Throwable {
        Mailbox mailbox = new Mailbox(scheduler.timers());
        assertThrows(IllegalStateException.class, mailbox::receive, "no owner bound");
        CountDownLatch release = new CountDownLatch(1);
        Thread owner = Thread.ofVirtual().unstarted(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        mailbox.bindOwner(owner);
        owner.start();
        try {
            mailbox.send(Message.of("for the owner"));
            IllegalStateException e = assertThrows(IllegalStateException.class, mailbox::receive);
            assertFalse(e instanceof MailboxClosedException);
            assertThrows(IllegalStateException.class, () -> mailbox.receive(MessageFilter.any(), Duration.ofSeconds(1)));
            assertThrows(IllegalStateException.class, () -> mailbox.poll(MessageFilter.any()));
            assertThrows(IllegalStateException.class, () -> mailbox.removeIf(MessageFilter.any()));
            assertEquals(1, mailbox.size(), "the refused calls took nothing");
        } finally {
            release.countDown();
            owner.join();
        }
        // ownership can be handed to a thread before it starts receiving
        AtomicReference<Object> got = new AtomicReference<>();
        runVirtual(LIMIT, () -> {
            mailbox.bindOwner(Thread.currentThread());
            got.set(payload(mailbox.receive()));
        });
        assertEquals("for the owner", got.get());
    }
}
