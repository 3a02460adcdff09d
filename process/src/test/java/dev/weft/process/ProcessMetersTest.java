package dev.weft.process;

import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.awaitDeath;
import static dev.weft.process.Probe.deadPid;
import static dev.weft.process.Probe.idle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.weft.mailbox.Message;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The process layer's Micrometer meters. */
@Timeout(30)
class ProcessMetersTest {

    private static double alive(MeterRegistry registry) {
        Gauge gauge = registry.find("weft.processes.alive").gauge();
        assertNotNull(gauge, "no weft.processes.alive gauge");
        return gauge.value();
    }

    private static double functionCount(MeterRegistry registry, String name) {
        FunctionCounter counter = registry.find(name).functionCounter();
        assertNotNull(counter, "no " + name + " counter");
        return counter.count();
    }

    private static double exits(MeterRegistry registry, String reason) {
        Counter counter = registry.find("weft.processes.exits").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    @DisplayName("weft.processes.alive counts live processes, attached ones included")
    void aliveGaugeCountsLiveProcesses() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry); AttachedProcess me = rt.attach()) {
            assertEquals(1, alive(registry));
            List<MonitoredPid> children = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                children.add(me.spawnMonitor(idle()));
            }
            assertEquals(6, alive(registry));
            for (MonitoredPid child : children) {
                me.exit(child.pid(), ExitReason.KILL);
                awaitDeath(me, child);
            }
            assertEquals(1, alive(registry));
        }
        assertEquals(0, alive(registry));
    }

    @Test
    @DisplayName("weft.processes.alive keeps reporting after a garbage collection")
    void aliveGaugeSurvivesGarbageCollection() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry); AttachedProcess me = rt.attach()) {
            rt.spawn(idle());
            for (int i = 0; i < 3; i++) {
                System.gc(); // a gauge that only weakly holds its value function reads NaN after this
            }
            assertEquals(2, alive(registry));
        }
    }

    @Test
    @DisplayName("weft.processes.spawns counts every spawn")
    void spawnsCounter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry); AttachedProcess me = rt.attach()) {
            double before = functionCount(registry, "weft.processes.spawns");
            rt.spawn(ctx -> {});
            awaitDeath(me, me.spawnMonitor(ctx -> {}));
            me.spawnLink(ctx -> {});
            me.spawn(ctx -> {});
            assertEquals(before + 4, functionCount(registry, "weft.processes.spawns"));
        }
    }

    @Test
    @DisplayName("weft.processes.exits counts exits tagged by reason kind")
    void exitsCounterByReason() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry); AttachedProcess me = rt.attach()) {
            Pid dead = deadPid(me); // one normal exit
            awaitDeath(me, me.spawnMonitor(ctx -> {}));
            awaitDeath(me, me.spawnMonitor(ctx -> {
                throw new IllegalStateException("boom");
            }));
            MonitoredPid victim = me.spawnMonitor(idle());
            me.exit(victim.pid(), ExitReason.KILL);
            awaitDeath(me, victim);
            awaitDeath(me, me.spawnMonitor(ctx -> ctx.exit(ExitReason.KILL)));
            awaitDeath(me, me.spawnMonitor(ctx -> ctx.link(dead)));
            awaitDeath(me, me.spawnMonitor(ctx -> ctx.exit(ExitReason.SHUTDOWN)));
            awaitDeath(me, me.spawnMonitor(ctx -> ctx.exit(ExitReason.custom("mine"))));
            awaitDeath(me, me.spawnMonitor(ctx -> ctx.exit(ExitReason.custom("yours"))));

            assertEquals(2, exits(registry, "normal"));
            assertEquals(1, exits(registry, "error"));
            assertEquals(1, exits(registry, "killed"));
            assertEquals(1, exits(registry, "kill"));
            assertEquals(1, exits(registry, "noproc"));
            assertEquals(1, exits(registry, "shutdown"));
            assertEquals(2, exits(registry, "custom"));
        }
    }

    @Test
    @DisplayName("weft.processes.exits has a counter for every kind of exit before the first exit")
    void exitCountersAreRegisteredUpFront() {
        // registering one cold costs milliseconds, on the path from a failure to its exit signals
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry)) {
            List<ExitReason> reasons = List.of(new ExitReason.Normal(), new ExitReason.Kill(), new ExitReason.Killed(),
                    new ExitReason.Noproc(), new ExitReason.Noconnection(), ExitReason.shutdown("t"),
                    ExitReason.error("e"), ExitReason.custom("c"), ExitReason.exitCode(3),
                    new ExitReason.OutOfFuel(1), new ExitReason.LimitExceeded(ExitReason.Limit.STACK_BYTES, 1, "m"),
                    new ExitReason.CannotInstantiate(false, "m"));
            assertEquals(ExitReason.class.getPermittedSubclasses().length, reasons.size(), "one reason of each kind");
            for (ExitReason r : reasons) {
                Counter c = registry.find("weft.processes.exits").tag("reason", r.kind()).counter();
                assertNotNull(c, "no counter for " + r.kind());
                assertEquals(0, c.count());
            }
        }
    }

    @Test
    @DisplayName("weft.messages.sent and weft.messages.received count messages")
    void messageCounters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime rt = new ProcessRuntime(1, registry); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid echo = me.spawnMonitor(ctx -> {
                for (int i = 0; i < 10; i++) {
                    Message m = ctx.receive();
                    ctx.send(host, m.payload());
                }
            });
            double sentBefore = functionCount(registry, "weft.messages.sent");
            double receivedBefore = functionCount(registry, "weft.messages.received");
            for (int i = 0; i < 10; i++) {
                me.send(echo.pid(), i);
                assertEquals(i, me.receive(m -> m.payload() instanceof Integer, WAIT).payload());
            }
            assertEquals(sentBefore + 20, functionCount(registry, "weft.messages.sent"));
            assertEquals(receivedBefore + 20, functionCount(registry, "weft.messages.received"));

            rt.send(host, "from the host");
            assertEquals(sentBefore + 21, functionCount(registry, "weft.messages.sent"));
            me.receive(m -> "from the host".equals(m.payload()), WAIT);
            assertEquals(receivedBefore + 21, functionCount(registry, "weft.messages.received"));
        }
    }
}
