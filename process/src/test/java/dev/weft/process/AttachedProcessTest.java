package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.awaitDown;
import static dev.weft.process.Probe.idle;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** Host threads as processes: runtime.attach(). */
@Timeout(30)
class AttachedProcessTest {

    @Test
    @DisplayName("an attached process is a process: it has a pid, sends, receives and can be found alive")
    void attachedProcessIsAProcess() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            assertTrue(rt.isAlive(me.self()));
            assertEquals(rt.nodeId(), me.self().node());
            Pid echo = rt.spawn(ctx -> {
                Message m = ctx.receive();
                ctx.send((Pid) m.payload(), "echo");
            });
            me.send(echo, me.self());
            assertEquals("echo", me.receive(WAIT).payload());
        }
    }

    @Test
    @DisplayName("closing an attached process ends it with reason normal")
    void closeExitsNormally() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            AttachedProcess other = rt.attach();
            MonitorRef ref = me.monitor(other.self());
            other.close();
            assertEquals(ExitReason.NORMAL, awaitDown(me, ref).reason());
            assertFalse(rt.isAlive(other.self()) , "closed but alive");
            assertDoesNotThrow(other::close, "a second close");
        }
    }

    @Test
    @DisplayName("after a process is dead, every ProcessContext call but self() throws ExitException with its reason")
    void everyCallOfADeadProcessThrows() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid other = rt.spawn(idle());
            AttachedProcess victim = rt.attach();
            MonitorRef ref = victim.monitor(other);
            Pid victimPid = victim.self();
            rt.exit(victimPid, ExitReason.KILL);
            int processes = rt.processCount();

            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("send", () -> victim.send(other, "x"));
            calls.put("send tagged", () -> victim.send(other, 1, "x"));
            calls.put("receive", () -> victim.receive());
            calls.put("receive timeout", () -> victim.receive(Duration.ofMillis(1)));
            calls.put("receive filter", () -> victim.receive(MessageFilter.any()));
            calls.put("receive filter timeout", () -> victim.receive(MessageFilter.any(), Duration.ofMillis(1)));
            calls.put("sendAfter", () -> victim.sendAfter(Duration.ofMillis(1), other, 0, "x"));
            calls.put("sleep", () -> victim.sleep(Duration.ofMillis(1)));
            calls.put("spawn", () -> victim.spawn(ctx -> {}));
            calls.put("spawnLink", () -> victim.spawnLink(ctx -> {}));
            calls.put("spawnMonitor", () -> victim.spawnMonitor(ctx -> {}));
            calls.put("isAlive", () -> victim.isAlive(other));
            calls.put("link", () -> victim.link(other));
            calls.put("link tagged", () -> victim.link(other, 3));
            calls.put("unlink", () -> victim.unlink(other));
            calls.put("monitor", () -> victim.monitor(other));
            calls.put("demonitor", () -> victim.demonitor(ref, true));
            calls.put("trapExit", () -> victim.trapExit(true));
            calls.put("exit", () -> victim.exit(ExitReason.NORMAL));
            calls.put("exit pid", () -> victim.exit(other, ExitReason.KILL));
            calls.put("register", () -> victim.register("zombie"));
            calls.put("unregister", () -> victim.unregister("zombie"));
            calls.put("whereis", () -> victim.whereis("zombie"));

            StringBuilder failures = new StringBuilder();
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                try {
                    call.getValue().execute();
                    failures.append(call.getKey()).append(": returned normally\n");
                } catch (ExitException e) {
                    if (!ExitReason.KILLED.equals(e.reason())) {
                        failures.append(call.getKey()).append(": reason ").append(e.reason()).append('\n');
                    }
                } catch (Throwable t) {
                    failures.append(call.getKey()).append(": threw ").append(t).append('\n');
                }
            }
            if (!failures.isEmpty()) {
                fail("calls on a dead process:\n" + failures);
            }
            assertEquals(processes, rt.processCount(), "a dead process spawned");
            assertTrue(rt.isAlive(other), "a dead process signalled another");
            assertEquals(null, rt.whereis("zombie"));
            assertDoesNotThrow(victim::close, "close after death");
            assertEquals(victimPid, victim.self(), "self() is identity and still answers");
        }
    }

    /** Runs {@code blocking} in a new attached process on a platform thread; returns the thread and its pid. */
    private static Thread startAttached(ProcessRuntime rt, Consumer<AttachedProcess> blocking,
                                        AtomicReference<Pid> pid, AtomicReference<Throwable> outcome) {
        Thread thread = Thread.ofPlatform().name("attached-test").start(() -> {
            try (AttachedProcess p = rt.attach()) {
                pid.set(p.self());
                blocking.accept(p);
                outcome.set(new AssertionError("the blocking call returned"));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        return thread;
    }

    private static void assertWakesWithExitException(Consumer<AttachedProcess> blocking) throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            AtomicReference<Pid> pid = new AtomicReference<>();
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread thread = startAttached(rt, blocking, pid, outcome);
            long deadline = System.nanoTime() + WAIT.toNanos();
            // Wait until the thread is parked in the call (a platform thread shows WAITING/TIMED_WAITING).
            while (pid.get() == null || thread.getState() == Thread.State.RUNNABLE
                    || thread.getState() == Thread.State.NEW) {
                assertTrue(System.nanoTime() < deadline, "the attached thread never blocked");
                Thread.sleep(1);
            }
            MonitorRef ref = me.monitor(pid.get());
            rt.exit(pid.get(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, awaitDown(me, ref).reason());
            thread.join(WAIT);
            assertFalse(thread.isAlive(), "the blocked thread did not wake");
            assertNotNull(outcome.get());
            if (!(outcome.get() instanceof ExitException exit)) {
                throw new AssertionError("expected ExitException, got " + outcome.get(), outcome.get());
            }
            assertEquals(ExitReason.KILLED, exit.reason());
        }
    }

    @Test
    @DisplayName("an attached process blocked in receive wakes with ExitException when killed")
    void blockedReceiveWakesWhenKilled() throws InterruptedException {
        assertWakesWithExitException(AttachedProcess::receive);
    }

    @Test
    @DisplayName("an attached process blocked in a timed selective receive wakes with ExitException when killed")
    void blockedTimedReceiveWakesWhenKilled() throws InterruptedException {
        assertWakesWithExitException(p -> p.receive(MessageFilter.tags(1), Duration.ofMinutes(5)));
    }

    @Test
    @DisplayName("an attached process blocked in sleep wakes with ExitException when killed")
    void blockedSleepWakesWhenKilled() throws InterruptedException {
        assertWakesWithExitException(p -> p.sleep(Duration.ofMinutes(5)));
    }

    @Test
    @DisplayName("killing an attached process does not interrupt its host thread")
    void killDoesNotInterruptTheHostThread() {
        try (ProcessRuntime rt = new ProcessRuntime()) {
            AttachedProcess p = rt.attach();
            rt.exit(p.self(), ExitReason.custom("go away"));
            assertFalse(Thread.currentThread().isInterrupted());
            ExitException e = assertThrows(ExitException.class, p::receive);
            assertEquals(ExitReason.custom("go away"), e.reason());
            assertFalse(Thread.interrupted());
        }
    }

    @Test
    @DisplayName("an attached process linked to a crashing process dies with its reason")
    void attachedProcessDiesThroughALink() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            AttachedProcess linked = rt.attach();
            MonitorRef ref = me.monitor(linked.self());
            MonitoredPid crasher = me.spawnMonitor(ctx -> {
                ctx.receive(MessageFilter.tags(1));
                ctx.exit(ExitReason.custom("crash"));
            });
            linked.link(crasher.pid());
            me.send(crasher.pid(), 1, "go");
            assertEquals(ExitReason.custom("crash"), awaitDeath(me, crasher));
            assertEquals(ExitReason.custom("crash"), awaitDown(me, ref).reason());
            ExitException e = assertThrows(ExitException.class, () -> linked.receive(WAIT));
            assertEquals(ExitReason.custom("crash"), e.reason());
        }
    }
}
