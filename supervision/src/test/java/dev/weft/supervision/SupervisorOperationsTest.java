package dev.weft.supervision;

import static dev.weft.supervision.Probe.child;
import static dev.weft.supervision.Probe.down;
import static dev.weft.supervision.Probe.expect;
import static dev.weft.supervision.Probe.expectNoEvent;
import static dev.weft.supervision.Probe.pidOf;
import static dev.weft.supervision.Probe.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** The operations on a running supervisor, with OTP's results and errors. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SupervisorOperationsTest {

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
        me.trapExit(true);
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    private Pid t() {
        return me.self();
    }

    private static SupervisorError failing(Executable operation) {
        return assertThrows(SupervisorException.class, operation).error();
    }

    private Pid oneForOne(ChildSpec... children) {
        return Supervisor.start(me, SupervisorSpec.builder().intensity(10).children(List.of(children)).build());
    }

    @Test
    void startChildAddsAndStartsAChild() {
        Pid sup = oneForOne(child(t(), "a"));
        expect(me, "started a");
        Pid b = Supervisor.startChild(me, sup, child(t(), "b"));
        assertEquals(b, expect(me, "started b").get(0).pid());
        assertEquals(List.of("a", "b"), Supervisor.whichChildren(me, sup).stream().map(ChildInfo::id).toList());
        me.send(b, "crash"); // supervised like the others
        expect(me, "started b");
    }

    @Test
    void startChildWithTheIdOfARunningChildIsAlreadyStarted() {
        Pid sup = oneForOne(child(t(), "a"));
        Pid a = expect(me, "started a").get(0).pid();
        assertEquals(new SupervisorError.AlreadyStarted(a), failing(() -> Supervisor.startChild(me, sup, child(t(), "a"))));
    }

    @Test
    void startChildWithTheIdOfAStoppedChildIsAlreadyPresent() {
        Pid sup = oneForOne(child(t(), "a"));
        expect(me, "started a");
        Supervisor.terminateChild(me, sup, "a");
        expect(me, "stopping a");
        assertEquals(new SupervisorError.AlreadyPresent(), failing(() -> Supervisor.startChild(me, sup, child(t(), "a"))));
    }

    @Test
    void startChildThatFailsToStartIsNotAdded() {
        Pid sup = oneForOne();
        ChildSpec broken = ChildSpec.builder("broken").factory(args -> {
            throw new IllegalStateException("nope");
        }).build();
        SupervisorError error = failing(() -> Supervisor.startChild(me, sup, broken));
        SupervisorError.StartFailed failed = assertInstanceOf(SupervisorError.StartFailed.class, error);
        assertTrue(failed.reason().toString().contains("nope"), failed.toString());
        ChildSpec badInit = ChildSpec.worker("bad-init", InitializingBody.of(ctx -> {
            throw ctx.exit(ExitReason.custom("init refused"));
        }, ctx -> {}));
        assertEquals(new SupervisorError.StartFailed(ExitReason.custom("init refused")),
                failing(() -> Supervisor.startChild(me, sup, badInit)));
        assertEquals(List.of(), Supervisor.whichChildren(me, sup));
        assertTrue(me.isAlive(sup));
    }

    @Test
    void terminateChildStopsItAndKeepsItsSpec() {
        Pid sup = oneForOne(child(t(), "a"), child(t(), "b"));
        expect(me, "started a", "started b");
        Pid a = pidOf(me, sup, "a");
        MonitorRef ref = me.monitor(a);
        Supervisor.terminateChild(me, sup, "a");
        expect(me, "stopping a");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
        assertEquals(new ChildInfo("a", null, ChildStatus.STOPPED, ChildType.WORKER),
                Supervisor.whichChildren(me, sup).get(0));
        expectNoEvent(me); // not restarted
        Supervisor.terminateChild(me, sup, "a"); // terminating a stopped child is fine
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.terminateChild(me, sup, "zzz")));
    }

    @Test
    void terminateChildOfATemporaryChildRemovesItsSpec() {
        Pid sup = oneForOne(child(t(), "tmp", Restart.TEMPORARY));
        expect(me, "started tmp");
        Supervisor.terminateChild(me, sup, "tmp");
        expect(me, "stopping tmp");
        assertEquals(List.of(), Supervisor.whichChildren(me, sup));
    }

    @Test
    void restartChildStartsAStoppedChildAndRefusesARunningOne() {
        Pid sup = oneForOne(child(t(), "a"));
        Pid a = expect(me, "started a").get(0).pid();
        assertEquals(new SupervisorError.Running(), failing(() -> Supervisor.restartChild(me, sup, "a")));
        Supervisor.terminateChild(me, sup, "a");
        expect(me, "stopping a");
        Pid again = Supervisor.restartChild(me, sup, "a");
        assertEquals(again, expect(me, "started a").get(0).pid());
        assertNotEquals(a, again);
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.restartChild(me, sup, "zzz")));
    }

    @Test
    void deleteChildRemovesAStoppedChildsSpecOnly() {
        Pid sup = oneForOne(child(t(), "a"), child(t(), "b"));
        expect(me, "started a", "started b");
        assertEquals(new SupervisorError.Running(), failing(() -> Supervisor.deleteChild(me, sup, "a")));
        Supervisor.terminateChild(me, sup, "a");
        expect(me, "stopping a");
        Supervisor.deleteChild(me, sup, "a");
        assertEquals(List.of("b"), Supervisor.whichChildren(me, sup).stream().map(ChildInfo::id).toList());
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.deleteChild(me, sup, "a")));
        Supervisor.startChild(me, sup, child(t(), "a")); // the id is free again
        expect(me, "started a");
    }

    @Test
    void aChildWhoseRestartFailsIsRestartingAndRetriedUntilItStarts() {
        AtomicBoolean broken = new AtomicBoolean(false);
        ChildSpec flaky = ChildSpec.builder("flaky").factory(args -> {
            if (broken.get()) {
                throw new IllegalStateException("still broken");
            }
            return worker(t(), "flaky");
        }).build();
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().intensity(1_000_000).child(flaky).build());
        Pid first = expect(me, "started flaky").get(0).pid();
        broken.set(true);
        me.send(first, "crash");
        // the supervisor keeps retrying; operations in between see the child restarting
        SupervisorError restart = null;
        for (int i = 0; i < 1000 && !(restart instanceof SupervisorError.Restarting); i++) {
            restart = failing(() -> Supervisor.restartChild(me, sup, "flaky"));
        }
        assertEquals(new SupervisorError.Restarting(), restart);
        assertEquals(new SupervisorError.Restarting(), failing(() -> Supervisor.deleteChild(me, sup, "flaky")));
        ChildInfo info = Supervisor.whichChildren(me, sup).get(0);
        assertEquals(new ChildInfo("flaky", null, ChildStatus.RESTARTING, ChildType.WORKER), info);
        broken.set(false);
        Pid second = expect(me, "started flaky").get(0).pid();
        assertEquals(second, pidOf(me, sup, "flaky"));
    }

    @Test
    void whichChildrenAndCountChildrenDescribeTheChildren() {
        Pid sup = oneForOne(
                child(t(), "w1"),
                ChildSpec.supervisor("s1", SupervisorSpec.builder().child(child(t(), "deep")).build()),
                child(t(), "w2", Restart.TRANSIENT));
        expect(me, "started w1", "started deep", "started w2");
        Probe.tell(me, pidOf(me, sup, "w2"), "stop");
        List<ChildInfo> children = Supervisor.whichChildren(me, sup);
        assertEquals(List.of("w1", "s1", "w2"), children.stream().map(ChildInfo::id).toList());
        assertEquals(List.of(ChildType.WORKER, ChildType.SUPERVISOR, ChildType.WORKER),
                children.stream().map(ChildInfo::type).toList());
        assertEquals(List.of(ChildStatus.RUNNING, ChildStatus.RUNNING, ChildStatus.STOPPED),
                children.stream().map(ChildInfo::status).toList());
        assertEquals(new ChildCount(3, 2, 1, 2), Supervisor.countChildren(me, sup));
    }

    @Test
    void simpleOneForOneOperations() {
        ChildSpec spec = ChildSpec.builder("dyn").factory(args -> worker(t(), (String) args.get(0)))
                .restart(Restart.TRANSIENT).build();
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().strategy(Strategy.SIMPLE_ONE_FOR_ONE).child(spec).build());
        Pid x = Supervisor.startChild(me, sup, List.of("x"));
        Pid y = Supervisor.startChild(me, sup, List.of("y"));
        expect(me, "started x", "started y");
        assertEquals(new ChildCount(1, 2, 0, 2), Supervisor.countChildren(me, sup));
        Supervisor.terminateChild(me, sup, x);
        expect(me, "stopping x");
        assertEquals(List.of(new ChildInfo(null, y, ChildStatus.RUNNING, ChildType.WORKER)), Supervisor.whichChildren(me, sup));
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.terminateChild(me, sup, x)));
        Probe.tell(me, y, "stop"); // transient, normal: gone
        Supervisor.startChild(me, sup, List.of("z"));
        expect(me, "started z");
        assertEquals(1, Supervisor.whichChildren(me, sup).size());
        assertEquals(new SupervisorError.SimpleOneForOne(), failing(() -> Supervisor.restartChild(me, sup, "dyn")));
        assertEquals(new SupervisorError.SimpleOneForOne(), failing(() -> Supervisor.deleteChild(me, sup, "dyn")));
        assertEquals(new SupervisorError.SimpleOneForOne(), failing(() -> Supervisor.terminateChild(me, sup, "dyn")));
        assertEquals(new SupervisorError.SimpleOneForOne(),
                failing(() -> Supervisor.startChild(me, sup, child(t(), "other"))));
        Pid plain = oneForOne();
        assertEquals(new SupervisorError.NotSimpleOneForOne(), failing(() -> Supervisor.startChild(me, plain, List.of("q"))));
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.terminateChild(me, plain, y)));
    }

    @Test
    void childSpecReturnsTheSpecOfAChild() {
        ChildSpec a = child(t(), "a");
        Pid sup = oneForOne(a);
        expect(me, "started a");
        assertEquals(a, Supervisor.childSpec(me, sup, "a"));
        assertEquals(new SupervisorError.NotFound(), failing(() -> Supervisor.childSpec(me, sup, "b")));
    }

    @Test
    void simpleOneForOneRejectsAnythingButOneSpec() {
        assertThrows(IllegalArgumentException.class,
                () -> SupervisorSpec.builder().strategy(Strategy.SIMPLE_ONE_FOR_ONE).build());
        assertThrows(IllegalArgumentException.class,
                () -> SupervisorSpec.builder().child(child(t(), "a")).child(child(t(), "a")).build());
    }

    @Test
    void operationsOnASupervisorThatIsGoneFailWithNoSupervisor() {
        Pid sup = oneForOne();
        MonitorRef ref = me.monitor(sup);
        Supervisor.stop(me, sup);
        down(me, ref);
        SupervisorError error = failing(() -> Supervisor.whichChildren(me, sup));
        assertEquals(new SupervisorError.NoSupervisor(sup, ExitReason.NOPROC), error);
    }

    @Test
    void operationsWorkFromAnyProcess() {
        Pid sup = oneForOne(child(t(), "a"));
        expect(me, "started a");
        Pid caller = me.spawn(ctx -> {
            Supervisor.startChild(ctx, sup, child(t(), "b"));
            ctx.send(t(), Supervisor.countChildren(ctx, sup));
        });
        expect(me, "started b");
        assertEquals(new ChildCount(2, 2, 0, 2), me.receive(m -> m.payload() instanceof ChildCount, Probe.WAIT).payload());
        // the caller was not the parent: its (normal) exit changes nothing
        MonitorRef ref = me.monitor(caller);
        down(me, ref);
        assertEquals(2, Supervisor.countChildren(me, sup).active());
    }

    @Test
    void aNamedSupervisorIsRegisteredAndItsNameIsUnique() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().name("the-sup").build());
        assertEquals(sup, me.whereis("the-sup"));
        assertEquals(new SupervisorError.AlreadyStarted(sup),
                failing(() -> Supervisor.start(me, SupervisorSpec.builder().name("the-sup").build())));
    }

    @Test
    void supervisorsStartedAtOnceUnderOneNameAreOneStartedTheOthersAlreadyStarted() throws Exception {
        // the name is registered with the spawn: no start may fail in between (StartFailed)
        int starters = 20;
        List<java.util.concurrent.CompletableFuture<Object>> outcomes = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < starters; i++) {
            java.util.concurrent.CompletableFuture<Object> outcome = new java.util.concurrent.CompletableFuture<>();
            outcomes.add(outcome);
            runtime.spawn(ctx -> {
                go.await();
                try {
                    outcome.complete(Supervisor.start(ctx, SupervisorSpec.builder().name("raced").build()));
                } catch (SupervisorException e) {
                    outcome.complete(e.error());
                }
                ctx.receive(); // stay alive: the supervisor is linked to us
            });
        }
        go.countDown();
        Pid winner = null;
        int already = 0;
        for (java.util.concurrent.CompletableFuture<Object> outcome : outcomes) {
            Object o = outcome.get(10, TimeUnit.SECONDS);
            if (o instanceof Pid pid) {
                assertEquals(null, winner, "two supervisors got the name");
                winner = pid;
            } else {
                assertInstanceOf(SupervisorError.AlreadyStarted.class, o);
                already++;
            }
        }
        assertEquals(starters - 1, already);
        assertEquals(winner, me.whereis("raced"));
        for (java.util.concurrent.CompletableFuture<Object> outcome : outcomes) {
            if (outcome.get() instanceof SupervisorError.AlreadyStarted started) {
                assertEquals(winner, started.pid());
            }
        }
    }

    @Test
    void restartsAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().name("counted").intensity(5).meterRegistry(registry)
                .child(child(t(), "a")).build());
        expect(me, "started a");
        me.send(pidOf(me, sup, "a"), "crash");
        expect(me, "started a");
        me.send(pidOf(me, sup, "a"), "crash");
        expect(me, "started a");
        assertEquals(2.0, registry.get("weft.supervisor.restarts").tag("supervisor", "counted").counter().count());
    }
}
