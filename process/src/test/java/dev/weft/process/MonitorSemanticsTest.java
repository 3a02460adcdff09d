package dev.weft.process;

import static dev.weft.process.Probe.QUIET;
import static dev.weft.process.Probe.assertResponsive;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitDown;
import static dev.weft.process.Probe.deadPid;
import static dev.weft.process.Probe.idle;
import static dev.weft.process.Probe.spawnReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.Probe.Ready;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Monitors: Erlang's monitor/2, demonitor/2 and DOWN messages. */
@Timeout(30)
class MonitorSemanticsTest {

    private static final ExitReason CRASH = ExitReason.custom("crash");

    private static MessageFilter downFor(MonitorRef ref) {
        return m -> m.payload() instanceof DownMessage down && down.ref().equals(ref);
    }

    @Test
    @DisplayName("a monitor is one-way: the monitored process is not affected by the watcher's death")
    void monitorsAreOneWay() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid target = me.spawnMonitor(idle());
            MonitoredPid watcher = spawnReady(me, ctx -> {
                ctx.monitor(target.pid());
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive(MessageFilter.tags(1));
                ctx.exit(CRASH);
            });
            me.send(watcher.pid(), 1, "die");
            assertEquals(CRASH, awaitDeath(me, watcher));
            assertResponsive(me, target.pid());
        }
    }

    @Test
    @DisplayName("a monitoring process does not die with the monitored one, whatever the reason")
    void watcherSurvivesTheTargetsCrash() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid target = me.spawnMonitor(idle());
            me.exit(target.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, awaitDeath(me, target));
            assertTrue(rt.isAlive(me.self()));
            assertNull(me.receive(m -> m.payload() instanceof ExitMessage, QUIET));
        }
    }

    @Test
    @DisplayName("DOWN carries the monitor's ref, the monitored pid and the exit reason")
    void downCarriesRefPidAndReason() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid target = rt.spawn(idle());
            MonitorRef ref = me.monitor(target);
            me.exit(target, CRASH);
            assertEquals(new DownMessage(ref, target, CRASH), awaitDown(me, ref));
        }
    }

    @Test
    @DisplayName("monitoring a dead pid reports DOWN with noproc at once")
    void monitoringADeadPidGivesNoprocAtOnce() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid dead = deadPid(me);
            MonitorRef ref = me.monitor(dead);
            Message message = me.receive(downFor(ref), Duration.ZERO); // already there: no waiting
            assertNotNull(message, "no DOWN right after monitor()");
            assertEquals(new DownMessage(ref, dead, ExitReason.NOPROC), message.payload());
        }
    }

    @Test
    @DisplayName("monitoring a pid that never existed reports DOWN with noproc at once")
    void monitoringAnUnknownPidGivesNoprocAtOnce() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid unknown = new Pid(rt.nodeId(), 1_000_000_000L);
            MonitorRef ref = me.monitor(unknown);
            Message message = me.receive(downFor(ref), Duration.ZERO);
            assertNotNull(message, "no DOWN right after monitor()");
            assertEquals(new DownMessage(ref, unknown, ExitReason.NOPROC), message.payload());
        }
    }

    @Test
    @DisplayName("two monitors on the same process give two DOWN messages with distinct refs")
    void twoMonitorsGiveTwoDowns() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid target = rt.spawn(idle());
            MonitorRef first = me.monitor(target);
            MonitorRef second = me.monitor(target);
            assertNotEquals(first, second);
            me.exit(target, CRASH);
            assertEquals(new DownMessage(first, target, CRASH), awaitDown(me, first));
            assertEquals(new DownMessage(second, target, CRASH), awaitDown(me, second));
            assertNull(me.receive(m -> m.payload() instanceof DownMessage, QUIET), "a third DOWN");
        }
    }

    @Test
    @DisplayName("demonitor stops a future DOWN")
    void demonitorStopsAFutureDown() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid target = rt.spawn(idle());
            MonitorRef removed = me.monitor(target);
            MonitorRef kept = me.monitor(target);
            assertTrue(me.demonitor(removed, false), "the monitor was active");
            assertFalse(me.demonitor(removed, false), "a second demonitor found it active");
            me.exit(target, CRASH);
            awaitDown(me, kept); // the death is complete
            assertNull(me.receive(downFor(removed), QUIET), "DOWN for a removed monitor");
        }
    }

    @Test
    @DisplayName("demonitor with flush removes a DOWN already in the mailbox")
    void demonitorFlushRemovesAQueuedDown() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid target = rt.spawn(idle());
            MonitorRef flushed = me.monitor(target);
            MonitorRef kept = me.monitor(target);
            // exit/2 from this thread finishes the death before it returns, so both DOWNs are queued.
            me.exit(target, CRASH);
            awaitDown(me, kept);
            me.send(me.self(), "after the DOWN");
            me.demonitor(flushed, true);
            assertNull(me.receive(downFor(flushed), QUIET), "flush left the DOWN in the mailbox");
            Message other = me.receive(QUIET);
            assertNotNull(other, "flush removed another message");
            assertEquals("after the DOWN", other.payload());
        }
    }

    @Test
    @DisplayName("demonitor with flush removes a noproc DOWN too")
    void demonitorFlushRemovesANoprocDown() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitorRef ref = me.monitor(deadPid(me));
            me.demonitor(ref, true);
            assertNull(me.receive(downFor(ref), QUIET));
        }
    }

    @Test
    @DisplayName("demonitor without flush leaves a DOWN already in the mailbox")
    void demonitorWithoutFlushLeavesAQueuedDown() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid target = rt.spawn(idle());
            MonitorRef left = me.monitor(target);
            MonitorRef kept = me.monitor(target);
            me.exit(target, CRASH);
            awaitDown(me, kept);
            assertFalse(me.demonitor(left, false), "the monitor had already fired");
            assertEquals(new DownMessage(left, target, CRASH), awaitDown(me, left));
        }
    }
}
