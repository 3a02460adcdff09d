package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.assertNoExitMessage;
import static dev.weft.process.Probe.assertResponsive;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitDown;
import static dev.weft.process.Probe.awaitExitMessage;
import static dev.weft.process.Probe.deadPid;
import static dev.weft.process.Probe.idle;
import static dev.weft.process.Probe.spawnReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.Probe.Ready;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Links: Erlang's link/1, unlink/1 and the exit signals a death sends through them. */
@Timeout(30)
class LinkSemanticsTest {

    private static final ExitReason CRASH = ExitReason.custom("crash");

    // ---- direction ----

    @Test
    @DisplayName("a link is bidirectional: the linker is signalled when the linked process dies")
    void linkerIsSignalledWhenTheLinkedProcessDies() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linker = spawnReady(me, ctx -> {
                ctx.link(target.pid());
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive();
            });
            me.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
            assertEquals(CRASH, awaitDeath(me, linker));
        }
    }

    @Test
    @DisplayName("a link is bidirectional: the linked process is signalled when the linker dies")
    void linkedProcessIsSignalledWhenTheLinkerDies() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linker = me.spawnMonitor(ctx -> {
                ctx.link(target.pid());
                ctx.exit(CRASH);
            });
            assertEquals(CRASH, awaitDeath(me, linker));
            assertEquals(CRASH, awaitDeath(me, target));
        }
    }

    @Test
    @DisplayName("linking twice makes one link: one death gives one exit signal")
    void linkingTwiceGivesOneExitSignal() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            MonitoredPid target = me.spawnMonitor(idle());
            me.link(target.pid());
            me.link(target.pid());
            me.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
            ExitMessage exit = (ExitMessage) awaitExitMessage(me, target.pid()).payload();
            assertEquals(new ExitMessage(target.pid(), CRASH), exit);
            assertNoExitMessage(me, target.pid());
        }
    }

    @Test
    @DisplayName("linking twice makes one link: one unlink removes it")
    void linkingTwiceThenUnlinkingOnceLeavesNoLink() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            MonitoredPid target = me.spawnMonitor(idle());
            me.link(target.pid());
            me.link(target.pid());
            me.unlink(target.pid());
            me.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
            assertNoExitMessage(me, target.pid());
        }
    }

    // ---- unlink ----

    @Test
    @DisplayName("after unlink, the caller gets no exit signal when the other process dies")
    void unlinkRemovesTheCallersSide() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            me.link(target.pid());
            me.unlink(target.pid());
            me.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
            assertTrue(rt.isAlive(me.self()), "an unlinked crash killed the caller");
            me.trapExit(true); // nothing may be waiting or arrive late either
            assertNoExitMessage(me, target.pid());
        }
    }

    @Test
    @DisplayName("after unlink, the other process gets no exit signal when the caller dies")
    void unlinkRemovesTheOtherSide() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linker = me.spawnMonitor(ctx -> {
                ctx.link(target.pid());
                ctx.unlink(target.pid());
                ctx.exit(CRASH);
            });
            assertEquals(CRASH, awaitDeath(me, linker));
            assertResponsive(me, target.pid());
        }
    }

    @Test
    @DisplayName("unlink by the linked process removes a link the other process made")
    void unlinkByTheLinkedSideRemovesTheLink() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid host = me.self();
            MonitoredPid target = me.spawnMonitor(ctx -> {
                ctx.receive(MessageFilter.tags(1)); // "unlink now"
                ctx.unlink(host);
                ctx.send(host, 2, "unlinked");
                ctx.receive(MessageFilter.tags(3)); // "die now"
                ctx.exit(CRASH);
            });
            me.link(target.pid());
            me.send(target.pid(), 1, "unlink now");
            assertNotNull(me.receive(MessageFilter.tags(2), WAIT));
            me.send(target.pid(), 3, "die now");
            assertEquals(CRASH, awaitDeath(me, target));
            assertNoExitMessage(me, target.pid());
        }
    }

    // ---- what an exit signal through a link does ----

    @Test
    @DisplayName("a normal exit does not kill a linked process")
    void normalExitDoesNotKillALinkedProcess() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linker = me.spawnMonitor(ctx -> ctx.link(target.pid()));
            assertEquals(ExitReason.NORMAL, awaitDeath(me, linker));
            assertResponsive(me, target.pid());
        }
    }

    @Test
    @DisplayName("an abnormal exit kills a linked non-trapping process with the same reason")
    void abnormalExitKillsALinkedProcessWithTheSameReason() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linker = me.spawnMonitor(ctx -> {
                ctx.link(target.pid());
                throw new IllegalArgumentException("bad argument");
            });
            ExitReason reason = awaitDeath(me, linker);
            assertEquals("error", reason.kind());
            assertEquals(reason, awaitDeath(me, target));
        }
    }

    @Test
    @DisplayName("a trapping process gets ExitMessage(from, reason) for an abnormal exit and survives")
    void trappingProcessGetsAnExitMessageForAnAbnormalExit() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            MonitoredPid target = me.spawnMonitor(idle());
            me.link(target.pid());
            me.exit(target.pid(), CRASH);
            Message message = awaitExitMessage(me, target.pid());
            assertEquals(new ExitMessage(target.pid(), CRASH), message.payload());
            assertEquals(Message.UNTAGGED, message.tag());
            assertTrue(rt.isAlive(me.self()));
        }
    }

    @Test
    @DisplayName("a trapping process gets ExitMessage(from, normal) for a normal exit too")
    void trappingProcessGetsAnExitMessageForANormalExit() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid child = me.spawnLink(ctx -> {});
            assertEquals(new ExitMessage(child, ExitReason.NORMAL), awaitExitMessage(me, child).payload());
        }
    }

    @Test
    @DisplayName("the tag given to link(pid, tag) becomes the tag of the ExitMessage")
    void linkTagBecomesTheExitMessageTag() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            MonitoredPid target = me.spawnMonitor(idle());
            me.link(target.pid(), 42);
            me.exit(target.pid(), CRASH);
            Message message = me.receive(MessageFilter.tags(42), WAIT);
            assertNotNull(message, "no exit message tagged 42");
            assertEquals(new ExitMessage(target.pid(), CRASH), message.payload());
        }
    }

    @Test
    @DisplayName("a trapping process survives a linked crash, and its own later exit still reaches its other links")
    void trapperSurvivesAndItsOwnExitStillPropagates() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            // A traps, B dies abnormally; A survives and then crashes; C, linked only to A, dies of A's reason.
            MonitoredPid c = me.spawnMonitor(idle());
            MonitoredPid a = spawnReady(me, ctx -> {
                ctx.trapExit(true);
                ctx.link(c.pid());
                Pid b = ctx.spawnLink(child -> child.exit(CRASH));
                ctx.send(host, new Ready(ctx.self()));
                Message got = ctx.receive(Probe.exitMessageFrom(b));
                ctx.exit(ExitReason.custom("a saw " + ((ExitMessage) got.payload()).reason()));
            });
            ExitReason reasonA = awaitDeath(me, a);
            assertEquals(ExitReason.custom("a saw crash"), reasonA);
            assertEquals(reasonA, awaitDeath(me, c));
        }
    }

    // ---- kill ----

    @Test
    @DisplayName("a process killed by exit(pid, kill) signals its links with killed")
    void killedPropagatesAsKilled() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            me.trapExit(true);
            MonitoredPid victim = me.spawnMonitor(idle());
            MonitoredPid bystander = spawnReady(me, ctx -> {
                ctx.link(victim.pid());
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive();
            });
            me.link(victim.pid());
            me.exit(victim.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, awaitDeath(me, victim));
            assertEquals(new ExitMessage(victim.pid(), ExitReason.KILLED),
                    awaitExitMessage(me, victim.pid()).payload());
            assertEquals(ExitReason.KILLED, awaitDeath(me, bystander));
        }
    }

    @Test
    @DisplayName("a process that exits with reason kill itself sends a trappable kill through its links")
    void exitingWithKillPropagatesATrappableKill() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid host = me.self();
            MonitoredPid suicidal = me.spawnMonitor(ctx -> {
                ctx.receive(MessageFilter.tags(1)); // wait until both links exist
                ctx.exit(ExitReason.KILL);
            });
            MonitoredPid nonTrapping = spawnReady(me, ctx -> {
                ctx.link(suicidal.pid());
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive();
            });
            me.link(suicidal.pid());
            me.send(suicidal.pid(), 1, "go");
            assertEquals(ExitReason.KILL, awaitDeath(me, suicidal));
            // Erlang: the trapping process gets {'EXIT', Pid, kill} and lives ...
            assertEquals(new ExitMessage(suicidal.pid(), ExitReason.KILL),
                    awaitExitMessage(me, suicidal.pid()).payload());
            assertTrue(rt.isAlive(me.self()));
            // ... and a non-trapping one dies with reason kill (not killed).
            assertEquals(ExitReason.KILL, awaitDeath(me, nonTrapping));
        }
    }

    // ---- linking to a dead process ----

    @Test
    @DisplayName("linking to a dead pid kills a non-trapping caller with noproc")
    void linkToADeadPidKillsTheCallerWithNoproc() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid dead = deadPid(me);
            CountDownLatch bodyEnded = new CountDownLatch(1);
            AtomicReference<ExitException> thrown = new AtomicReference<>();
            MonitoredPid caller = me.spawnMonitor(ctx -> {
                try {
                    ctx.link(dead);
                } catch (ExitException e) {
                    thrown.set(e);
                    throw e;
                } finally {
                    bodyEnded.countDown();
                }
                ctx.send(host, "survived the link");
            });
            assertEquals(ExitReason.NOPROC, awaitDeath(me, caller));
            Probe.awaitBodyEnd(bodyEnded);
            assertNotNull(thrown.get(), "link() returned normally after killing the caller");
            assertEquals(ExitReason.NOPROC, thrown.get().reason());
            assertEquals(null, me.receive(Probe.QUIET));
        }
    }

    @Test
    @DisplayName("linking to a pid that never existed kills a non-trapping caller with noproc")
    void linkToAnUnknownPidKillsTheCallerWithNoproc() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid unknown = new Pid(rt.nodeId(), 1_000_000_000L);
            MonitoredPid caller = me.spawnMonitor(ctx -> ctx.link(unknown));
            assertEquals(ExitReason.NOPROC, awaitDeath(me, caller));
            // The attached caller sees it as an ExitException from link itself.
            try (AttachedProcess other = rt.attach()) {
                ExitException e = assertThrows(ExitException.class, () -> other.link(unknown));
                assertEquals(ExitReason.NOPROC, e.reason());
            }
        }
    }

    @Test
    @DisplayName("linking to a dead pid gives a trapping caller ExitMessage(pid, noproc)")
    void linkToADeadPidGivesATrappingCallerAnExitMessage() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid dead = deadPid(me);
            me.trapExit(true);
            me.link(dead, 7);
            Message message = awaitExitMessage(me, dead);
            assertEquals(new ExitMessage(dead, ExitReason.NOPROC), message.payload());
            assertEquals(7, message.tag());
            assertTrue(rt.isAlive(me.self()));
        }
    }

    // ---- cascades ----

    /** One link of a chain: spawns and links the next, the last one dies on request. */
    private record ChainLink(int index, int length, Pid[] chain, Pid host, ExitReason reason) implements ProcessBody {
        @Override
        public void run(ProcessContext ctx) {
            chain[index] = ctx.self(); // published to the next link by its thread start
            if (index + 1 < length) {
                ctx.spawnLink(new ChainLink(index + 1, length, chain, host, reason));
                ctx.receive(); // only a signal ends this
            } else {
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive(MessageFilter.tags(1));
                ctx.exit(reason);
            }
        }
    }

    @Test
    @DisplayName("a chain of 10,000 linked processes dies entirely, each with the reason, when one end dies")
    void cascadeThroughALongChain() {
        int length = 10_000;
        ExitReason reason = ExitReason.custom("end of the chain");
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid[] chain = new Pid[length];
            rt.spawn(new ChainLink(0, length, chain, me.self(), reason));
            Message ready = me.receive(m -> m.payload() instanceof Ready, WAIT);
            assertNotNull(ready, "the chain was not built within " + WAIT);
            Pid last = ((Ready) ready.payload()).pid();
            assertEquals(last, chain[length - 1]);

            Map<MonitorRef, Pid> watched = new HashMap<>();
            for (Pid pid : chain) {
                watched.put(me.monitor(pid), pid);
            }
            me.send(last, 1, "die");

            for (int i = 0; i < length; i++) {
                Message message = me.receive(m -> m.payload() instanceof DownMessage, WAIT);
                assertNotNull(message, "only " + i + " of " + length + " processes died");
                DownMessage down = (DownMessage) message.payload();
                assertEquals(watched.remove(down.ref()), down.pid());
                assertEquals(reason, down.reason(), "process " + down.pid());
            }
            assertTrue(watched.isEmpty());
            assertEquals(1, rt.processCount()); // only this attached process is left
        }
    }

    @Test
    @DisplayName("a trapping process in a chain stops the cascade")
    void aTrappingProcessStopsACascade() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            // first <-> trapper <-> last: first dies, trapper survives, last is untouched.
            MonitoredPid last = me.spawnMonitor(idle());
            MonitoredPid first = me.spawnMonitor(idle());
            MonitoredPid trapper = spawnReady(me, ctx -> {
                ctx.trapExit(true);
                ctx.link(first.pid());
                ctx.link(last.pid());
                ctx.send(host, new Ready(ctx.self()));
                Message exit = ctx.receive(Probe.exitMessageFrom(first.pid()));
                ctx.send(host, exit.payload());
                ctx.receive();
            });
            me.exit(first.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, first));
            Message seen = me.receive(m -> m.payload() instanceof ExitMessage, WAIT);
            assertNotNull(seen);
            assertEquals(new ExitMessage(first.pid(), CRASH), seen.payload());
            assertTrue(rt.isAlive(trapper.pid()));
            assertResponsive(me, last.pid());
        }
    }

    @Test
    @DisplayName("a host-side exit signal reaches a process through runtime.exit, and its links follow")
    void hostExitCascadesThroughLinks() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid linked = spawnReady(me, ctx -> {
                ctx.link(target.pid());
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive();
            });
            rt.exit(target.pid(), ExitReason.SHUTDOWN);
            assertEquals(ExitReason.SHUTDOWN, awaitDown(me, target.ref()).reason());
            assertEquals(ExitReason.SHUTDOWN, awaitDeath(me, linked));
        }
    }
}
