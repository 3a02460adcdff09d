package dev.weft.hostapi;

import static dev.weft.hostapi.GuestHosts.WAIT;
import static dev.weft.hostapi.GuestHosts.awaitDown;
import static dev.weft.hostapi.GuestHosts.errorMessage;
import static dev.weft.hostapi.GuestHosts.fixture;
import static dev.weft.hostapi.GuestHosts.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.weft.hostapi.internal.TrapCatch;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lunatic::trap::catch with real WAT guests (wasm/lunatic/trap_catch*.wat) on both engines: traps
 * of every kind are caught and the instance keeps working, catches nest, a missing or mistyped
 * export traps the caller, and kills, exit signals, exits and host failures inside a catch are not
 * caught.
 */
class TrapCatchTest {

    // table indexes of the closures in trap_catch.wat
    private static final int UNREACHABLE = 1;
    private static final int LOOP_FOREVER = 6;
    private static final int SLEEP_FOREVER = 7;
    private static final int EXIT_WITH = 8;
    private static final int HOST_FAILS = 9;

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    private ProcessBody guest(Engine engine, String fixture, String export, Object... args) throws Exception {
        WasmModule module = new ModuleLoader().load(fixture(fixture), engine);
        Pid test = me.self();
        // through the node-wide host, as guests get it, with the weft_test::* functions besides
        LunaticHost host = LunaticHost.builder().otherImports(ctx -> GuestHosts.testFunctions(ctx, test)).build();
        return host.processBody(module, WasmConfig.builder().withWasi(false).build(), export, args);
    }

    private List<Long> reports(int n) {
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Long v = report(me, WAIT);
            if (v == null) {
                throw new AssertionError("only " + values + " reported within " + WAIT);
            }
            values.add(v);
        }
        return values;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void catchesEveryKindOfTrapAndTheInstanceKeepsWorking(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "run"));
        assertEquals(List.of(
                42L, // the closure's value
                0L, // unreachable
                0L, // integer divide by zero
                0L, // out-of-bounds memory access
                0L, // runaway recursion
                2L, // a catch after the stack overflow
                11L, 21L, // nested catches (a caught trap inside, then a value)
                0L, // a host function's trap (a name outside the guest's memory)
                0L, 77L, 77L, // a global and memory written before the trap keep their values
                1L, 5L, // memory.grow, then the new page
                -1L), // an i32 result is passed on as is
                reports(15));
        assertEquals(ExitReason.NORMAL, awaitDown(me, guest));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aLaterTrapOutsideCatchIsReportedWhereItHappens(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "crash_after_catch"));
        assertEquals(0L, report(me, WAIT));
        String message = errorMessage(awaitDown(me, guest));
        assertTrue(message.startsWith("trap: "), message);
        assertTrue(message.endsWith(" in crash"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aMissingExportTrapsTheCaller(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch_no_export.wasm", "run"));
        String message = errorMessage(awaitDown(me, guest));
        assertTrue(message.startsWith(
                "trap: lunatic::trap::catch: the guest does not export _lunatic_catch_trap (i32, i32) -> i32"),
                message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anExportOfTheWrongTypeTrapsTheCaller(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch_bad_export.wasm", "run"));
        String message = errorMessage(awaitDown(me, guest));
        assertTrue(message.startsWith("trap: lunatic::trap::catch: the guest's export _lunatic_catch_trap has the"
                + " type (i32) -> i32, not (i32, i32) -> i32"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aKillWhileLoopingInsideCatchKills(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "stuck_in_catch", LOOP_FOREVER));
        assertEquals(1L, report(me, WAIT));
        Thread.sleep(50); // well inside the loop
        me.exit(guest.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, awaitDown(me, guest));
        assertNull(report(me, Duration.ofMillis(100)), "the catch returned after a kill");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aKillWhileBlockedInAHostCallInsideCatchKills(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "stuck_in_catch", SLEEP_FOREVER));
        assertEquals(1L, report(me, WAIT));
        Thread.sleep(50);
        me.exit(guest.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, awaitDown(me, guest));
        assertNull(report(me, Duration.ofMillis(100)), "the catch returned after a kill");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anExitSignalInsideCatchEndsTheProcessWithItsReason(Engine engine) throws Exception {
        for (int closure : new int[] {LOOP_FOREVER, SLEEP_FOREVER}) {
            MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "stuck_in_catch", closure));
            assertEquals(1L, report(me, WAIT));
            me.exit(guest.pid(), ExitReason.custom("shutting down"));
            assertEquals(ExitReason.custom("shutting down"), awaitDown(me, guest));
        }
        assertNull(report(me, Duration.ofMillis(100)), "a catch returned after an exit signal");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anExitInsideCatchIsNotCaught(Engine engine) throws Exception {
        MonitoredPid failing = me.spawnMonitor(guest(engine, "trap_catch.wasm", "catch_one", EXIT_WITH, 3));
        assertEquals(ExitReason.exitCode(3), awaitDown(me, failing));
        MonitoredPid normal = me.spawnMonitor(guest(engine, "trap_catch.wasm", "catch_one", EXIT_WITH, 0));
        assertEquals(ExitReason.NORMAL, awaitDown(me, normal));
        assertNull(report(me, Duration.ofMillis(100)), "a catch returned after an exit");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFailureOfTheHostIsNotCaught(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "catch_one", HOST_FAILS, 0));
        String message = errorMessage(awaitDown(me, guest));
        assertTrue(message.startsWith("host function weft_test::host_failure failed: "), message);
        assertTrue(message.contains("a broken host"), message);
        assertNull(report(me, Duration.ofMillis(100)), "the catch returned after a host failure");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void manyCatchesInARow(Engine engine) throws Exception {
        // a thousand catches in one instance, a trap every other one: nothing is left behind
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_catch.wasm", "catch_many", 1000));
        assertEquals(250_500L, report(me, WAIT)); // 2 + 4 + ... + 1000
        assertEquals(ExitReason.NORMAL, awaitDown(me, guest));
    }

    @Test
    void onlyTrapsCountAsTraps() {
        assertTrue(TrapCatch.isTrap(new WasmRuntimeException("out of bounds memory access")));
        assertTrue(TrapCatch.isTrap(new TrapException("unreachable")));
        assertTrue(TrapCatch.isTrap(new ChicoryException("call stack exhausted", new StackOverflowError())));
        assertTrue(TrapCatch.isTrap(new StackOverflowError()));
        assertFalse(TrapCatch.isTrap(new ChicoryInterruptedException("Thread interrupted")));
        assertFalse(TrapCatch.isTrap(new ExitException(ExitReason.KILLED)));
        assertFalse(TrapCatch.isTrap(new ChicoryException("wrapped", new ExitException(ExitReason.KILLED))));
        assertFalse(TrapCatch.isTrap(new IllegalStateException("a broken host")));
        assertFalse(TrapCatch.isTrap(new OutOfMemoryError()));
        Thread.currentThread().interrupt();
        try {
            assertFalse(TrapCatch.isTrap(new WasmRuntimeException("a trap while a kill arrives")));
        } finally {
            assertTrue(Thread.interrupted());
        }
    }
}
