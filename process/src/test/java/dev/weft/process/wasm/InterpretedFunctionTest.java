package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.internal.wasm.ChicoryCompiler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A function too large for the JVM ({@link LargeFunctionModule}) on the compiler engine: the module
 * loads, the function runs in Chicory's interpreter between compiled ones, and it is as fair and as
 * killable as compiled code, and counts fuel as the interpreter engine does.
 */
class InterpretedFunctionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static WasmModule compiled;
    private static WasmModule interpreted;

    private ProcessRuntime runtime;
    private AttachedProcess me;
    private final List<Pid> spinners = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        compiled = new ModuleLoader(Engine.COMPILER).load(LargeFunctionModule.bytes());
        interpreted = new ModuleLoader(Engine.INTERPRETER).load(LargeFunctionModule.bytes());
    }

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

    private static ImportValues ignoreTicks() {
        return ImportValues.builder().addFunction(new HostFunction("env", "tick",
                FunctionType.of(List.of(ValType.I64), List.of()), (instance, args) -> null)).build();
    }

    /** env::tick(i64) sends the value to {@code to}. */
    private static ImportValues tick(ProcessContext ctx, Pid to) {
        return ImportValues.builder().addFunction(new HostFunction("env", "tick",
                FunctionType.of(List.of(ValType.I64), List.of()), (instance, args) -> {
                    ctx.send(to, args[0]);
                    return null;
                })).build();
    }

    private MonitoredPid spawn(WasmModule module, String export, long maxFuel, long n, int ticks) {
        return spawn(module, export, maxFuel, n, ticks, new ArrayList<>());
    }

    /** Also adds the process's thread to {@code threads}, when it starts. */
    private MonitoredPid spawn(WasmModule module, String export, long maxFuel, long n, int ticks,
            List<Thread> threads) {
        Pid test = me.self();
        return me.spawnMonitor(WasmProcess.builder(module, export).args(n, ticks).maxFuel(maxFuel)
                .hostFunctions(ctx -> {
                    synchronized (threads) {
                        threads.add(Thread.currentThread()); // made on the process's thread
                    }
                    return tick(ctx, test);
                }).build());
    }

    private ExitReason awaitDown(MonitoredPid child, Duration within) {
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), within);
        assertNotNull(down, child.pid() + " did not exit within " + within);
        return ((DownMessage) down.payload()).reason();
    }

    @Test
    void theModuleLoadsOnTheCompilerAndOnlyTheLargeFunctionIsInterpreted() throws Exception {
        assertEquals(Engine.COMPILER, compiled.engine());
        assertTrue(compiled.preemptible(), "interpreted functions have safepoints too");
        assertEquals(Set.of(LargeFunctionModule.BIG), compiled.interpretedFunctions());
        assertEquals(Set.of(LargeFunctionModule.BIG), compiled.meteredInterpretedFunctions());
        // what Weft reads from the generated classes is what Chicory's compiler decided
        var parsed = Parser.parse(LargeFunctionModule.bytes());
        var chicory = com.dylibso.chicory.compiler.internal.Compiler.builder(parsed)
                .withInterpreterFallback(InterpreterFallback.SILENT).build().compile();
        assertEquals(chicory.interpretedFunctions(), ChicoryCompiler.compile(parsed).interpreted());
    }

    @Test
    void theLargeFunctionComputesBetweenCompiledOnesInBothForms() {
        long want = LargeFunctionModule.big(4);
        for (Instance.Builder b : List.of(compiled.instanceBuilder(), compiled.meteredInstanceBuilder(),
                interpreted.meteredInstanceBuilder())) {
            Instance i = b.withImportValues(ignoreTicks()).build();
            assertEquals(16, i.export("small").apply(5)[0]);
            assertEquals(want, i.export("big").apply(4, 0)[0], "big calls small, compiled");
            assertEquals(want + 1, i.export("calls_big").apply(4, 0)[0], "compiled calls_big calls big");
        }
    }

    @ParameterizedTest(name = "max fuel {0}")
    @ValueSource(longs = {0, 1_000_000_000L}) // as given, preempted at safepoints; the fuel-counting form
    void killStopsTheLargeFunctionLoopingForEver(long maxFuel) throws Exception {
        List<MonitoredPid> guests = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            MonitoredPid g = spawn(compiled, "big", maxFuel, 0, 0, threads);
            guests.add(g);
            spinners.add(g.pid());
        }
        long started = System.nanoTime() + WAIT.toNanos();
        while (size(threads) < 4 && System.nanoTime() < started) {
            Thread.sleep(10);
        }
        assertEquals(4, size(threads), "the guests started");
        Thread.sleep(50); // deep in their loops
        long t0 = System.nanoTime();
        for (MonitoredPid g : guests) {
            me.exit(g.pid(), ExitReason.KILL);
        }
        for (MonitoredPid g : guests) {
            assertEquals(ExitReason.KILLED, awaitDown(g, Duration.ofSeconds(5)));
        }
        // the DOWN comes at once; the guest's code must stop too, and give its carrier back
        synchronized (threads) {
            for (Thread t : threads) {
                assertTrue(t.join(Duration.ofSeconds(5)), "a killed guest is still running");
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1_000, "4 killed guests took " + ms + " ms to stop");
    }

    @Test
    void javaAndWasmProcessesKeepBeingServedNextToTheLargeFunctionLoopingForEver() throws Exception {
        // more busy guests than carriers: unless preempted, they would hold every carrier for ever
        int busy = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < busy; i++) {
            spinners.add(spawn(compiled, "big", 0, 0, 0).pid());
        }
        Pid echo = me.spawn(ctx -> {
            while (true) {
                Message m = ctx.receive();
                if (m.payload() instanceof Pid from) {
                    ctx.send(from, "pong");
                }
            }
        });
        long slowest = 0;
        for (int i = 0; i < 100; i++) {
            long t0 = System.nanoTime();
            me.send(echo, me.self());
            assertNotNull(me.receive(m -> "pong".equals(m.payload()), Duration.ofSeconds(2)), "round trip " + i);
            slowest = Math.max(slowest, System.nanoTime() - t0);
        }
        assertTrue(slowest < 2_000_000_000L, "slowest round trip " + slowest / 1e6 + " ms");
        // a Wasm process that runs the large function too, to its end
        MonitoredPid worker = spawn(compiled, "calls_big", 0, 3, 1);
        assertEquals(ExitReason.NORMAL, awaitDown(worker, Duration.ofSeconds(30)));
        assertEquals(List.of(0L, 1L, 2L), ticks(Duration.ofMillis(100)));
        for (Pid p : spinners) {
            assertTrue(runtime.isAlive(p), "the busy guests are still running");
        }
        runtime.exit(echo, ExitReason.KILL);
    }

    @Test
    void maxFuelRunsOutExactlyAsOnTheInterpreterEngine() throws Exception {
        List<List<Long>> seen = new ArrayList<>();
        for (WasmModule m : List.of(compiled, interpreted)) {
            MonitoredPid g = spawn(m, "big", 3, 0, 1); // ticks every iteration, loops for ever
            assertEquals(new ExitReason.OutOfFuel(3), awaitDown(g, WAIT), m.engine().toString());
            seen.add(ticks(Duration.ofMillis(200)));
        }
        assertFalse(seen.get(0).isEmpty(), "it ran some iterations");
        assertEquals(seen.get(1), seen.get(0), "iterations before running out: compiler, interpreter");
        // and within its fuel it finishes on both
        for (WasmModule m : List.of(compiled, interpreted)) {
            assertEquals(ExitReason.NORMAL, awaitDown(spawn(m, "calls_big", 3, 2, 0), WAIT), m.engine().toString());
        }
    }

    private static int size(List<Thread> threads) {
        synchronized (threads) {
            return threads.size();
        }
    }

    /** The ticks received, until none comes for {@code quiet}. */
    private List<Long> ticks(Duration quiet) {
        List<Long> ticks = new ArrayList<>();
        Message m;
        while ((m = me.receive(x -> x.payload() instanceof Long, quiet)) != null) {
            ticks.add((Long) m.payload());
        }
        return ticks;
    }
}
