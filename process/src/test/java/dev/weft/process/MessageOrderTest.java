package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Delivery order: per sender/receiver pair, as in Erlang; nothing lost or duplicated. */
@Timeout(30)
class MessageOrderTest {

    record Numbered(int sender, int seq) {}

    @Test
    @DisplayName("messages from each sender arrive in the order that sender sent them, none lost")
    void orderIsKeptPerSender() {
        int senders = 8;
        int perSender = 20_000;
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                rt.spawn(ctx -> {
                    for (int i = 0; i < perSender; i++) {
                        ctx.send(host, new Numbered(sender, i));
                    }
                });
            }
            int[] next = new int[senders];
            for (int n = 0; n < senders * perSender; n++) {
                Message message = me.receive(WAIT);
                assertNotNull(message, "only " + n + " messages arrived");
                Numbered numbered = assertInstanceOf(Numbered.class, message.payload());
                assertEquals(next[numbered.sender()], numbered.seq(), "sender " + numbered.sender() + " out of order");
                next[numbered.sender()]++;
            }
            assertNull(me.receive(Duration.ZERO), "a message was duplicated");
        }
    }

    @Test
    @DisplayName("order per sender holds for a spawned receiver too, and for host sends")
    void orderIsKeptForASpawnedReceiver() {
        int perSender = 10_000;
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid receiver = me.spawnMonitor(ctx -> {
                int[] next = new int[3];
                for (int n = 0; n < 3 * perSender; n++) {
                    Numbered numbered = (Numbered) ctx.receive().payload();
                    if (numbered.seq() != next[numbered.sender()]++) {
                        ctx.exit(ExitReason.custom("sender " + numbered.sender() + " out of order at " + numbered.seq()));
                    }
                }
                ctx.send(host, "all in order");
            });
            for (int s = 0; s < 2; s++) {
                int sender = s;
                rt.spawn(ctx -> {
                    for (int i = 0; i < perSender; i++) {
                        ctx.send(receiver.pid(), new Numbered(sender, i));
                    }
                });
            }
            for (int i = 0; i < perSender; i++) {
                rt.send(receiver.pid(), new Numbered(2, i)); // the host, from no process
            }
            assertEquals(ExitReason.NORMAL, Probe.awaitDeath(me, receiver));
            assertEquals("all in order", me.receive(Duration.ZERO).payload());
        }
    }

    @Test
    @DisplayName("messages a process sent before it died arrive before its DOWN and exit signals")
    void messagesArriveBeforeTheSendersDeathSignals() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid host = me.self();
            for (int round = 0; round < 50; round++) {
                MonitoredPid child = me.spawnMonitor(ctx -> {
                    ctx.link(host);
                    for (int i = 0; i < 100; i++) {
                        ctx.send(host, i);
                    }
                    ctx.exit(ExitReason.custom("done"));
                });
                List<Object> payloads = new ArrayList<>();
                while (payloads.size() < 102) {
                    Message message = me.receive(WAIT);
                    assertNotNull(message, "round " + round + ": only " + payloads.size() + " messages");
                    payloads.add(message.payload());
                }
                for (int i = 0; i < 100; i++) {
                    assertEquals(i, payloads.get(i), "round " + round + ": a message came after a death signal");
                }
                // The two death signals, in either order (Erlang does not order links against monitors).
                List<Object> last = payloads.subList(100, 102);
                ExitReason done = ExitReason.custom("done");
                assertTrue(last.contains(new ExitMessage(child.pid(), done)), "round " + round + ": " + last);
                assertTrue(last.contains(new DownMessage(child.ref(), child.pid(), done)), "round " + round + ": " + last);
                assertNull(me.receive(Duration.ZERO));
            }
        }
    }
}
