package dev.weft.supervision;

import static dev.weft.supervision.Probe.child;
import static dev.weft.supervision.Probe.down;
import static dev.weft.supervision.Probe.expect;
import static dev.weft.supervision.Probe.expectNoEvent;
import static dev.weft.supervision.Probe.next;
import static dev.weft.supervision.Probe.pidOf;
import static dev.weft.supervision.Probe.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import dev.weft.supervision.Probe.Event;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** OTP's supervisor rules, one named test each, with Java children. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SupervisorSemanticsTest {

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
        me.trapExit(true); // a supervisor that gives up must not take the test down
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    private Pid t() {
        return me.self();
    }

    private Pid startAbc(Strategy strategy) {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .strategy(strategy)
                .intensity(10)
                .child(child(t(), "a"))
                .child(child(t(), "b"))
                .child(child(t(), "c"))
                .build());
        expect(me, "started a", "started b", "started c");
        return sup;
    }

    // ------------------------------------------------------------------ order

    @Test
    void childrenStartInOrderAndStopInReverseOrder() {
        Pid sup = startAbc(Strategy.ONE_FOR_ONE);
        MonitorRef ref = me.monitor(sup);
        Supervisor.stop(me, sup);
        expect(me, "stopping c", "stopping b", "stopping a");
        assertEquals(ExitReason.NORMAL, down(me, ref));
    }

    @Test
    void oneForOneRestartsOnlyTheChildThatExited() {
        Pid sup = startAbc(Strategy.ONE_FOR_ONE);
        Pid a = pidOf(me, sup, "a");
        Pid c = pidOf(me, sup, "c");
        Pid b = pidOf(me, sup, "b");
        me.send(b, "crash");
        Event restarted = expect(me, "started b").get(0);
        assertNotEquals(b, restarted.pid());
        expectNoEvent(me);
        assertEquals(a, pidOf(me, sup, "a"));
        assertEquals(c, pidOf(me, sup, "c"));
        assertEquals(restarted.pid(), pidOf(me, sup, "b"));
    }

    @Test
    void oneForAllStopsTheOthersInReverseOrderAndStartsAllInOrder() {
        Pid sup = startAbc(Strategy.ONE_FOR_ALL);
        me.send(pidOf(me, sup, "b"), "crash");
        expect(me, "stopping c", "stopping a", "started a", "started b", "started c");
        expectNoEvent(me);
    }

    @Test
    void restForOneRestartsTheChildThatExitedAndTheOnesStartedAfterIt() {
        Pid sup = startAbc(Strategy.REST_FOR_ONE);
        Pid a = pidOf(me, sup, "a");
        me.send(pidOf(me, sup, "b"), "crash");
        expect(me, "stopping c", "started b", "started c");
        expectNoEvent(me);
        assertEquals(a, pidOf(me, sup, "a"));
    }

    @Test
    void restForOneAfterTheLastChildRestartsOnlyIt() {
        Pid sup = startAbc(Strategy.REST_FOR_ONE);
        me.send(pidOf(me, sup, "c"), "crash");
        expect(me, "started c");
        expectNoEvent(me);
    }

    @Test
    void simpleOneForOneStartsChildrenOnDemandWithTheirArgumentsAndRestartsOnlyTheOneThatExited() {
        ChildSpec spec = ChildSpec.builder("dyn")
                .factory(args -> worker((Pid) args.get(0), (String) args.get(1)))
                .args(t())
                .build();
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .strategy(Strategy.SIMPLE_ONE_FOR_ONE).intensity(10).child(spec).build());
        expectNoEvent(me); // no children at start
        Pid x = Supervisor.startChild(me, sup, List.of("x"));
        Pid y = Supervisor.startChild(me, sup, List.of("y"));
        expect(me, "started x", "started y");
        me.send(x, "crash");
        Event again = expect(me, "started x").get(0); // same arguments
        expectNoEvent(me);
        List<ChildInfo> children = Supervisor.whichChildren(me, sup);
        assertEquals(List.of(y, again.pid()), children.stream().map(ChildInfo::pid).sorted(
                (p, q) -> Long.compare(p.serial(), q.serial())).toList());
        children.forEach(info -> assertEquals(null, info.id()));
        MonitorRef ref = me.monitor(sup);
        Supervisor.stop(me, sup);
        // simple_one_for_one stops its children all at once: both stop, in any order
        List<String> stops = List.of(next(me).toString(), next(me).toString());
        assertTrue(stops.containsAll(List.of("stopping x", "stopping y")), stops.toString());
        assertEquals(ExitReason.NORMAL, down(me, ref));
    }

    // ------------------------------------------------------------------ restart types

    @Test
    void permanentChildIsRestartedEvenAfterANormalExit() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().child(child(t(), "p", Restart.PERMANENT)).build());
        expect(me, "started p");
        me.send(pidOf(me, sup, "p"), "stop");
        expect(me, "started p");
    }

    @Test
    void transientChildExitingNormallyIsNotRestarted() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().child(child(t(), "tr", Restart.TRANSIENT)).build());
        expect(me, "started tr");
        assertEquals(ExitReason.NORMAL, Probe.tell(me, pidOf(me, sup, "tr"), "stop"));
        expectNoEvent(me);
        ChildInfo info = Supervisor.whichChildren(me, sup).get(0);
        assertEquals(new ChildInfo("tr", null, ChildStatus.STOPPED, ChildType.WORKER), info); // spec kept
    }

    @Test
    void transientChildExitingWithShutdownIsNotRestarted() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().child(child(t(), "tr", Restart.TRANSIENT)).build());
        expect(me, "started tr");
        assertEquals(ExitReason.SHUTDOWN, Probe.tell(me, pidOf(me, sup, "tr"), "shutdown"));
        expectNoEvent(me);
        me.send(sup, "an unexpected message is ignored");
        assertEquals(ChildStatus.STOPPED, Supervisor.whichChildren(me, sup).get(0).status());
        Pid again = Supervisor.restartChild(me, sup, "tr");
        expect(me, "started tr");
        Probe.tell(me, again, "exit:shutdown: done"); // OTP's {shutdown, Term}
        expectNoEvent(me);
        assertEquals(ChildStatus.STOPPED, Supervisor.whichChildren(me, sup).get(0).status());
    }

    @Test
    void transientChildExitingAbnormallyIsRestarted() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().intensity(5)
                .child(child(t(), "tr", Restart.TRANSIENT)).build());
        expect(me, "started tr");
        me.send(pidOf(me, sup, "tr"), "crash");
        expect(me, "started tr");
        me.send(pidOf(me, sup, "tr"), "exit:odd");
        expect(me, "started tr");
    }

    @Test
    void temporaryChildIsNeverRestartedAndItsSpecIsRemoved() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .child(child(t(), "tmp", Restart.TEMPORARY))
                .child(child(t(), "keep"))
                .build());
        expect(me, "started tmp", "started keep");
        Probe.tell(me, pidOf(me, sup, "tmp"), "crash");
        expectNoEvent(me);
        assertEquals(List.of("keep"), Supervisor.whichChildren(me, sup).stream().map(ChildInfo::id).toList());
    }

    @Test
    void oneForAllDoesNotRestartATemporarySibling() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .strategy(Strategy.ONE_FOR_ALL)
                .child(child(t(), "a"))
                .child(child(t(), "tmp", Restart.TEMPORARY))
                .child(child(t(), "c"))
                .build());
        expect(me, "started a", "started tmp", "started c");
        me.send(pidOf(me, sup, "c"), "crash");
        expect(me, "stopping tmp", "stopping a", "started a", "started c");
        expectNoEvent(me);
        assertEquals(List.of("a", "c"), Supervisor.whichChildren(me, sup).stream().map(ChildInfo::id).toList());
    }

    // ------------------------------------------------------------------ intensity

    @Test
    void moreThanMaxRRestartsWithinMaxTStopAllChildrenAndExitWithShutdown() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .intensity(2).periodSeconds(5)
                .child(child(t(), "a"))
                .child(child(t(), "b"))
                .child(child(t(), "c"))
                .build());
        expect(me, "started a", "started b", "started c");
        MonitorRef ref = me.monitor(sup);
        me.send(pidOf(me, sup, "b"), "crash");
        expect(me, "started b");
        me.send(pidOf(me, sup, "b"), "crash");
        expect(me, "started b");
        me.send(pidOf(me, sup, "b"), "crash"); // the third restart in 5 s: too many
        expect(me, "stopping c", "stopping a");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
        expectNoEvent(me);
    }

    @Test
    void defaultIntensityIsOneRestartInFiveSeconds() {
        SupervisorSpec spec = SupervisorSpec.builder().child(child(t(), "a")).build();
        assertEquals(1, spec.intensity());
        assertEquals(Duration.ofSeconds(5), spec.period());
        Pid sup = Supervisor.start(me, spec);
        expect(me, "started a");
        MonitorRef ref = me.monitor(sup);
        me.send(pidOf(me, sup, "a"), "crash");
        expect(me, "started a");
        me.send(pidOf(me, sup, "a"), "crash");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
    }

    @Test
    void zeroIntensityStopsAtTheFirstRestart() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().intensity(0).child(child(t(), "a")).build());
        expect(me, "started a");
        MonitorRef ref = me.monitor(sup);
        me.send(pidOf(me, sup, "a"), "crash");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
        expectNoEvent(me);
    }

    @Test
    void restartsOlderThanThePeriodDoNotCount() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .intensity(1).period(Duration.ofMillis(200))
                .child(child(t(), "a"))
                .build());
        expect(me, "started a");
        for (int i = 0; i < 3; i++) {
            me.send(pidOf(me, sup, "a"), "crash");
            expect(me, "started a");
            me.sleep(Duration.ofMillis(250));
        }
        assertTrue(me.isAlive(sup));
    }

    @Test
    void intensityExceededEscalatesToTheParentSupervisorWhichRestartsTheChildSupervisor() {
        SupervisorSpec inner = SupervisorSpec.builder().intensity(0).child(child(t(), "w")).build();
        Pid top = Supervisor.start(me, SupervisorSpec.builder()
                .intensity(5)
                .child(ChildSpec.supervisor("inner", inner))
                .child(child(t(), "other"))
                .build());
        expect(me, "started w", "started other");
        Pid innerPid = pidOf(me, top, "inner");
        MonitorRef ref = me.monitor(innerPid);
        me.send(pidOf(me, innerPid, "w"), "crash");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref)); // inner gave up...
        expect(me, "started w"); // ...and top started a new inner, which started w
        Pid newInner = pidOf(me, top, "inner");
        assertNotEquals(innerPid, newInner);
        assertTrue(me.isAlive(pidOf(me, top, "other")));
        expectNoEvent(me);
    }

    @Test
    void escalationReachesTheTopOfTheTree() {
        SupervisorSpec inner = SupervisorSpec.builder().intensity(0).child(child(t(), "w")).build();
        Pid top = Supervisor.start(me, SupervisorSpec.builder()
                .intensity(0)
                .child(child(t(), "first"))
                .child(ChildSpec.supervisor("inner", inner))
                .build());
        expect(me, "started first", "started w");
        MonitorRef ref = me.monitor(top);
        me.send(pidOf(me, pidOf(me, top, "inner"), "w"), "crash");
        expect(me, "stopping first");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
    }

    // ------------------------------------------------------------------ shutdown

    @Test
    void shutdownTimeoutKillsAChildThatIgnoresShutdown() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .child(ChildSpec.builder("s").body(Probe.stubborn(t(), "s")).shutdown(Shutdown.timeoutMillis(100)).build())
                .build());
        Pid s = expect(me, "started s").get(0).pid();
        MonitorRef ref = me.monitor(s);
        long began = System.nanoTime();
        Supervisor.terminateChild(me, sup, "s");
        long tookMillis = (System.nanoTime() - began) / 1_000_000;
        expect(me, "ignoring s");
        assertEquals(ExitReason.KILLED, down(me, ref));
        assertTrue(tookMillis >= 90, "killed after " + tookMillis + " ms, before the 100 ms timeout");
        assertEquals(ChildStatus.STOPPED, Supervisor.whichChildren(me, sup).get(0).status());
    }

    @Test
    void shutdownTimeoutLetsAChildThatStopsInTimeExitWithShutdown() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .child(ChildSpec.builder("w").body(worker(t(), "w")).shutdown(Shutdown.timeoutMillis(5000)).build())
                .build());
        Pid w = expect(me, "started w").get(0).pid();
        MonitorRef ref = me.monitor(w);
        Supervisor.terminateChild(me, sup, "w");
        expect(me, "stopping w");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
    }

    @Test
    void brutalKillKillsAtOnceEvenAChildThatTrapsExits() {
        Pid sup = Supervisor.start(me, SupervisorSpec.builder()
                .child(ChildSpec.builder("w").body(worker(t(), "w")).shutdown(Shutdown.BRUTAL_KILL).build())
                .build());
        Pid w = expect(me, "started w").get(0).pid();
        MonitorRef ref = me.monitor(w);
        Supervisor.terminateChild(me, sup, "w");
        assertEquals(ExitReason.KILLED, down(me, ref));
        expectNoEvent(me); // it never saw a shutdown to report
    }

    @Test
    void childSupervisorsDefaultToShutdownInfinityAndStopTheirOwnChildrenFirst() {
        ChildSpec innerSpec = ChildSpec.supervisor("inner", SupervisorSpec.builder()
                .child(ChildSpec.builder("slow").body(Probe.stubborn(t(), "slow")).shutdown(Shutdown.timeoutMillis(300)).build())
                .child(child(t(), "x"))
                .build());
        assertEquals(Shutdown.INFINITY, innerSpec.shutdown());
        assertEquals(ChildType.SUPERVISOR, innerSpec.type());
        assertEquals(Shutdown.timeoutMillis(5000), child(t(), "w").shutdown());
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().child(innerSpec).build());
        expect(me, "started slow", "started x");
        Supervisor.terminateChild(me, sup, "inner"); // waits longer than any timeout: infinity
        expect(me, "stopping x", "ignoring slow");
        assertEquals(0, Supervisor.countChildren(me, sup).active());
    }

    // ------------------------------------------------------------------ trees

    @Test
    void nestedTreeRestartsBottomUp() {
        SupervisorSpec inner = SupervisorSpec.builder()
                .strategy(Strategy.ONE_FOR_ALL).intensity(3)
                .child(child(t(), "i1"))
                .child(child(t(), "i2"))
                .build();
        Pid top = Supervisor.start(me, SupervisorSpec.builder()
                .intensity(3)
                .child(child(t(), "t1"))
                .child(ChildSpec.supervisor("inner", inner))
                .child(child(t(), "t3"))
                .build());
        expect(me, "started t1", "started i1", "started i2", "started t3");
        Pid innerPid = pidOf(me, top, "inner");
        // the lowest supervisor handles the crash; the top one sees nothing
        me.send(pidOf(me, innerPid, "i2"), "crash");
        expect(me, "stopping i1", "started i1", "started i2");
        expectNoEvent(me);
        assertEquals(innerPid, pidOf(me, top, "inner"));
        // stopping the tree stops it bottom-up: each supervisor its children last first, depth first
        MonitorRef ref = me.monitor(top);
        Supervisor.stop(me, top);
        expect(me, "stopping t3", "stopping i2", "stopping i1", "stopping t1");
        assertEquals(ExitReason.NORMAL, down(me, ref));
    }

    @Test
    void treesOfAnyDepthStartInOrderAndRestartAtTheRightLevel() {
        SupervisorSpec level3 = SupervisorSpec.builder().child(child(t(), "leaf")).build();
        SupervisorSpec level2 = SupervisorSpec.builder().child(ChildSpec.supervisor("l3", level3)).child(child(t(), "mid")).build();
        SupervisorSpec level1 = SupervisorSpec.builder().child(ChildSpec.supervisor("l2", level2)).build();
        Pid top = Supervisor.start(me, SupervisorSpec.builder().child(ChildSpec.supervisor("l1", level1)).build());
        expect(me, "started leaf", "started mid");
        Pid l1 = pidOf(me, top, "l1");
        Pid l2 = pidOf(me, l1, "l2");
        Pid l3 = pidOf(me, l2, "l3");
        me.send(pidOf(me, l3, "leaf"), "crash");
        expect(me, "started leaf");
        assertEquals(l3, pidOf(me, l2, "l3"));
        assertEquals(new ChildCount(1, 1, 1, 0), Supervisor.countChildren(me, top));
    }

    // ------------------------------------------------------------------ start failures

    @Test
    void aChildThatFailsToStartFailsTheSupervisorsStartWithAReasonNamingIt() {
        SupervisorSpec spec = SupervisorSpec.builder()
                .child(child(t(), "a"))
                .child(ChildSpec.builder("broken").factory(args -> {
                    throw new IllegalArgumentException("no such module");
                }).build())
                .child(child(t(), "c"))
                .build();
        SupervisorException e = assertThrows(SupervisorException.class, () -> Supervisor.start(me, spec));
        SupervisorError.StartFailed failed = assertInstanceOf(SupervisorError.StartFailed.class, e.error());
        String reason = failed.reason().toString();
        assertTrue(reason.startsWith("shutdown: failed to start child 'broken': "), reason);
        assertTrue(reason.contains("no such module"), reason);
        assertTrue(Supervisor.isShutdownReason(failed.reason()));
        // a was started, then stopped again; c never started
        expect(me, "started a", "stopping a");
        expectNoEvent(me);
        assertNoExitSignalFromTheFailedSupervisor();
    }

    @Test
    void aChildWhoseInitFailsFailsTheStartNamingIt() {
        InitializingBody body = InitializingBody.of(ctx -> {
            throw new IllegalStateException("cannot open the port");
        }, ctx -> {});
        SupervisorSpec spec = SupervisorSpec.builder().child(ChildSpec.worker("server", body)).build();
        SupervisorException e = assertThrows(SupervisorException.class, () -> Supervisor.start(me, spec));
        String reason = ((SupervisorError.StartFailed) e.error()).reason().toString();
        assertTrue(reason.startsWith("shutdown: failed to start child 'server': error: "), reason);
        assertTrue(reason.contains("cannot open the port"), reason);
        assertNoExitSignalFromTheFailedSupervisor();
    }

    @Test
    void aChildSupervisorThatFailsToStartFailsItsParentsStartNamingBoth() {
        SupervisorSpec inner = SupervisorSpec.builder().child(ChildSpec.builder("deep").factory(args -> {
            throw new IllegalStateException("bad");
        }).build()).build();
        SupervisorSpec top = SupervisorSpec.builder()
                .child(child(t(), "a"))
                .child(ChildSpec.supervisor("inner", inner))
                .build();
        SupervisorException e = assertThrows(SupervisorException.class, () -> Supervisor.start(me, top));
        String reason = ((SupervisorError.StartFailed) e.error()).reason().toString();
        assertTrue(reason.startsWith("shutdown: failed to start child 'inner': shutdown: failed to start child 'deep'"),
                reason);
        expect(me, "started a", "stopping a");
    }

    @Test
    void aChildCountsAsStartedOnceItsInitReturned() {
        InitializingBody body = InitializingBody.of(ctx -> {
            ctx.sleep(Duration.ofMillis(50));
            ctx.register("ready-server");
        }, ctx -> ctx.receive());
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().child(ChildSpec.worker("server", body)).build());
        assertEquals(pidOf(me, sup, "server"), me.whereis("ready-server"));
    }

    @Test
    void aChildThatCrashesRightAfterStartingIsRestartedNotAStartFailure() {
        AtomicInteger starts = new AtomicInteger();
        Pid sup = Supervisor.start(me, SupervisorSpec.builder().intensity(1000)
                .child(ChildSpec.worker("flaky", ctx -> {
                    if (starts.incrementAndGet() < 3) {
                        throw new IllegalStateException("not yet");
                    }
                    ctx.send(t(), new Event("started", "flaky", ctx.self()));
                    ctx.receive();
                }))
                .build());
        expect(me, "started flaky");
        assertEquals(3, starts.get());
        assertTrue(me.isAlive(sup));
    }

    private void assertNoExitSignalFromTheFailedSupervisor() {
        Message exit = me.receive(m -> m.payload() instanceof dev.weft.process.ExitMessage, Probe.QUIET);
        assertEquals(null, exit, "the failed start must not also send the caller an exit signal");
    }

    // ------------------------------------------------------------------ exit signals

    @Test
    void anExitSignalFromTheParentStopsTheChildrenAndTheSupervisorWithTheSameReason() {
        Pid[] sup = new Pid[1];
        Pid parent = me.spawn(ctx -> {
            sup[0] = Supervisor.start(ctx, SupervisorSpec.builder()
                    .child(child(t(), "a")).child(child(t(), "b")).build());
            ctx.send(t(), "up");
            ctx.receive();
            throw ctx.exit(ExitReason.custom("parent gave up"));
        });
        expect(me, "started a", "started b");
        assertNotNull(me.receive(m -> "up".equals(m.payload()), Probe.WAIT));
        MonitorRef ref = me.monitor(sup[0]);
        me.send(parent, "go");
        expect(me, "stopping b", "stopping a");
        assertEquals(ExitReason.custom("parent gave up"), down(me, ref));
    }

    @Test
    void aNormalExitOfTheParentAlsoStopsTheSupervisor() {
        Pid[] sup = new Pid[1];
        Pid parent = me.spawn(ctx -> {
            sup[0] = Supervisor.start(ctx, SupervisorSpec.builder().child(child(t(), "a")).build());
            ctx.send(t(), "up");
            ctx.receive();
        });
        expect(me, "started a");
        assertNotNull(me.receive(m -> "up".equals(m.payload()), Probe.WAIT));
        MonitorRef ref = me.monitor(sup[0]);
        me.send(parent, "go");
        expect(me, "stopping a");
        assertEquals(ExitReason.NORMAL, down(me, ref));
    }

    @Test
    void anExitSignalFromAProcessThatIsNeitherParentNorChildIsIgnored() {
        Pid sup = startAbc(Strategy.ONE_FOR_ALL);
        List<ChildInfo> before = Supervisor.whichChildren(me, sup);
        Pid stranger = me.spawn(ctx -> ctx.exit(sup, ExitReason.custom("go away")));
        MonitorRef ref = me.monitor(stranger);
        down(me, ref);
        runtime.exit(sup, ExitReason.SHUTDOWN); // the node is not its parent either
        assertEquals(before, Supervisor.whichChildren(me, sup));
        expectNoEvent(me);
    }

    @Test
    void killingASupervisorTakesItsChildrenAlong() {
        Pid sup = startAbc(Strategy.ONE_FOR_ONE);
        List<Pid> children = Supervisor.whichChildren(me, sup).stream().map(ChildInfo::pid).toList();
        MonitorRef ref = me.monitor(sup);
        me.exit(sup, ExitReason.KILL);
        assertEquals(ExitReason.KILLED, down(me, ref));
        // the children trap exits: they see the link's killed and stop
        List<String> stops = List.of(next(me).toString(), next(me).toString(), next(me).toString());
        assertTrue(stops.containsAll(List.of("stopping a", "stopping b", "stopping c")), stops.toString());
        for (Pid child : children) {
            MonitorRef r = me.monitor(child);
            down(me, r);
            assertFalse(me.isAlive(child));
        }
    }

    @Test
    void aHostStartedSupervisorHasTheNodeAsItsParent() {
        Pid sup = Supervisor.start(runtime, SupervisorSpec.builder()
                .child(child(t(), "a")).child(child(t(), "b")).build());
        expect(me, "started a", "started b");
        MonitorRef ref = me.monitor(sup);
        runtime.exit(sup, ExitReason.SHUTDOWN);
        expect(me, "stopping b", "stopping a");
        assertEquals(ExitReason.SHUTDOWN, down(me, ref));
    }
}
