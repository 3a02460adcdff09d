package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.assertResponsive;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitExitMessage;
import static dev.weft.process.Probe.awaitForwarded;
import static dev.weft.process.Probe.idle;
import static dev.weft.process.Probe.spawnReady;
import static dev.weft.process.Probe.trappingForwarder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.Probe.Forwarded;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Erlang's exit/2: exit signals sent on purpose, by a process or by the host. */
@Timeout(30)
class ExitSignalSemanticsTest {

    private static final ExitReason CRASH = ExitReason.custom("crash");

    private static MessageFilter exitMessages() {
        return m -> m.payload() instanceof ExitMessage;
    }

    @Test
    @DisplayName("exit(pid, normal) from another process is ignored by a non-trapping target")
    void normalExitSignalIsIgnored() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            me.exit(target.pid(), ExitReason.NORMAL);
            assertResponsive(me, target.pid());
            assertTrue(rt.isAlive(target.pid()));
        }
    }

    @Test
    @DisplayName("exit(pid, reason) with an abnormal reason kills a non-trapping target with that reason")
    void abnormalExitSignalKills() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            me.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
        }
    }

    @Test
    @DisplayName("a trapping target gets ExitMessage(sender, reason) for exit(pid, reason), normal included")
    void trappingTargetGetsExitMessages() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid trapper = spawnReady(me, trappingForwarder(me.self()));
            me.exit(trapper.pid(), CRASH);
            assertEquals(new ExitMessage(me.self(), CRASH), awaitForwarded(me, exitMessages()).payload());
            me.exit(trapper.pid(), ExitReason.NORMAL);
            assertEquals(new ExitMessage(me.self(), ExitReason.NORMAL), awaitForwarded(me, exitMessages()).payload());
            assertTrue(rt.isAlive(trapper.pid()));
        }
    }

    @Test
    @DisplayName("a signal sent by exit(pid, reason) comes from the sending process")
    void exitSignalComesFromItsSender() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid host = me.self();
            Pid sender = rt.spawn(ctx -> ctx.exit(host, ExitReason.custom("from a peer")));
            Message message = awaitExitMessage(me, sender);
            assertEquals(new ExitMessage(sender, ExitReason.custom("from a peer")), message.payload());
        }
    }

    @Test
    @DisplayName("exit(pid, kill) cannot be trapped: the target dies with killed")
    void killCannotBeTrapped() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid trapper = spawnReady(me, trappingForwarder(me.self()));
            me.exit(trapper.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, awaitDeath(me, trapper));
            Message forwarded = me.receive(m -> m.payload() instanceof Forwarded, Probe.QUIET);
            assertEquals(null, forwarded, "the kill was delivered as a message");
        }
    }

    @Test
    @DisplayName("exit(self, normal) kills the calling process with reason normal")
    void exitSelfNormalKillsSelf() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            CountDownLatch bodyEnded = new CountDownLatch(1);
            AtomicBoolean ranOn = new AtomicBoolean();
            MonitoredPid child = me.spawnMonitor(ctx -> {
                try {
                    ctx.exit(ctx.self(), ExitReason.NORMAL);
                    ranOn.set(true);
                } finally {
                    bodyEnded.countDown();
                }
            });
            assertEquals(ExitReason.NORMAL, awaitDeath(me, child));
            Probe.awaitBodyEnd(bodyEnded);
            assertFalse(ranOn.get(), "exit(self, normal) returned to the caller");
        }
    }

    @Test
    @DisplayName("exit(self, normal) in a trapping process arrives as ExitMessage(self, normal)")
    void exitSelfNormalWhileTrappingIsAMessage() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            me.exit(me.self(), ExitReason.NORMAL);
            assertEquals(new ExitMessage(me.self(), ExitReason.NORMAL), awaitExitMessage(me, me.self()).payload());
            assertTrue(rt.isAlive(me.self()));
        }
    }

    @Test
    @DisplayName("exit(self, kill) kills the caller with killed even when it traps exits")
    void exitSelfKill() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid child = me.spawnMonitor(ctx -> {
                ctx.trapExit(true);
                ctx.exit(ctx.self(), ExitReason.KILL);
            });
            assertEquals(ExitReason.KILLED, awaitDeath(me, child));
        }
    }

    @Test
    @DisplayName("an exit signal to a dead pid does nothing")
    void exitToADeadPidDoesNothing() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid dead = Probe.deadPid(me);
            me.exit(dead, CRASH);
            rt.exit(dead, ExitReason.KILL);
            assertTrue(rt.isAlive(me.self()));
        }
    }

    // ---- from the host ----

    @Test
    @DisplayName("runtime.exit(pid, reason) from the host kills with an abnormal reason")
    void hostExitKills() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            rt.exit(target.pid(), CRASH);
            assertEquals(CRASH, awaitDeath(me, target));
        }
    }

    @Test
    @DisplayName("runtime.exit(pid, normal) from the host is ignored by a non-trapping target")
    void hostNormalExitIsIgnored() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            rt.exit(target.pid(), ExitReason.NORMAL);
            assertResponsive(me, target.pid());
        }
    }

    @Test
    @DisplayName("runtime.exit(pid, kill) from the host kills a trapping target with killed")
    void hostKillKills() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid trapper = spawnReady(me, trappingForwarder(me.self()));
            rt.exit(trapper.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, awaitDeath(me, trapper));
        }
    }

    @Test
    @DisplayName("a trapping process gets the host's exit signal as ExitMessage from the node pid")
    void hostExitToATrappingProcessIsAMessageFromTheNode() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            rt.exit(me.self(), ExitReason.SHUTDOWN);
            Message message = me.receive(m -> m.payload() instanceof ExitMessage, WAIT);
            assertNotNull(message);
            ExitMessage exit = (ExitMessage) message.payload();
            assertEquals(ExitReason.SHUTDOWN, exit.reason());
            assertEquals(new Pid(rt.nodeId(), 0), exit.from());
            assertTrue(rt.isAlive(me.self()));
        }
    }

    @Test
    @DisplayName("an attached process killed by the host sees the reason as ExitException")
    void hostExitKillsAnAttachedProcess() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            rt.exit(me.self(), CRASH);
            ExitException e = assertThrows(ExitException.class, () -> me.receive(WAIT));
            assertEquals(CRASH, e.reason());
            assertFalse(rt.isAlive(me.self()));
        }
    }

    @Test
    @DisplayName("turning trap_exit off again makes exit signals kill")
    void trapExitCanBeTurnedOff() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            assertFalse(me.trapExit(true));
            assertTrue(me.trapExit(false));
            rt.exit(me.self(), CRASH);
            ExitException e = assertThrows(ExitException.class, () -> me.receive(WAIT));
            assertEquals(CRASH, e.reason());
        }
    }
}
