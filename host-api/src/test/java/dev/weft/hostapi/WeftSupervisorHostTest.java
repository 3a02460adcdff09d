package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.internal.SupervisorFunctions;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** weft::supervisor with the C guest {@code guests/supervisor_ops.c}: Wasm supervisors of Wasm workers. */
class WeftSupervisorHostTest {

    private GuestSession session;
    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() throws Exception {
        session = new GuestSession("supervisor_ops.wasm");
        runtime = session.runtime;
        me = session.me;
    }

    @AfterEach
    void stop() {
        session.close();
    }

    private MonitoredPid spawn(Engine engine, String export, Object... args) throws Exception {
        return session.spawn(engine, WasmConfig.defaults(), export, args);
    }

    private long to() {
        return session.to();
    }

    private byte[] next(long tag) {
        return session.next(tag);
    }

    private long[] report() {
        return session.report();
    }

    private static long[] values(byte[] bytes) {
        return GuestSession.values(bytes);
    }

    private ExitReason awaitDown(MonitoredPid child) {
        return session.awaitDown(child);
    }

    /** The pid an announce child reported (tag 7). */
    private Pid announced() {
        return new Pid(me.self().node(), values(next(7))[0]);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void everyOperationAnswersAsOtp(Engine engine) throws Exception {
        MonitoredPid guest = spawn(engine, "operations", to());
        assertArrayEquals(new long[] {0}, report(), "started");
        Pid sup = new Pid(me.self().node(), report()[0]);
        assertArrayEquals(new long[] {0, 2, 2, 0, 2}, report(), "count_children: specs, active, supervisors, workers");
        assertArrayEquals(new long[] {0, 2}, report(), "which_children: code, count");
        ByteBuffer records = ByteBuffer.wrap(next(0)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2 * SupervisorFunctions.CHILD_RECORD, records.remaining());
        List<Pid> started = new ArrayList<>();
        for (String expectedId : List.of("a", "b")) {
            int at = records.position();
            started.add(new Pid(me.self().node(), records.getLong()));
            assertEquals(0, records.getInt(), "worker");
            assertEquals(0, records.getInt(), "running");
            byte[] id = new byte[48];
            records.get(id);
            assertEquals(expectedId, new String(id, StandardCharsets.UTF_8).replace("\0", ""));
            assertEquals(at + SupervisorFunctions.CHILD_RECORD, records.position());
        }
        Pid a = started.get(0);
        Pid b = started.get(1);
        long[] r = report();
        assertEquals(0, r[0], "terminate_child a");
        assertEquals(0, r[1], "restart_child a");
        Pid restartedA = new Pid(me.self().node(), r[2]);
        assertNotEquals(a, restartedA);
        assertEquals(SupervisorFunctions.RUNNING, r[3], "restart_child of a running child");
        assertEquals(SupervisorFunctions.RUNNING, r[4], "delete_child of a running child");
        assertEquals(SupervisorFunctions.NOT_FOUND, r[5], "delete_child of an unknown id");
        assertEquals(0, r[6], "delete_child of a terminated child");
        assertEquals(0, r[7], "start_child c");
        assertEquals(SupervisorFunctions.ALREADY_STARTED, r[8], "start_child c again");
        assertEquals(1, r[9], "already_started gives the running pid");
        assertEquals(SupervisorFunctions.NOT_SIMPLE_ONE_FOR_ONE, r[10]);
        assertEquals(SupervisorFunctions.NOT_FOUND, r[11], "terminate_dynamic_child on one_for_one");
        assertArrayEquals(new long[] {0, SupervisorFunctions.NO_SUPERVISOR, SupervisorFunctions.NO_SUPERVISOR},
                report(), "stop, then nothing answers");
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
        for (Pid child : List.of(b, restartedA, sup)) {
            assertTrue(!runtime.isAlive(child), child + " stopped with the supervisor");
        }
    }

    @Test
    void simpleOneForOneStartsChildrenWithTheirOwnArguments() throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, "dynamic", to());
        Map<Long, Long> started = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            long[] v = values(next(8));
            started.put(v[0], v[1]);
        }
        assertEquals(List.of(1L, 2L, 3L), new ArrayList<>(started.keySet()));
        assertArrayEquals(new long[] {0, 0, 0}, report());
        me.send(guest.pid(), new DataMessage(new byte[0]));
        assertArrayEquals(new long[] {0, 2, SupervisorFunctions.SIMPLE_ONE_FOR_ONE}, report());
        assertTrue(!runtime.isAlive(new Pid(me.self().node(), started.get(2L))));
        me.exit(guest.pid(), ExitReason.KILL);
        awaitDown(guest);
    }

    @Test
    void childrenThatCannotBeMadeOrStartedAreErrorsThatNameThem() throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, "bad_children", to());
        assertArrayEquals(new long[] {SupervisorFunctions.START_FAILED}, report());
        String made = new String(next(0), StandardCharsets.UTF_8);
        assertTrue(made.contains("cannot make child 'x'") && made.contains("no_such_export"), made);
        assertArrayEquals(new long[] {SupervisorFunctions.START_FAILED}, report());
        String started = new String(next(0), StandardCharsets.UTF_8);
        assertTrue(started.contains("'bad'"), started);
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void aDuplicateChildIdTraps() throws Exception {
        ExitReason reason = awaitDown(spawn(Engine.COMPILER, "duplicate_id"));
        String message = assertInstanceOf(ExitReason.Error.class, reason, reason::toString).message();
        assertTrue(message.contains("weft::supervisor::add_child: cannot add child 'same'"), message);
    }

    @Test
    void aSupervisorGivesUpAfterTooManyRestartsAndItsParentHears() throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, "give_up", to());
        Pid sup = new Pid(me.self().node(), report()[0]);
        MonitoredPid watched = new MonitoredPid(sup, me.monitor(sup));
        // the child "doomed" serves; crash it three times: the third restart is one too many
        for (int i = 0; i < 3; i++) {
            Pid doomed = null;
            for (int tries = 0; doomed == null && tries < 1000; tries++) {
                doomed = firstChild(sup);
                if (doomed == null) {
                    Thread.sleep(2);
                }
            }
            assertNotNull(doomed);
            MonitoredPid child = new MonitoredPid(doomed, me.monitor(doomed));
            me.send(doomed, 13, new DataMessage(new byte[0]));
            awaitDown(child);
        }
        assertEquals(ExitReason.SHUTDOWN, awaitDown(watched));
        assertArrayEquals(new long[] {LunaticHost.LINK_DIED}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    private Pid firstChild(Pid sup) {
        List<dev.weft.supervision.ChildInfo> children;
        try {
            children = dev.weft.supervision.Supervisor.whichChildren(me, sup);
        } catch (dev.weft.supervision.SupervisorException e) {
            return null;
        }
        return children.isEmpty() ? null : children.get(0).pid();
    }

    @ParameterizedTest
    @EnumSource(value = dev.weft.supervision.Strategy.class, names = {"ONE_FOR_ONE", "ONE_FOR_ALL", "REST_FOR_ONE"})
    void eachStrategyRestartsWhatOtpRestarts(dev.weft.supervision.Strategy strategy) throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, "tree", to(), strategy.ordinal());
        long[] tree = report();
        Pid sup = new Pid(me.self().node(), tree[0]);
        List<Pid> before = List.of(pid(tree[1]), pid(tree[2]), pid(tree[3]));
        for (int i = 0; i < 3; i++) {
            announced(); // all three ran
        }
        me.send(before.get(1), 13, new DataMessage(new byte[0])); // b traps
        int restarted = switch (strategy) {
            case ONE_FOR_ONE -> 1;
            case ONE_FOR_ALL -> 3;
            default -> 2;
        };
        for (int i = 0; i < restarted; i++) {
            announced();
        }
        assertNull(me.receive(m -> m.tag() == 7, Duration.ofMillis(300)), "nothing else restarted");
        List<Pid> after = dev.weft.supervision.Supervisor.whichChildren(me, sup).stream()
                .map(dev.weft.supervision.ChildInfo::pid).toList();
        List<Boolean> changed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            changed.add(!after.get(i).equals(before.get(i)));
        }
        assertEquals(switch (strategy) {
            case ONE_FOR_ONE -> List.of(false, true, false);
            case ONE_FOR_ALL -> List.of(true, true, true);
            default -> List.of(false, true, true);
        }, changed);
        me.exit(guest.pid(), ExitReason.KILL);
        awaitDown(guest);
    }

    private Pid pid(long serial) {
        return session.pid(serial);
    }

    @Test
    void aSupervisorCanSuperviseSupervisors() throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, "nested", to());
        long[] v = report();
        assertArrayEquals(new long[] {1, 1, 0}, java.util.Arrays.copyOfRange(v, 2, 5), "specs, supervisors, workers");
        Pid inner = pid(v[1]);
        Pid w = announced();
        // the worker's crash is handled by "inner"; killing "inner" is handled by the root
        me.send(w, 13, new DataMessage(new byte[0]));
        Pid w2 = announced();
        assertNotEquals(w, w2);
        assertEquals(inner, dev.weft.supervision.Supervisor.whichChildren(me, pid(v[0])).get(0).pid());
        me.exit(inner, ExitReason.KILL);
        Pid w3 = announced();
        assertNotEquals(w2, w3);
        assertNotEquals(inner, dev.weft.supervision.Supervisor.whichChildren(me, pid(v[0])).get(0).pid());
        me.exit(guest.pid(), ExitReason.KILL);
        awaitDown(guest);
    }

    @Test
    void theGuestFacingFunctionsMatchWeftAbi() throws Exception {
        // the committed guest imports every weft::supervisor function with the type in weft-abi.json
        List<String> imported = LunaticHeaderTest.imports(session.moduleBytes).stream()
                .filter(i -> i.startsWith("weft::supervisor\t")).sorted().toList();
        List<String> abi = LunaticHeaderTest.signatures(WeftAbi.functions()).stream().sorted().toList();
        assertEquals(abi, imported);
    }
}
