package dev.weft.process;

import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.deadPid;
import static dev.weft.process.Probe.eventually;
import static dev.weft.process.Probe.idle;
import static dev.weft.process.Probe.spawnReady;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.process.Probe.Ready;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The name registry: Erlang's register/2, whereis/1, unregister/1. */
@Timeout(30)
class RegistrySemanticsTest {

    @Test
    @DisplayName("register makes a name known to whereis, unregister removes it")
    void registerWhereisUnregister() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid pid = rt.spawn(idle());
            assertNull(rt.whereis("service"));
            rt.register("service", pid);
            assertEquals(pid, rt.whereis("service"));
            assertEquals(pid, me.whereis("service"));
            assertTrue(rt.unregister("service"));
            assertNull(rt.whereis("service"));
            assertTrue(rt.isAlive(pid), "unregister touched the process");
        }
    }

    @Test
    @DisplayName("a process registers itself from its context and is found by name")
    void aProcessRegistersItself() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid server = spawnReady(me, ctx -> {
                ctx.register("server");
                ctx.send(host, new Ready(ctx.self()));
                ctx.receive();
            });
            assertEquals(server.pid(), me.whereis("server"));
            me.send(me.whereis("server"), "hi");
            assertEquals(ExitReason.NORMAL, awaitDeath(me, server));
        }
    }

    @Test
    @DisplayName("a name is freed when its process dies")
    void nameIsFreedOnDeath() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid holder = me.spawnMonitor(idle());
            rt.register("doomed", holder.pid());
            me.exit(holder.pid(), ExitReason.custom("crash"));
            awaitDeath(me, holder);
            eventually(() -> rt.whereis("doomed") == null, "the name of a dead process is freed");
            Pid next = rt.spawn(idle());
            rt.register("doomed", next); // free to take again
            assertEquals(next, rt.whereis("doomed"));
        }
    }

    @Test
    @DisplayName("a name is freed when its process exits normally")
    void nameIsFreedOnNormalExit() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid holder = me.spawnMonitor(ctx -> ctx.register("short-lived"));
            assertEquals(ExitReason.NORMAL, awaitDeath(me, holder));
            eventually(() -> rt.whereis("short-lived") == null, "the name of a finished process is freed");
        }
    }

    @Test
    @DisplayName("registering a taken name throws NameTakenException naming the holder")
    void registeringATakenNameThrows() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid first = rt.spawn(idle());
            Pid second = rt.spawn(idle());
            rt.register("taken", first);
            NameTakenException e = assertThrows(NameTakenException.class, () -> rt.register("taken", second));
            assertEquals("taken", e.name());
            assertEquals(first, e.holder());
            assertTrue(e.getMessage().contains("taken") && e.getMessage().contains(first.toString()), e.getMessage());
            assertEquals(first, rt.whereis("taken"), "the failed register changed the holder");

            NameTakenException fromContext = assertThrows(NameTakenException.class, () -> me.register("taken"));
            assertEquals(first, fromContext.holder());
            assertTrue(rt.isAlive(me.self()), "a failed register killed the caller");
        }
    }

    @Test
    @DisplayName("registering a dead pid throws IllegalArgumentException")
    void registeringADeadPidThrows() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid dead = deadPid(me);
            assertThrows(IllegalArgumentException.class, () -> rt.register("ghost", dead));
            assertThrows(IllegalArgumentException.class,
                    () -> rt.register("ghost", new Pid(rt.nodeId(), 1_000_000_000L)));
            assertNull(rt.whereis("ghost"));
        }
    }

    @Test
    @DisplayName("registering an empty name throws IllegalArgumentException")
    void registeringAnEmptyNameThrows() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            assertThrows(IllegalArgumentException.class, () -> rt.register("", me.self()));
        }
    }

    @Test
    @DisplayName("unregister of an unknown name returns false")
    void unregisterOfAnUnknownNameReturnsFalse() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            assertFalse(rt.unregister("nobody"));
            assertFalse(me.unregister("nobody"));
        }
    }

    @Test
    @DisplayName("a process that unregistered a name does not free it again when it dies")
    void deathDoesNotFreeANameSomeoneElseTookOver() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid old = me.spawnMonitor(idle());
            rt.register("seat", old.pid());
            assertTrue(rt.unregister("seat"));
            Pid successor = rt.spawn(idle());
            rt.register("seat", successor);
            me.exit(old.pid(), ExitReason.custom("crash"));
            awaitDeath(me, old);
            assertEquals(successor, rt.whereis("seat"));
        }
    }

    @Test
    @DisplayName("whereis of a name that was never registered is null")
    void whereisOfAnUnknownNameIsNull() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            assertNull(me.whereis("never"));
            assertNull(rt.whereis("never"));
        }
    }
}
