package dev.weft.mailbox;

import static dev.weft.mailbox.OwnerThread.ownedMailbox;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model-based check of selective receive, single-threaded: random sequences of sends, selective
 * receives, polls, removeIf and size are run against the mailbox and against a plain list, and
 * every answer must agree. Seeded, so a failure names the seed and step that reproduce it.
 */
class MailboxModelTest {

    private static final List<MessageFilter> FILTERS = List.of(
            MessageFilter.any(),
            MessageFilter.tags(1),
            MessageFilter.tags(2, 3),
            MessageFilter.tags(Message.UNTAGGED),
            MessageFilter.payload(p -> (Integer) p % 3 == 0),
            m -> m.tag() == 3 || (Integer) m.payload() % 5 == 1,
            MessageFilter.tags(9)); // matches nothing

    private static Scheduler scheduler;

    @BeforeAll
    static void start() {
        scheduler = new Scheduler();
    }

    @AfterAll
    static void stop() {
        scheduler.close();
    }

    @Test
    void randomOperationSequencesAgreeWithAListModel() throws Throwable {
        OwnerThread.runVirtual(Duration.ofSeconds(30), () -> {
            long base = System.nanoTime();
            for (int run = 0; run < 2_000; run++) {
                runOnce(base + run);
            }
        });
    }

    private static void runOnce(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Mailbox mailbox = ownedMailbox(scheduler.timers());
        List<Message> model = new ArrayList<>();
        int nextPayload = 0;
        int steps = 1 + random.nextInt(200);
        // Bias each run differently: some fill up, some stay short.
        int sendWeight = 20 + random.nextInt(60);
        for (int step = 0; step < steps; step++) {
            String where = "seed " + seed + ", step " + step;
            int op = random.nextInt(100);
            if (op < sendWeight) {
                Message message = new Message(random.nextInt(4), nextPayload++);
                mailbox.send(message);
                model.add(message);
                continue;
            }
            int f = random.nextInt(FILTERS.size());
            MessageFilter filter = FILTERS.get(f);
            switch (random.nextInt(4)) {
                case 0, 1 -> {
                    Message expected = takeFirst(model, filter);
                    Message actual;
                    try {
                        actual = random.nextBoolean()
                                ? mailbox.poll(filter)
                                : mailbox.receive(filter, Duration.ZERO);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    assertEquals(expected, actual, where + ": receive with filter " + f);
                }
                case 2 -> {
                    int expected = 0;
                    for (Iterator<Message> it = model.iterator(); it.hasNext(); ) {
                        if (filter.matches(it.next())) {
                            it.remove();
                            expected++;
                        }
                    }
                    assertEquals(expected, mailbox.removeIf(filter), where + ": removeIf with filter " + f);
                }
                default -> assertEquals(model.size(), mailbox.size(), where + ": size");
            }
        }
        // Drain: everything left comes out in order.
        for (Message expected : model) {
            assertEquals(expected, mailbox.poll(MessageFilter.any()), "seed " + seed + ": drain");
        }
        assertEquals(null, mailbox.poll(MessageFilter.any()), "seed " + seed + ": extra message");
        assertEquals(0, mailbox.size());
    }

    private static Message takeFirst(List<Message> model, MessageFilter filter) {
        for (Iterator<Message> it = model.iterator(); it.hasNext(); ) {
            Message message = it.next();
            if (filter.matches(message)) {
                it.remove();
                return message;
            }
        }
        return null;
    }
}
