package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessRuntime;
import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Busy Wasm processes: preempted at safepoints (compiled, no fuel limit) or counting fuel (a max
 * fuel, or the interpreter), a busy guest gives up its carrier (so Java processes next to it keep
 * answering), stops when killed or signalled though it never calls the host, and ends with
 * {@code out of fuel} at its max fuel; on both engines.
 */
class FuelProcessTest {

    /** Generous: an event that must happen happens within this. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ProcessRuntime runtime;
    private AttachedProcess me;
    private final List<Pid> spinners = new ArrayList<>();

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
    }

    @AfterEach
    void stop() {
        for (Pid p : spinners) {
            runtime.exit(p, ExitReason.KILL);
        }
        me.close();
        runtime.close();
    }

    private static WasmModule spin(Engine engine) throws Exception {
        return new ModuleLoader(engine).load(FuelInstrumenterTest.fixture("fuel/spin.wasm"), engine);
    }

    /** env::tick(i64) sends the value to {@code to}. */
    private static ImportValues tick(ProcessContext ctx, Pid to) {
        return ImportValues.builder()
                .addFunction(new HostFunction("env", "tick", FunctionType.of(List.of(ValType.I64), List.of()),
                        (instance, args) -> {
                            ctx.send(to, args[0]);
                            return null;
                        }))
                .build();
    }

    private ProcessBody body(Engine engine, String export, long maxFuel, Object... args) throws Exception {
        Pid test = me.self();
        return WasmProcess.builder(spin(engine), export)
                .args(args)
                .maxFuel(maxFuel)
                .hostFunctions(ctx -> tick(ctx, test))
                .build();
    }

