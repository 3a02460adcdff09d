package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitExitMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** spawn, spawn_link, spawn_monitor and how a process body ends. */
@Timeout(30)
class SpawnSemanticsTest {

    record ThreadInfo(Pid self, String name, boolean virtual) {}

    @Test
    @DisplayName("spawn runs the body on its own virtual thread named after the pid")
    void spawnRunsOnAVirtualThreadNamedAfterThePid() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid pid = rt.spawn(ctx -> {
                Thread t = Thread.currentThread();
                ctx.send(host, new ThreadInfo(ctx.self(), t.getName(), t.isVirtual()));
            });
            Message message = me.receive(WAIT);
            assertNotNull(message);
            ThreadInfo info = (ThreadInfo) message.payload();
            assertEquals(pid, info.self());
            assertEquals(pid.toString(), info.name());
            assertTrue(info.virtual(), "process thread is not virtual");
            assertEquals(rt.nodeId(), pid.node());
        }
    }

    @Test
    @DisplayName("a body that returns exits with reason normal")
    void returningBodyExitsNormal() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid child = me.spawnMonitor(ctx -> {});
            assertEquals(ExitReason.NORMAL, awaitDeath(me, child));
            assertFalse(rt.isAlive(child.pid()));
        }
    }

    @Test
    @DisplayName("a body that throws exits with an error carrying the exception and its message")
    void throwingBodyExitsWithError() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            IllegalStateException thrown = new IllegalStateException("boom in the body");
            MonitoredPid child = me.spawnMonitor(ctx -> {
                throw thrown;
            });
            ExitReason reason = awaitDeath(me, child);
            ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason);
            assertTrue(error.message().contains("boom in the body"), error.message());
            assertSame(thrown, error.cause());
            assertEquals("error", reason.kind());
        }
    }

    @Test
    @DisplayName("ctx.exit(reason) ends the process with that reason at once")
    void exitEndsTheProcessAtOnce() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            CountDownLatch bodyEnded = new CountDownLatch(1);
            AtomicBoolean ranOn = new AtomicBoolean();
            AtomicBoolean aliveRightAfterExit = new AtomicBoolean(true);
            AtomicReference<ExitException> sendAfterExit = new AtomicReference<>();
            MonitoredPid child = me.spawnMonitor(ctx -> {
                try {
                    ctx.exit(ExitReason.custom("bye"));
                    ranOn.set(true);
                } catch (ExitException unwinding) {
                    aliveRightAfterExit.set(rt.isAlive(ctx.self()));
                    try {
                        ctx.send(ctx.self(), "still here?"); // catching the unwind does not revive it
                    } catch (ExitException again) {
                        sendAfterExit.set(again);
                    }
                    throw unwinding;
                } finally {
                    bodyEnded.countDown();
                }
            });
            assertEquals(ExitReason.custom("bye"), awaitDeath(me, child));
            Probe.awaitBodyEnd(bodyEnded);
            assertFalse(ranOn.get(), "code after exit() ran");
            assertFalse(aliveRightAfterExit.get(), "the process was still alive after exit() threw");
            assertNotNull(sendAfterExit.get(), "a dead process could still send");
            assertEquals(ExitReason.custom("bye"), sendAfterExit.get().reason());
        }
    }

    @Test
    @DisplayName("spawn_link is atomic: a child that dies at once still signals its parent")
    void spawnLinkIsAtomicWithTheSpawn() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            for (int i = 0; i < 200; i++) {
                String why = "dies at once " + i;
                Pid child = me.spawnLink(ctx -> {
                    throw new IllegalStateException(why);
                });
                ExitMessage exit = (ExitMessage) awaitExitMessage(me, child).payload();
                ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, exit.reason(),
                        "round " + i + ": the link was made too late (" + exit.reason() + ")");
                assertTrue(error.message().contains(why));
            }
        }
    }

    @Test
    @DisplayName("spawn_link is atomic: a child that dies at once kills a non-trapping parent")
    void spawnLinkKillsANonTrappingParent() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid parent = me.spawnMonitor(ctx -> {
                ctx.spawnLink(child -> child.exit(ExitReason.custom("child crashed")));
                ctx.receive(); // only a signal ends this
            });
            assertEquals(ExitReason.custom("child crashed"), awaitDeath(me, parent));
        }
    }

    @Test
    @DisplayName("spawn_monitor is atomic: a child that dies at once still reports DOWN with its reason")
    void spawnMonitorIsAtomicWithTheSpawn() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            for (int i = 0; i < 200; i++) {
                ExitReason why = ExitReason.custom("gone " + i);
                MonitoredPid child = me.spawnMonitor(ctx -> ctx.exit(why));
                assertEquals(why, awaitDeath(me, child), "round " + i + ": the monitor was made too late");
            }
        }
    }
}
