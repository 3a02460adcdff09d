package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Wasm exports run as processes, on both engines: every way such a process ends, and messaging. */
class WasmProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

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

    // ------------------------------------------------------------------ fixtures and helpers

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = WasmProcessTest.class.getResourceAsStream("/wasm/process/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static WasmModule load(String name, Engine engine) throws Exception {
        return new ModuleLoader().load(fixture(name), engine);
    }

    /** env::exit(code) ends the process the way a WASI proc_exit would; env::boom fails. */
    private static ImportValues outcomeHost(ProcessContext ctx) {
        return ImportValues.builder()
                .addFunction(new HostFunction("env", "exit", FunctionType.of(List.of(ValType.I32), List.of()),
                        (instance, args) -> {
                            throw new ExitException(ExitReason.exitCode((int) args[0]));
                        }))
                .addFunction(new HostFunction("env", "boom", FunctionType.of(List.of(), List.of()),
                        (instance, args) -> {
                            throw new IllegalStateException("boom!");
                        }))
                .build();
    }

    private WasmProcess.Builder outcomes(Engine engine, String export, Object... args) throws Exception {
        return WasmProcess.builder(load("outcomes.wasm", engine), export)
                .args(args)
                .hostFunctions(WasmProcessTest::outcomeHost);
    }

    /** Spawns the body monitored and waits for its exit reason. */
    private ExitReason exitOf(ProcessBody body) {
        MonitoredPid child = me.spawnMonitor(body);
        return awaitDown(child);
    }

    private ExitReason awaitDown(MonitoredPid child) {
        Message down = me.receive(
                m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), WAIT);
        assertNotNull(down, child.pid() + " did not exit within " + WAIT);
        return ((DownMessage) down.payload()).reason();
    }

    private static String errorMessage(ExitReason reason) {
        ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason, () -> "not an error: " + reason);
        return error.message();
    }

    // ------------------------------------------------------------------ outcomes

    @ParameterizedTest
    @EnumSource(Engine.class)
    void returningIsNormal(Engine engine) throws Exception {
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "add", 40L, 2).build()));
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "_start").build()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void unreachableIsATrapNamingTheInnermostFunction(Engine engine) throws Exception {
        String message = errorMessage(exitOf(outcomes(engine, "unreachable").build()));
        assertTrue(message.startsWith("trap: "), message);
        assertTrue(message.contains("unreachable"), message);
        assertTrue(message.endsWith(" in inner"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void divisionByZeroIsATrap(Engine engine) throws Exception {
        String message = errorMessage(exitOf(outcomes(engine, "divide", 0).build()));
        assertTrue(message.startsWith("trap: "), message);
        assertTrue(message.contains("divide by zero"), message);
        assertTrue(message.endsWith(" in divide"), message);
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "divide", 5).build()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void outOfBoundsIsATrap(Engine engine) throws Exception {
        String message = errorMessage(exitOf(outcomes(engine, "load_far").build()));
        assertTrue(message.startsWith("trap: out of bounds memory access"), message);
        assertTrue(message.endsWith(" in load_far"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFunctionWithoutANameIsNamedByIndex(Engine engine) throws Exception {
        String message = errorMessage(exitOf(outcomes(engine, "anonymous_trap").build()));
        assertTrue(message.matches("trap: .* in func\\[\\d+\\]"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void deepRecursionExhaustsTheCallStackAndTheNodeCarriesOn(Engine engine) throws Exception {
        ExitReason reason = exitOf(outcomes(engine, "recurse", 0L).build());
        assertEquals(new ExitReason.LimitExceeded(ExitReason.Limit.STACK_BYTES, 1L << 20,
                "trap: call stack exhausted in recurse (max stack 1 MiB)"), reason);
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "add", 1L, 1).build()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aHostExitEndsTheProcessWithItsCode(Engine engine) throws Exception {
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "do_exit", 0).build()));
        ExitReason three = exitOf(outcomes(engine, "do_exit", 3).build());
        assertEquals(new ExitReason.ExitCode(3), three);
        assertEquals(ExitReason.NORMAL, ExitReason.exitCode(0));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFailingHostFunctionIsNamed(Engine engine) throws Exception {
        ExitReason reason = exitOf(outcomes(engine, "do_boom").build());
        assertEquals("host function env::boom failed: java.lang.IllegalStateException: boom!", errorMessage(reason));
        assertInstanceOf(IllegalStateException.class, ((ExitReason.Error) reason).cause());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aHostFunctionThatTrapsIsATrapInThatFunction(Engine engine) throws Exception {
        ExitReason reason = exitOf(WasmProcess.builder(load("outcomes.wasm", engine), "do_boom")
                .hostFunctions(ctx -> ImportValues.builder()
                        .addFunction(outcomeHost(ctx).function(0))
                        .addFunction(new HostFunction("env", "boom", FunctionType.of(List.of(), List.of()),
                                (instance, args) -> {
                                    throw new TrapException("env::boom is not implemented yet");
                                }))
                        .build())
                .build());
        assertEquals("trap: env::boom is not implemented yet in env::boom", errorMessage(reason));
    }

    @Test
    void hostFunctionsThatCannotBeMadeMeanNoInstance() throws Exception {
        ExitReason reason = exitOf(WasmProcess.builder(load("outcomes.wasm", Engine.COMPILER), "add")
                .args(1L, 1)
                .hostFunctions(ctx -> {
                    throw new IllegalStateException("no config");
                })
                .build());
        assertEquals(new ExitReason.CannotInstantiate(false,
                "cannot instantiate: the host functions failed: java.lang.IllegalStateException: no config"), reason);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void killStopsAGuestLoopThatNeverCallsTheHost(Engine engine) throws Exception {
        MonitoredPid neighbour = me.spawnMonitor(ctx -> {
            while (true) {
                Message m = ctx.receive();
                ctx.send((Pid) m.payload(), "pong");
            }
        });
        Pid self = me.self();
        AtomicReference<Thread> guestThread = new AtomicReference<>();
        MonitoredPid spinner = me.spawnMonitor(WasmProcess.builder(load("echo.wasm", engine), "announce_and_spin")
                .hostFunctions(ctx -> {
                    guestThread.set(Thread.currentThread());
                    return echoHost(ctx, null, self);
                })
                .build());
        // the guest says it is about to enter (loop br 0); after this it never calls the host again
        Message announced = me.receive(MessageFilter.payloadOf(Reply.class), WAIT);
        assertNotNull(announced, "the guest did not start");
        assertEquals(new Reply(spinner.pid(), 7), announced.payload());
        me.exit(spinner.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, awaitDown(spinner));
        // the DOWN comes from the killer's thread; the guest's own thread must stop spinning too
        guestThread.get().join(WAIT);
        assertFalse(guestThread.get().isAlive(), "the killed guest is still running");

        me.send(neighbour.pid(), me.self());
        assertNotNull(me.receive(m -> "pong".equals(m.payload()), WAIT), "the neighbour stopped answering");
        assertEquals(ExitReason.NORMAL, exitOf(outcomes(engine, "add", 1L, 2).build()), "the node stopped working");
        me.exit(neighbour.pid(), ExitReason.KILL);
        awaitDown(neighbour);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anyExitSignalStopsAGuestLoop(Engine engine) throws Exception {
        AtomicReference<Thread> guestThread = new AtomicReference<>();
        MonitoredPid spinner = me.spawnMonitor(outcomes(engine, "spin")
                .hostFunctions(ctx -> {
                    guestThread.set(Thread.currentThread());
                    return outcomeHost(ctx);
                })
                .build());
        me.exit(spinner.pid(), ExitReason.custom("go away"));
        assertEquals(ExitReason.custom("go away"), awaitDown(spinner));
        Thread thread = guestThread.get();
        if (thread != null) { // null if the signal came before the process started
            thread.join(WAIT);
            assertFalse(thread.isAlive(), "the guest is still running");
        }
    }

    // ------------------------------------------------------------------ instantiation

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anUnknownImportCannotInstantiate(Engine engine) throws Exception {
        ExitReason reason = exitOf(WasmProcess.builder(load("unknown_import.wasm", engine), "run").build());
        assertEquals(new ExitReason.CannotInstantiate(true,
                "cannot instantiate: unknown import lunatic::process::process_id (func (result i64))"), reason);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anImportOfTheWrongTypeCannotInstantiate(Engine engine) throws Exception {
        ExitReason reason = exitOf(WasmProcess.builder(load("unknown_import.wasm", engine), "run")
                .hostFunctions(ctx -> ImportValues.builder()
                        .addFunction(new HostFunction("lunatic::process", "process_id",
                                FunctionType.of(List.of(ValType.I32), List.of(ValType.I64)),
                                (instance, args) -> new long[] {1}))
                        .build())
                .build());
        assertTrue(assertInstanceOf(ExitReason.CannotInstantiate.class, reason).unlinkable());
        String message = reason.describe();
        assertTrue(message.startsWith("cannot instantiate: import lunatic::process::process_id (func (result i64))"),
                message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aMemoryAboveTheLimitCannotInstantiate(Engine engine) throws Exception {
        ExitReason reason = exitOf(outcomes(engine, "add", 1L, 2).maxMemoryPages(0).build());
        ExitReason.LimitExceeded limit = assertInstanceOf(ExitReason.LimitExceeded.class, reason);
        assertEquals(ExitReason.Limit.MEMORY_BYTES, limit.limit());
        assertEquals(0, limit.max());
        assertTrue(limit.message().startsWith("cannot instantiate: memory of 1 pages"), limit.message());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void tablesAreCappedAtInstantiationAndOnGrow(Engine engine) throws Exception {
        WasmModule tables = load("tables.wasm", engine);
        assertEquals(new ExitReason.LimitExceeded(ExitReason.Limit.TABLE_ELEMENTS, 100,
                        "cannot instantiate: table of 200 elements exceeds the limit of 100 elements"),
                exitOf(WasmProcess.builder(tables, "check").maxTableElements(100).build()));
        assertEquals(ExitReason.NORMAL, exitOf(WasmProcess.builder(tables, "check").maxTableElements(300)
                .build()), "grow beyond the cap gives -1, within it works");
        assertEquals(100_000, WasmProcess.DEFAULT_MAX_TABLE_ELEMENTS);
    }

    @Test
    void argumentsAreCheckedBeforeSpawning() throws Exception {
        WasmModule module = load("outcomes.wasm", Engine.INTERPRETER);
        var wrongCount = assertThrows(IllegalArgumentException.class,
                () -> WasmProcess.builder(module, "add").args(1L).build());
        assertEquals("add (param i64 i32) (result i64) takes 2 arguments, got 1", wrongCount.getMessage());
        var wrongType = assertThrows(IllegalArgumentException.class,
                () -> WasmProcess.builder(module, "add").args(1, 2).build());
        assertEquals("argument 1 of add (param i64 i32) (result i64) is an i64 and needs a Long, got Integer 1",
                wrongType.getMessage());
        var noExport = assertThrows(IllegalArgumentException.class,
                () -> WasmProcess.builder(module, "nope").build());
        assertTrue(noExport.getMessage().startsWith("the module exports no function 'nope'"), noExport.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WasmProcess.builder(module, "add").maxMemoryPages(-1));
    }

    // ------------------------------------------------------------------ messages

    record Request(Pid replyTo, long value) {}

    record Reply(Pid from, long value) {}

    record Ready(Pid pid) {}

    /**
     * env::receive takes a {@link Request} (after telling {@code readyTo}, if set, that it is about
     * to block); env::send answers the last request's sender.
     */
    private static ImportValues echoHost(ProcessContext ctx, Pid readyTo) {
        return echoHost(ctx, readyTo, null);
    }

    /** As above; env::send answers {@code sendTo} until a request names a sender. */
    private static ImportValues echoHost(ProcessContext ctx, Pid readyTo, Pid sendTo) {
        Pid[] replyTo = {sendTo};
        return ImportValues.builder()
                .addFunction(new HostFunction("env", "receive", FunctionType.of(List.of(), List.of(ValType.I64)),
                        (instance, args) -> {
                            if (readyTo != null) {
                                ctx.send(readyTo, new Ready(ctx.self()));
                            }
                            Request request = (Request) ctx.receive(MessageFilter.payloadOf(Request.class)).payload();
                            replyTo[0] = request.replyTo();
                            return new long[] {request.value()};
                        }))
                .addFunction(new HostFunction("env", "send", FunctionType.of(List.of(ValType.I64), List.of()),
                        (instance, args) -> {
                            ctx.send(replyTo[0], new Reply(ctx.self(), args[0]));
                            return null;
                        }))
                .build();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestExchangesMessagesWithAJavaProcess(Engine engine) throws Exception {
        MonitoredPid echo = me.spawnMonitor(WasmProcess.builder(load("echo.wasm", engine), "echo")
                .args(3L)
                .hostFunctions(ctx -> echoHost(ctx, null))
                .build());
        me.send(echo.pid(), new Request(me.self(), 14));
        Message reply = me.receive(MessageFilter.payloadOf(Reply.class), WAIT);
        assertNotNull(reply, "no reply");
        assertEquals(new Reply(echo.pid(), 42), reply.payload());
        assertEquals(ExitReason.NORMAL, awaitDown(echo));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aThousandGuestsBlockedInReceiveAllAnswer(Engine engine) throws Exception {
        WasmModule module = load("echo.wasm", engine);
        Pid self = me.self();
        ProcessBody body = WasmProcess.builder(module, "echo")
                .args(2L)
                .hostFunctions(ctx -> echoHost(ctx, self))
                .build();
        int n = 1_000;
        Set<Pid> pids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            pids.add(me.spawn(body));
        }
        // every instance is parked in a host receive at the same time, on its own virtual thread
        Set<Pid> ready = new HashSet<>();
        while (ready.size() < n) {
            Message m = me.receive(MessageFilter.payloadOf(Ready.class), WAIT);
            assertNotNull(m, "only " + ready.size() + " of " + n + " guests got to receive");
            ready.add(((Ready) m.payload()).pid());
        }
        assertEquals(pids, ready);
        long i = 0;
        for (Pid pid : pids) {
            me.send(pid, new Request(self, i++));
        }
        long sum = 0;
        Set<Pid> answered = new HashSet<>();
        for (int k = 0; k < n; k++) {
            Message m = me.receive(MessageFilter.payloadOf(Reply.class), WAIT);
            assertNotNull(m, "only " + k + " of " + n + " guests answered");
            Reply reply = (Reply) m.payload();
            answered.add(reply.from());
            sum += reply.value();
        }
        assertEquals(pids, answered);
        assertEquals(2L * n * (n - 1) / 2, sum);
    }
}