    private ExitReason awaitDown(MonitoredPid child, Duration within) {
        Message down = me.receive(
                m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), within);
        assertNotNull(down, child.pid() + " did not exit within " + within);
        return ((DownMessage) down.payload()).reason();
    }

    private MonitoredPid spawnSpinner(Engine engine) throws Exception {
        MonitoredPid p = me.spawnMonitor(body(engine, "spin", 0));
        spinners.add(p.pid());
        return p;
    }

    record Ping(Pid from, int n) {}

    record Done(int roundTrips, long slowestNanos) {}

    @ParameterizedTest
    @EnumSource(Engine.class)
    void javaProcessesKeepAnsweringNextToBusyGuests(Engine engine) throws Exception {
        keepAnsweringNextTo(engine, "spin", 0);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void javaProcessesKeepAnsweringNextToGuestsThatRecurseWithoutLoops(Engine engine) throws Exception {
        keepAnsweringNextTo(engine, "spin_recursive", 0);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void javaProcessesKeepAnsweringNextToBusyGuestsThatCountFuel(Engine engine) throws Exception {
        keepAnsweringNextTo(engine, "spin_recursive", 1_000_000_000L); // a limit makes them count fuel
    }

    @Test
    void compiledModulesArePreemptibleOnWeftsCarriers() throws Exception {
        assertTrue(Scheduler.preemptsAtSafepoints(), "the tests run on Weft's carriers: " + Scheduler.carriers());
        assertTrue(spin(Engine.COMPILER).preemptible());
        assertFalse(spin(Engine.INTERPRETER).preemptible(), "the interpreter has no hooked safepoints");
        assertFalse(new ModuleLoader(Engine.COMPILER, false).load(FuelInstrumenterTest.fixture("fuel/spin.wasm"))
                .preemptible(), "a loader that counts no fuel leaves modules as they are");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void killStopsAGuestThatRecursesWithoutLoops(Engine engine) throws Exception {
        MonitoredPid g = me.spawnMonitor(body(engine, "spin_recursive", 0));
        spinners.add(g.pid());
        Thread.sleep(50); // deep in its calls
        me.exit(g.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, awaitDown(g, Duration.ofSeconds(5)));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void maxFuelEndsAGuestThatRecursesWithoutLoops(Engine engine) throws Exception {
        MonitoredPid g = me.spawnMonitor(body(engine, "spin_recursive", 3));
        spinners.add(g.pid());
        assertTrue(awaitDown(g, WAIT) instanceof ExitReason.OutOfFuel);
    }

    /** A ping-pong pair of Java processes must keep answering next to more busy guests than carriers. */
    private void keepAnsweringNextTo(Engine engine, String export, long maxFuel) throws Exception {
        // more busy guests than carriers: unless preempted or counted, they would hold every carrier for ever
        int busy = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < busy; i++) {
            MonitoredPid p = me.spawnMonitor(body(engine, export, maxFuel));
            spinners.add(p.pid());
        }
        Pid test = me.self();
        Pid echo = me.spawn(ctx -> {
            while (true) {
                Message m = ctx.receive();
                if (m.payload() instanceof Ping p) {
                    ctx.send(p.from(), p);
                }
            }
        });
        me.spawn(ctx -> {
            long slowest = 0;
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                ctx.send(echo, new Ping(ctx.self(), i));
                int n = i;
                Message reply = ctx.receive(m -> m.payload() instanceof Ping p && p.n() == n, Duration.ofSeconds(2));
                if (reply == null) {
                    ctx.send(test, new Done(i, -1)); // no answer within 2 s
                    return;
                }
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            ctx.send(test, new Done(200, slowest));
        });
        Message done = me.receive(m -> m.payload() instanceof Done, Duration.ofSeconds(60));
        assertNotNull(done, "the ping-pong pair never finished");
        Done d = (Done) done.payload();
        assertEquals(200, d.roundTrips(), "a round trip went unanswered for 2 s");
        assertTrue(d.slowestNanos() < 2_000_000_000L, "slowest round trip " + d.slowestNanos() / 1e6 + " ms");
        for (Pid p : spinners) {
            assertTrue(runtime.isAlive(p), "the busy guests are still running");
        }
        runtime.exit(echo, ExitReason.KILL);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void killStopsAGuestThatNeverCallsTheHost(Engine engine) throws Exception {
        List<MonitoredPid> guests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            guests.add(spawnSpinner(engine));
        }
        Thread.sleep(50); // let them get into their loops
        for (MonitoredPid g : guests) {
            me.exit(g.pid(), ExitReason.KILL);
        }
        for (MonitoredPid g : guests) {
            assertEquals(ExitReason.KILLED, awaitDown(g, Duration.ofSeconds(5)));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anExitSignalStopsABusyGuestWithItsReason(Engine engine) throws Exception {
        MonitoredPid g = spawnSpinner(engine);
        Thread.sleep(20);
        me.exit(g.pid(), ExitReason.custom("enough"));
        assertEquals(ExitReason.custom("enough"), awaitDown(g, Duration.ofSeconds(5)));
    }

    /**
     * A process with a fuel limit does not wait for the counting form's compilation (seconds for a
     * large module): until it is compiled, in the background, such processes run in the interpreter.
     */
    @Test
    void untilTheCountingFormIsCompiledProcessesWithAFuelLimitRunInTheInterpreter() throws Exception {
        WasmModule module = spin(Engine.COMPILER);
        assertTrue(module.preemptible(), "the counting form is compiled when first needed");
        List<String> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Function<com.dylibso.chicory.runtime.Instance, com.dylibso.chicory.runtime.Machine> interpreter =
                instance -> {
                    made.add("interpreter");
                    return new com.dylibso.chicory.runtime.InterpreterMachine(instance);
                };
        ImportValues imports = tick(null, null);
        module.meteredInstanceBuilderNow(interpreter).withImportValues(imports).withStart(false).build();
        assertEquals(List.of("interpreter"), made, "not compiled yet: interpreted, and the compilation starts");
        module.compileFuelCountingForm(); // waits for the compilation the first call started
        module.meteredInstanceBuilderNow(interpreter).withImportValues(imports).withStart(false).build();
        assertEquals(List.of("interpreter"), made, "compiled: the compiled form");
        // both count the same: out of fuel after the same slices, interpreted or compiled
        MonitoredPid g = me.spawnMonitor(body(Engine.COMPILER, "spin", 3));
        assertEquals(new ExitReason.OutOfFuel(3), awaitDown(g, WAIT));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void maxFuelEndsABusyLoopOutOfFuel(Engine engine) throws Exception {
        MonitoredPid g = me.spawnMonitor(body(engine, "spin", 3));
        ExitReason reason = awaitDown(g, WAIT);
        assertEquals(new ExitReason.OutOfFuel(3), reason);
        assertEquals("out of fuel (max_fuel 3: 300000 instructions)", reason.describe());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestWithinItsFuelFinishesNormally(Engine engine) throws Exception {
        // 10,000 iterations of 15 instructions: 150,000, two slices of the five allowed
        MonitoredPid g = me.spawnMonitor(body(engine, "work", 5, 10_000L));
        assertEquals(ExitReason.NORMAL, awaitDown(g, WAIT));
        Message tick = me.receive(m -> m.payload() instanceof Long, WAIT);
        assertNotNull(tick);
        assertEquals(333383335000L, tick.payload());
        // the same work, a hundred times over, does not fit
        MonitoredPid big = me.spawnMonitor(body(engine, "work", 5, 1_000_000L));
        assertTrue(awaitDown(big, WAIT) instanceof ExitReason.OutOfFuel);
    }

    @Test
    void fuelIsUnlimitedByDefault() throws Exception {
        // 15 million instructions: 150 slices, each ending in a yield
        MonitoredPid g = me.spawnMonitor(body(Engine.COMPILER, "work", 0, 1_000_000L));
        assertEquals(ExitReason.NORMAL, awaitDown(g, WAIT));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestThatCallsTheHostInItsLoopIsChargedAndStoppedToo(Engine engine) throws Exception {
        MonitoredPid g = me.spawnMonitor(body(engine, "spin_calls", 0));
        spinners.add(g.pid());
        assertNotNull(me.receive(m -> m.payload() instanceof Long, WAIT), "the guest runs");
        me.exit(g.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, awaitDown(g, Duration.ofSeconds(5)));
        MonitoredPid limited = me.spawnMonitor(body(engine, "spin_calls", 2));
        assertTrue(awaitDown(limited, WAIT) instanceof ExitReason.OutOfFuel);
    }

    @Test
    void maxFuelMustNotBeNegative() throws Exception {
        WasmProcess.Builder b = WasmProcess.builder(spin(Engine.INTERPRETER), "spin");
        assertThrows(IllegalArgumentException.class, () -> b.maxFuel(-1));
    }

    @Test
    void aModuleLoadedWithoutFuelRunsUncounted() throws Exception {
        WasmModule plain = new ModuleLoader(Engine.COMPILER, false)
                .load(FuelInstrumenterTest.fixture("fuel/spin.wasm"));
        Pid test = me.self();
        MonitoredPid g = me.spawnMonitor(WasmProcess.builder(plain, "work").args(1_000_000L).maxFuel(1)
                .hostFunctions(ctx -> tick(ctx, test)).build());
        assertEquals(ExitReason.NORMAL, awaitDown(g, WAIT)); // nothing counts, nothing runs out
    }
}
