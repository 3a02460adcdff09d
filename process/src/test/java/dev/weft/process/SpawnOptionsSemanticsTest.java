package dev.weft.process;

import static dev.weft.process.Probe.QUIET;
import static dev.weft.process.Probe.WAIT;
import static dev.weft.process.Probe.awaitDeath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ProcessContext#spawn(ProcessBody, SpawnOptions)} and {@link ProcessRuntime#start}: every
 * option takes effect before the child runs, and a spawn that awaits the init learns whether the
 * child started (OTP's {@code proc_lib:start_link}, {@code init_ack}, {@code init_fail}).
 */
@Timeout(30)
class SpawnOptionsSemanticsTest {

    record Saw(String what, Object value) {}

    @Test
    @DisplayName("a linked child that fails at once takes a spawner that does not trap exits with it")
    void linkIsInPlaceBeforeTheChildRuns() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            MonitoredPid spawner = me.spawnMonitor(ctx -> {
                ctx.spawn(c -> {
                    throw c.exit(ExitReason.custom("at once"));
                }, SpawnOptions.defaults().link());
                ctx.receive(); // killed by the link, never returns
            });
            assertEquals(ExitReason.custom("at once"), awaitDeath(me, spawner));
        }
    }

    @Test
    @DisplayName("a linked spawn's tag is on the exit message a trapping spawner gets")
    void linkTagTagsTheExitMessage() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid child = me.spawn(c -> {
                throw c.exit(ExitReason.custom("tagged"));
            }, SpawnOptions.defaults().link(42)).pid();
            Message exit = me.receive(m -> m.payload() instanceof ExitMessage, WAIT);
            assertNotNull(exit);
            assertEquals(42L, exit.tag());
            assertEquals(new ExitMessage(child, ExitReason.custom("tagged")), exit.payload());
        }
    }

    @Test
    @DisplayName("a monitored child that ends at once is reported with its real reason, not noproc")
    void monitorIsInPlaceBeforeTheChildRuns() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Spawned spawned = me.spawn(c -> {
                throw c.exit(ExitReason.custom("quick"));
            }, SpawnOptions.defaults().monitor());
            assertNotNull(spawned.monitor());
            assertEquals(ExitReason.custom("quick"), awaitDeath(me, new MonitoredPid(spawned.pid(), spawned.monitor())));
        }
    }

    @Test
    @DisplayName("a registered child holds its name before it runs; a taken name spawns nothing and names the holder")
    void registerIsGetOrSpawn() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            Pid first = me.spawn(c -> {
                c.send(host, new Saw("whereis", c.whereis("server")));
                c.receive();
            }, SpawnOptions.defaults().register("server")).pid();
            Message saw = me.receive(m -> m.payload() instanceof Saw, WAIT);
            assertEquals(new Saw("whereis", first), saw.payload());
            assertEquals(first, rt.whereis("server"));

            int processes = rt.processCount();
            AtomicInteger ran = new AtomicInteger();
            NameTakenException taken = assertThrows(NameTakenException.class,
                    () -> me.spawn(c -> ran.incrementAndGet(), SpawnOptions.defaults().register("server")));
            assertEquals(first, taken.holder());
            assertEquals("server", taken.name());
            assertEquals(processes, rt.processCount(), "nothing was spawned");
            assertNull(me.receive(Duration.ofMillis(50)));
            assertEquals(0, ran.get());
        }
    }

    @Test
    @DisplayName("get-or-spawn from many processes at once: one process gets the name, every other spawner learns it")
    void concurrentRegisteringSpawnsOneProcess() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            int spawners = 50;
            AtomicInteger bodies = new AtomicInteger();
            Set<Pid> answers = ConcurrentHashMap.newKeySet();
            CountDownLatch done = new CountDownLatch(spawners);
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < spawners; i++) {
                rt.spawn(ctx -> {
                    go.await();
                    try {
                        answers.add(ctx.spawn(c -> {
                            bodies.incrementAndGet();
                            c.receive();
                        }, SpawnOptions.defaults().register("the-one")).pid());
                    } catch (NameTakenException taken) {
                        answers.add(taken.holder());
                    }
                    done.countDown();
                });
            }
            go.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(Set.of(rt.whereis("the-one")), answers);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (bodies.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1, bodies.get());
        }
    }

    @Test
    @DisplayName("awaitInit: the spawn returns once the child acknowledged, after what it sent before")
    void awaitInitReturnsAfterTheAck() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            CountDownLatch mayServe = new CountDownLatch(1);
            Spawned spawned = me.spawn(c -> {
                c.send(host, "initialized");
                c.initAck();
                c.initAck(); // harmless
                mayServe.await();
                c.send(host, "serving");
            }, SpawnOptions.defaults().link().awaitInit());
            // the ack came after "initialized": it is in the mailbox already
            assertEquals("initialized", me.receive(Duration.ZERO).payload());
            mayServe.countDown();
            assertEquals("serving", me.receive(WAIT).payload());
            assertTrue(spawned.pid().serial() > 0);
        }
    }

    @Test
    @DisplayName("awaitInit: initFail fails the spawn with its reason, unlinked, and leaves no exit message or DOWN")
    void initFailFailsTheSpawnWithoutATrace() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            InitFailedException failed = assertThrows(InitFailedException.class, () -> me.spawn(
                    c -> {
                        throw c.initFail(ExitReason.custom("no config"));
                    }, SpawnOptions.defaults().link().monitor().awaitInit()));
            assertEquals(ExitReason.custom("no config"), failed.reason());
            assertFalse(rt.isAlive(failed.child()));
            assertNull(me.receive(QUIET), "a failed start leaves nothing in the spawner's mailbox");
            assertTrue(me.isAlive(me.self()));
        }
    }

    @Test
    @DisplayName("awaitInit: a child that exits before its ack fails the spawn with its exit reason")
    void exitBeforeTheAckFailsTheSpawn() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            InitFailedException failed = assertThrows(InitFailedException.class,
                    () -> me.spawn(c -> c.exit(ExitReason.custom("gave up")), SpawnOptions.defaults().link().awaitInit()));
            assertEquals(ExitReason.custom("gave up"), failed.reason());
            assertNull(me.receive(QUIET), "the link's exit message was taken with the failed start");
            // a body that returns without acking has not started either: reason normal
            InitFailedException returned = assertThrows(InitFailedException.class,
                    () -> me.spawn(c -> {}, SpawnOptions.defaults().awaitInit()));
            assertEquals(ExitReason.NORMAL, returned.reason());
        }
    }

    @Test
    @DisplayName("awaitInit: a spawner killed while it waits dies; its linked child gets the exit signal")
    void aSpawnerKilledWhileWaitingDies() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            MonitoredPid spawner = me.spawnMonitor(ctx -> ctx.spawn(c -> {
                c.send(host, new Saw("child", c.self()));
                c.receive(); // never acks
            }, SpawnOptions.defaults().link().awaitInit()));
            Pid child = (Pid) ((Saw) me.receive(m -> m.payload() instanceof Saw, WAIT).payload()).value();
            MonitoredPid watchedChild = new MonitoredPid(child, me.monitor(child));
            me.exit(spawner.pid(), ExitReason.custom("stop waiting"));
            assertEquals(ExitReason.custom("stop waiting"), awaitDeath(me, spawner));
            assertEquals(ExitReason.custom("stop waiting"), awaitDeath(me, watchedChild));
        }
    }

    @Test
    @DisplayName("initFail without a waiting spawner is exit: a linked spawner gets the exit signal")
    void initFailWithoutAWaiterIsExit() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            me.trapExit(true);
            Pid child = me.spawn(c -> {
                throw c.initFail(ExitReason.custom("plain"));
            }, SpawnOptions.defaults().link()).pid();
            Message exit = me.receive(m -> m.payload() instanceof ExitMessage, WAIT);
            assertEquals(new ExitMessage(child, ExitReason.custom("plain")), exit.payload());
        }
    }

    @Test
    @DisplayName("parent() is the spawner; for processes the host started it is the node")
    void parentIsTheSpawner() {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid host = me.self();
            me.spawn(c -> c.send(host, new Saw("parent", c.parent())));
            assertEquals(new Saw("parent", host), me.receive(WAIT).payload());
            rt.spawn(c -> c.send(host, new Saw("parent", c.parent())));
            assertEquals(new Saw("parent", new Pid(rt.nodeId(), 0)), me.receive(WAIT).payload());
            assertEquals(new Pid(rt.nodeId(), 0), me.parent());
        }
    }

    @Test
    @DisplayName("host start: watched from before it runs, registered, waited for; a failed init throws")
    void hostStart() throws Exception {
        try (ProcessRuntime rt = new ProcessRuntime()) {
            StartedProcess quick = rt.start(c -> c.exit(ExitReason.custom("done")), SpawnOptions.defaults());
            assertEquals(ExitReason.custom("done"), quick.awaitExit(WAIT));

            AtomicInteger initialized = new AtomicInteger();
            StartedProcess server = rt.start(c -> {
                c.sleep(Duration.ofMillis(20));
                initialized.set(1);
                c.initAck();
                c.receive();
            }, SpawnOptions.defaults().register("host-started").awaitInit());
            assertEquals(1, initialized.get(), "start returned before the ack");
            assertEquals(server.pid(), rt.whereis("host-started"));
            rt.exit(server.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, server.awaitExit(WAIT));

            InitFailedException failed = assertThrows(InitFailedException.class,
                    () -> rt.start(c -> {
                        throw c.initFail(ExitReason.shutdown("refused"));
                    }, SpawnOptions.defaults().awaitInit()));
            assertEquals(ExitReason.shutdown("refused"), failed.reason());

            assertThrows(IllegalArgumentException.class, () -> rt.start(c -> {}, SpawnOptions.defaults().link()));
            assertThrows(IllegalArgumentException.class, () -> rt.start(c -> {}, SpawnOptions.defaults().monitor()));
        }
    }

    @Test
    @DisplayName("many spawns that await their init, linked and monitored, in parallel: every one answered once")
    void manyAwaitedSpawns() throws InterruptedException {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            int spawners = 20;
            int each = 200;
            AtomicInteger started = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            List<MonitoredPid> all = new ArrayList<>();
            for (int s = 0; s < spawners; s++) {
                all.add(me.spawnMonitor(ctx -> {
                    ctx.trapExit(true);
                    for (int i = 0; i < each; i++) {
                        boolean fail = i % 3 == 0;
                        try {
                            ctx.spawn(c -> {
                                if (fail) {
                                    throw c.initFail(ExitReason.custom("no"));
                                }
                                c.initAck();
                            }, SpawnOptions.defaults().link().monitor().awaitInit());
                            started.incrementAndGet();
                        } catch (InitFailedException e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (MonitoredPid spawner : all) {
                assertEquals(ExitReason.NORMAL, awaitDeath(me, spawner));
            }
            int failures = spawners * ((each + 2) / 3);
            assertEquals(failures, failed.get());
            assertEquals(spawners * each - failures, started.get());
        }
    }

    @Test
    @DisplayName("options are data: equal when they say the same, and readable")
    void optionsAreData() {
        SpawnOptions a = SpawnOptions.defaults().link(7).monitor().register("x").awaitInit();
        SpawnOptions b = SpawnOptions.defaults().awaitInit().register("x").monitor().link(7);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("SpawnOptions[link(tag 7) monitor register(x) awaitInit]", a.toString());
        assertEquals("SpawnOptions[]", SpawnOptions.defaults().toString());
        assertInstanceOf(IllegalArgumentException.class,
                assertThrows(IllegalArgumentException.class, () -> SpawnOptions.defaults().register("")));
    }
}
