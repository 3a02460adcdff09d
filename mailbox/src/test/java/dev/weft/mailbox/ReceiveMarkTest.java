package dev.weft.mailbox;

import static dev.weft.mailbox.OwnerThread.ownedMailbox;
import static dev.weft.mailbox.OwnerThread.runVirtual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A receive after a mark: only later arrivals are tested, the backlog stays as it was. */
class ReceiveMarkTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

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

    @Test
    void messagesBeforeTheMarkAreSkippedEvenIfTheyMatchAndStayInOrder() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(new Message(7, "old reply"));
            mailbox.send(Message.of("a"));
            mailbox.receive(m -> false, 0); // moves both to the saved list
            mailbox.send(new Message(7, "queued before the mark"));
            ReceiveMark mark = mailbox.mark();
            mailbox.send(Message.of("b"));
            mailbox.send(new Message(7, "reply"));
            assertEquals("reply", mailbox.receiveAfter(mark, m -> m.tag() == 7, 0).payload());
            assertNull(mailbox.receiveAfter(mark, m -> m.tag() == 7, 0));
            assertEquals("old reply", mailbox.receive().payload());
            assertEquals("a", mailbox.receive().payload());
            assertEquals("queued before the mark", mailbox.receive().payload());
            assertEquals("b", mailbox.receive().payload());
            assertEquals(0, mailbox.size());
        });
    }

    @Test
    void waitsForAMessageThatArrivesAfterTheMark() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(new Message(3, "before"));
            ReceiveMark mark = mailbox.mark();
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
                mailbox.send(Message.of("other"));
                mailbox.send(new Message(3, "after"));
            });
            assertEquals("after", mailbox.receiveAfter(mark, m -> m.tag() == 3, -1).payload());
            assertEquals("before", mailbox.receive().payload());
            assertEquals("other", mailbox.receive().payload());
        });
    }

    @Test
    void aTimedReceiveAfterTheMarkTimesOut() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(new Message(3, "before"));
            ReceiveMark mark = mailbox.mark();
            long start = System.nanoTime();
            assertNull(mailbox.receiveAfter(mark, m -> m.tag() == 3, TimeUnit.MILLISECONDS.toNanos(30)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(30));
            assertEquals(1, mailbox.size());
        });
    }

    @Test
    void aMarkOnAnEmptyMailboxSkipsNothing() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            ReceiveMark mark = mailbox.mark();
            mailbox.send(new Message(1, "x"));
            assertEquals("x", mailbox.receiveAfter(mark, m -> true, 0).payload());
        });
    }

    @Test
    void otherReceivesThatPassTheMarkLeaveItPassed() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            mailbox.send(Message.of("before"));
            ReceiveMark mark = mailbox.mark();
            ReceiveMark same = mailbox.mark();
            assertSame(mark, same, "two marks at one place are one");
            mailbox.send(Message.of("after"));
            mailbox.removeIf(m -> false); // takes every arrival past the mark into the saved list
            // "after" is in the saved list now: the mark is passed, later arrivals are tested
            assertNull(mailbox.receiveAfter(mark, m -> "after".equals(m.payload()), 0),
                    "a message the owner already took off the inbox counts as the backlog");
            mailbox.send(Message.of("later"));
            assertEquals("later", mailbox.receiveAfter(mark, m -> true, 0).payload());
        });
    }

    @Test
    void aMarkOfAnotherMailboxIsRefused() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox one = mailbox();
            Mailbox two = mailbox();
            ReceiveMark mark = one.mark();
            assertThrows(IllegalArgumentException.class, () -> two.receiveAfter(mark, m -> true, 0));
        });
    }

    /** The point of the mark: the cost is the new arrivals, not the backlog. */
    @Test
    void aBacklogIsNotTestedAgainByEachRequest() throws Throwable {
        runVirtual(LIMIT, () -> {
            Mailbox mailbox = mailbox();
            for (int i = 0; i < 200_000; i++) {
                mailbox.send(Message.of(i));
            }
            mailbox.receive(m -> false, 0); // the backlog, saved
            AtomicLong tested = new AtomicLong();
            for (long request = 1; request <= 1_000; request++) {
                ReceiveMark mark = mailbox.mark();
                mailbox.send(Message.of("noise"));
                mailbox.send(new Message(request, "reply"));
                long tag = request;
                Message reply = mailbox.receiveAfter(mark, m -> {
                    tested.incrementAndGet();
                    return m.tag() == tag;
                }, 0);
                assertNotNull(reply);
            }
            assertEquals(2_000, tested.get(), "each request tests its noise and its reply, nothing else");
            assertEquals(201_000, mailbox.size());
        });
    }

    /**
     * Bounded stress: four threads flood the owner while it makes requests to a replier thread;
     * every request gets its own reply, and no flood message is lost or reordered per sender.
     */
    @Test
    void requestsUnderAFloodGetTheirOwnReplies() throws Throwable {
        runVirtual(Duration.ofSeconds(60), () -> {
            Mailbox mailbox = mailbox();
            AtomicBoolean stop = new AtomicBoolean();
            int floods = 4;
            Thread[] flooders = new Thread[floods];
            for (int f = 0; f < floods; f++) {
                int sender = f;
                flooders[f] = Thread.ofPlatform().daemon(true).start(() -> {
                    long n = 0;
                    while (!stop.get() && n < 2_000_000) {
                        mailbox.send(Message.of(new long[] {sender, n++}));
                    }
                    mailbox.send(Message.of(new long[] {sender, -1}));
                });
            }
            BlockingQueue<Long> requests = new ArrayBlockingQueue<>(1);
            Thread replier = Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    while (true) {
                        long tag = requests.take();
                        if (tag < 0) {
                            return;
                        }
                        mailbox.send(new Message(tag, tag * 2));
                    }
                } catch (InterruptedException e) {
                    // done
                }
            });
            for (long tag = 1; tag <= 20_000; tag++) {
                ReceiveMark mark = mailbox.mark();
                requests.put(tag);
                long want = tag;
                Message reply = mailbox.receiveAfter(mark, m -> m.tag() == want, TimeUnit.SECONDS.toNanos(10));
                assertNotNull(reply, "no reply to request " + tag);
                assertEquals(tag * 2, reply.payload());
            }
            requests.put(-1L);
            stop.set(true);
            for (Thread t : flooders) {
                t.join();
            }
            replier.join();
            long[] next = new long[floods];
            int ended = 0;
            while (ended < floods) {
                long[] m = (long[]) mailbox.receive(MessageFilter.any(), Duration.ofSeconds(10)).payload();
                if (m[1] == -1) {
                    ended++;
                    continue;
                }
                assertEquals(next[(int) m[0]], m[1], "sender " + m[0] + "'s messages in order");
                next[(int) m[0]]++;
            }
            assertEquals(0, mailbox.size());
        });
    }
}
