package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lunatic::registry and lunatic::process::spawn with real WAT guests (wasm/lunatic/spawn_registry.wat)
 * on both engines.
 */
class LunaticSpawnRegistryHostTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int SVC = 0x100;
    private static final int GONE = 0x110;
    private static final int BAD_UTF8 = 0x120;

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

    private static ProcessBody guest(Engine engine, String export, Object... args) throws Exception {
        WasmModule module = new ModuleLoader().load(LunaticMessagingHostTest.fixture("spawn_registry.wasm"), engine);
        return LunaticHost.builder().build().processBody(module, WasmConfig.defaults(), export, args);
    }

    private Message next() {
        Message m = me.receive(msg -> msg.tag() == 0 && msg.payload() instanceof DataMessage, WAIT);
        assertNotNull(m, "no report within " + WAIT);
        return m;
    }

    private long[] report() {
        ByteBuffer buf = ByteBuffer.wrap(((DataMessage) next().payload()).data()).order(ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[buf.remaining() / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = buf.getLong();
        }
        return values;
    }

    private ExitReason awaitDown(MonitoredPid child) {
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), WAIT);
        assertNotNull(down, child.pid() + " did not exit within " + WAIT);
        return ((DownMessage) down.payload()).reason();
    }

    private static String errorMessage(ExitReason reason) {
        return assertInstanceOf(ExitReason.Error.class, reason, () -> "not an error: " + reason).message();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestFindsAnotherByNameAndSendsItAMessage(Engine engine) throws Exception {
        MonitoredPid registrar = me.spawnMonitor(guest(engine, "registrar", SVC, 3, me.self().serial()));
        assertArrayEquals(new long[] {0}, report()); // registered
        assertEquals(registrar.pid(), me.whereis("svc"));
        MonitoredPid lookup = me.spawnMonitor(guest(engine, "lookup", SVC, 3, 4242L, me.self().serial()));
        // two reports in either order: the lookup's [code, node, pid], the registrar's [value received]
        long[] first = report();
        long[] second = report();
        long[] found = first.length == 3 ? first : second;
        long[] received = first.length == 3 ? second : first;
        assertArrayEquals(new long[] {0, 0, registrar.pid().serial()}, found); // node 0: a node alone
        assertArrayEquals(new long[] {4242}, received); // the registrar got the message
        assertEquals(ExitReason.NORMAL, awaitDown(lookup));
        assertEquals(ExitReason.NORMAL, awaitDown(registrar));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void putOverwritesGetOfAnUnknownNameIsOneAndNamesOfDeadProcessesAreGone(Engine engine) throws Exception {
        Pid holder = me.spawn(ctx -> ctx.receive());
        runtime.register("gone", holder);
        // put overwrites the name, as in Lunatic
        MonitoredPid ended = me.spawnMonitor(guest(engine, "register_and_end", GONE, 4));
        assertEquals(ExitReason.NORMAL, awaitDown(ended));
        // ... and the name of the ended process is gone (Weft's fix of Lunatic)
        assertNull(me.whereis("gone"));
        MonitoredPid lookup = me.spawnMonitor(guest(engine, "lookup", GONE, 4, 1L, me.self().serial()));
        assertArrayEquals(new long[] {1, -1, -1}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(lookup));
        lookup = me.spawnMonitor(guest(engine, "lookup", SVC, 3, 1L, me.self().serial()));
        assertArrayEquals(new long[] {1, -1, -1}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(lookup));

        me.register("svc");
        MonitoredPid remover = me.spawnMonitor(guest(engine, "remove", SVC, 3));
        assertEquals(ExitReason.NORMAL, awaitDown(remover));
        assertNull(me.whereis("svc"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void badNamesTrapNamingTheFunction(Engine engine) throws Exception {
        String utf8 = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "lookup", BAD_UTF8, 2, 1L, 1L))));
        assertTrue(utf8.contains("lunatic::registry::get: the string at 0x120 (length 2) is not valid UTF-8"), utf8);
        String out = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "register_and_end", 0xFFFF, 4))));
        assertTrue(out.contains("lunatic::registry::put: pointer 0xffff + length 4 is outside"), out);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestSpawnsAnExportOfItsOwnModuleWithArguments(Engine engine) throws Exception {
        MonitoredPid parent = me.spawnMonitor(guest(engine, "parent", me.self().serial()));
        long[] r = report();
        assertEquals(4, r.length);
        assertArrayEquals(new long[] {0, 0, 42}, new long[] {r[0], r[1], r[2]});
        assertTrue(r[3] > parent.pid().serial(), "child id " + r[3]);
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aLinkedChildThatTrapsArrivesAsLinkDiedWithTheTag(Engine engine) throws Exception {
        MonitoredPid parent = me.spawnMonitor(guest(engine, "link_parent", me.self().serial()));
        assertArrayEquals(new long[] {0, LunaticHost.LINK_DIED, 99}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void spawningAnUnknownExportReturnsAnError(Engine engine) throws Exception {
        MonitoredPid parent = me.spawnMonitor(guest(engine, "spawn_unknown", me.self().serial()));
        assertArrayEquals(new long[] {1}, report());
        String error = new String(((DataMessage) next().payload()).data(), StandardCharsets.UTF_8);
        assertTrue(error.contains("no_such_export"), error);
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void badSpawnsTrap(Engine engine) throws Exception {
        String params = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "spawn_bad_params"))));
        assertTrue(params.contains("lunatic::process::spawn: the parameter records are 16 bytes long, not a multiple"
                + " of 17"), params);
        String config = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "spawn_config"))));
        assertTrue(config.contains("lunatic::process::spawn: unknown config id 5"), config);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void spawnedProcessesGetTheOtherImportsToo(Engine engine) throws Exception {
        WasmModule module = new ModuleLoader().load(LunaticMessagingHostTest.fixture("spawn_registry.wasm"), engine);
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        LunaticHost host = LunaticHost.builder().otherImports(ctx -> {
            made.incrementAndGet();
            return java.util.List.of();
        }).build();
        ProcessBody body = host.processBody(module, WasmConfig.builder().withMaxMemoryBytes(4 * 65536).build(), "parent",
                me.self().serial());
        MonitoredPid parent = me.spawnMonitor(body);
        assertEquals(42, report()[2]);
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
        assertEquals(2, made.get());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void getOrSpawnSpawnsAndRegistersOnceThenFinds(Engine engine) throws Exception {
        MonitoredPid first = me.spawnMonitor(guest(engine, "get_or_spawn_waiter", me.self().serial()));
        long[] spawned = report();
        assertEquals(0, spawned[0]);
        assertEquals(0, spawned[1], "node 0: a node alone");
        Pid waiter = new Pid(me.self().node(), spawned[2]);
        assertEquals(waiter, me.whereis("shared"));
        assertEquals(ExitReason.NORMAL, awaitDown(first));
        MonitoredPid second = me.spawnMonitor(guest(engine, "get_or_spawn_waiter", me.self().serial()));
        assertArrayEquals(new long[] {2, 0, waiter.serial()}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(second));
        MonitoredPid watched = new MonitoredPid(waiter, me.monitor(waiter));
        me.send(waiter, new DataMessage(new byte[0]));
        assertEquals(ExitReason.NORMAL, awaitDown(watched));
        assertNull(me.whereis("shared"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void theStaticHostCannotSpawn(Engine engine) throws Exception {
        WasmModule module = new ModuleLoader().load(LunaticMessagingHostTest.fixture("spawn_registry.wasm"), engine);
        ProcessBody body = WasmProcess.builder(module, "parent").args(me.self().serial())
                .hostFunctions(LunaticHost::importValues).build();
        String message = errorMessage(awaitDown(me.spawnMonitor(body)));
        assertTrue(message.contains("lunatic::process::spawn: this process was started without a module and config"),
                message);
    }
}
