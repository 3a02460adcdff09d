package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lunatic::process configs and permissions, compile_module / drop_module, modules in messages,
 * lunatic::wasi's config helpers, lunatic::distributed on one node and registry put of another
 * process, with the C guest {@code guests/configs.c}.
 */
class ConfigsHostTest {

    private static final Duration WAIT = GuestSession.WAIT;
    private static final long FOUR_GIB = 1L << 32;

    private GuestSession session;
    private AttachedProcess me;
    private ModuleLoader loader;
    private LunaticHost host;
    private byte[] moduleBytes;

    @BeforeEach
    void start() throws Exception {
        open(new GuestSession("configs.wasm"));
    }

    private void open(GuestSession s) {
        session = s;
        me = s.me;
        loader = s.loader;
        host = s.host;
        moduleBytes = s.moduleBytes;
    }

    @AfterEach
    void stop() {
        session.close();
    }

    private MonitoredPid spawn(Engine engine, WasmConfig config, String export, Object... args) throws Exception {
        return session.spawn(engine, config, export, args);
    }

    private MonitoredPid spawn(String export, Object... args) throws Exception {
        return session.spawn(export, args);
    }

    private long to() {
        return session.to();
    }

    private byte[] next() {
        return session.next();
    }

    private long[] report() {
        return session.report();
    }

    private List<long[]> reports(int n) {
        return session.reports(n);
    }

    private static long[] ofLength(List<long[]> reports, int length) {
        long[] found = null;
        for (long[] r : reports) {
            if (r.length == length) {
                assertNull(found, "two reports of length " + length);
                found = r;
            }
        }
        assertNotNull(found, "no report of length " + length);
        return found;
    }

    /** The one-value reports, sorted. */
    private static long[] singles(List<long[]> reports) {
        return reports.stream().filter(r -> r.length == 1).mapToLong(r -> r[0]).sorted().toArray();
    }

    private ExitReason awaitDown(MonitoredPid child) {
        return session.awaitDown(child);
    }

    private static String errorMessage(ExitReason reason) {
        return GuestSession.errorMessage(reason);
    }

    // ---------------------------------------------------------------- configs

    @Test
    void aNewConfigDeniesEverythingUntilSetAndIdsAreNotReused() throws Exception {
        MonitoredPid guest = spawn("config_values", to());
        long[] v = report();
        assertArrayEquals(new long[] {FOUR_GIB, 0, 0, 0, 0, 1 << 20, 7, 1, 1, 1}, java.util.Arrays.copyOf(v, 10));
        assertNotEquals(v[10], v[11]);
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void aDroppedConfigIsGone() throws Exception {
        String message = errorMessage(awaitDown(spawn("dropped_config")));
        assertTrue(message.contains("lunatic::process::config_get_max_memory: unknown config id"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aChildRunsWithTheConfigItWasSpawnedWith(Engine engine) throws Exception {
        MonitoredPid parent = spawn(engine, WasmConfig.defaults(), "spawn_probe", to(), 7);
        List<long[]> r = reports(5);
        long[] probe = ofLength(r, 9);
        long pages = probe[0];
        assertEquals(pages, probe[1], "the first page more fits under the config's cap");
        assertEquals(-1, probe[2], "the second does not");
        assertTrue(probe[3] > 0, "may create configs");
        assertEquals(1, probe[4], "may compile (the junk byte is an error, not a refusal)");
        assertArrayEquals(new long[] {1, "GREETING=hello\0".length(), 1, "probe\0".length()},
                java.util.Arrays.copyOfRange(probe, 5, 9), "WASI sees the config's environment and arguments");
        assertArrayEquals(new long[] {0, 0, 3}, singles(r), "both spawns worked; the probe's child ran");
        assertArrayEquals(new long[] {LunaticHost.TIMEOUT, 0}, ofLength(r, 2), "the probe ended normally");
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @Test
    void aChildWithoutPermissionsCannotCompileCreateConfigsOrSpawn() throws Exception {
        MonitoredPid parent = spawn("spawn_probe", to(), 0);
        List<long[]> r = reports(3);
        long[] probe = ofLength(r, 9);
        assertEquals(-1, probe[3], "create_config refused");
        assertEquals(-1, probe[4], "compile_module refused");
        assertArrayEquals(new long[] {0}, singles(r), "the parent's spawn worked");
        assertArrayEquals(new long[] {LunaticHost.LINK_DIED, 7}, ofLength(r, 2),
                "the probe's spawn trapped it, and the parent heard through the link");
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @Test
    void aConfigNeverGrantsAChildMoreThanItsCreatorHolds() throws Exception {
        // the parent may not compile; the config it makes says the child may: the child still may not
        WasmConfig parentConfig = WasmConfig.builder().withCanCompileModules(false).build();
        MonitoredPid parent = spawn(Engine.COMPILER, parentConfig, "spawn_probe", to(), 7);
        List<long[]> r = reports(5);
        long[] probe = ofLength(r, 9);
        assertTrue(probe[3] > 0, "may create configs: the parent may too");
        assertEquals(-1, probe[4], "compile_module refused: the parent may not compile");
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    @Test
    void theInheritedConfigIsTheParentsOwn() throws Exception {
        WasmConfig parentConfig = WasmConfig.builder().withCanCompileModules(false).withEnv("A", "1")
                .withArgs("x", "y").build();
        MonitoredPid parent = spawn(Engine.COMPILER, parentConfig, "inherit_probe", to());
        List<long[]> r = reports(3);
        long[] probe = ofLength(r, 9);
        assertTrue(probe[3] > 0);
        assertEquals(-1, probe[4]);
        assertArrayEquals(new long[] {1, "A=1\0".length(), 2, "x\0y\0".length()}, java.util.Arrays.copyOfRange(probe, 5, 9));
        assertArrayEquals(new long[] {0, 3}, singles(r));
        assertEquals(ExitReason.NORMAL, awaitDown(parent));
    }

    // ---------------------------------------------------------------- modules

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aCompiledModuleSpawnsProcesses(Engine engine) throws Exception {
        MonitoredPid guest = spawn(engine, WasmConfig.defaults(), "compile", to());
        me.send(guest.pid(), new DataMessage(moduleBytes));
        assertArrayEquals(new long[] {0}, report(), "compiled");
        assertArrayEquals(new long[] {0, 42}, singles(reports(2)), "spawned; the child of the new module ran");
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void compilingJunkGivesAnErrorWithTheReason() throws Exception {
        MonitoredPid guest = spawn("compile", to());
        me.send(guest.pid(), new DataMessage("not wasm".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new long[] {1}, report());
        String error = new String(next(), StandardCharsets.UTF_8);
        assertTrue(error.toLowerCase(java.util.Locale.ROOT).contains("wasm"), error);
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void compilingWithoutPermissionIsRefused() throws Exception {
        MonitoredPid guest = spawn(Engine.COMPILER, WasmConfig.builder().withCanCompileModules(false).build(),
                "compile", to());
        me.send(guest.pid(), new DataMessage(moduleBytes));
        assertArrayEquals(new long[] {-1}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void aDroppedModuleIsGone() throws Exception {
        MonitoredPid guest = spawn("drop_twice");
        me.send(guest.pid(), new DataMessage(moduleBytes));
        String message = errorMessage(awaitDown(guest));
        assertTrue(message.contains("lunatic::process::drop_module: unknown module id"), message);
    }

    @Test
    void aModuleTravelsInAMessage() throws Exception {
        MonitoredPid guest = spawn("send_module", to());
        me.send(guest.pid(), new DataMessage(moduleBytes));
        // [index 0] from the sender, [spawn code 0] from the taker, [3] from the taker's child
        assertArrayEquals(new long[] {0, 0, 3}, singles(reports(3)));
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    // ---------------------------------------------------------------- lunatic::wasi::config_preopen_dir

    @Test
    void aConfigPreopensOnlyWhatItsCreatorCanReach(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("sub"));
        WasmConfig parent = WasmConfig.builder().withDirectory("/data", tmp).build();
        for (String inside : List.of("/data", "/data/sub", "/data/sub/../sub")) {
            MonitoredPid guest = spawn(Engine.COMPILER, parent, "preopen", to());
            me.send(guest.pid(), new DataMessage(inside.getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals(new long[] {0, 21}, singles(reports(2)), inside);
            assertEquals(ExitReason.NORMAL, awaitDown(guest));
        }
        for (String outside : List.of("/etc", "/data/..", "/data/../etc", "data", "/dat")) {
            MonitoredPid guest = spawn(Engine.COMPILER, parent, "preopen", to());
            me.send(guest.pid(), new DataMessage(outside.getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals(new long[] {1}, report(), outside);
            String error = new String(next(), StandardCharsets.UTF_8);
            assertTrue(error.contains("preopens '" + outside + "', which is not inside a directory"), error);
            assertEquals(ExitReason.NORMAL, awaitDown(guest));
        }
    }

    @Test
    void resolvingDirectoriesStaysInsideThePreopenedOnes(@TempDir Path tmp) {
        WasmConfig config = WasmConfig.builder().withDirectory(".", tmp).withDirectory("/srv", tmp.resolve("srv")).build();
        assertEquals(tmp.resolve("a/b").toAbsolutePath().normalize(), config.resolveDirectory("a/b"));
        assertEquals(tmp.toAbsolutePath().normalize(), config.resolveDirectory("."));
        assertEquals(tmp.resolve("srv/www").toAbsolutePath().normalize(), config.resolveDirectory("/srv/www"));
        assertNull(config.resolveDirectory(".."));
        assertNull(config.resolveDirectory("a/../../x"));
        assertNull(config.resolveDirectory("/srv/../etc"));
        assertNull(config.resolveDirectory("/etc"));
    }

    @Test
    void limitingAConfigTakesTheLesserOfEach() {
        WasmConfig creator = WasmConfig.builder().withMaxMemoryBytes(1 << 20).withMaxFuel(10)
                .withCanCompileModules(false).build();
        WasmConfig wanted = WasmConfig.builder().withMaxMemoryBytes(FOUR_GIB).withMaxFuel(0).build();
        WasmConfig child = wanted.limitedBy(creator);
        assertEquals(1 << 20, child.maxMemoryBytes());
        assertEquals(10, child.maxFuel());
        assertEquals(false, child.canCompileModules());
        assertEquals(true, child.canSpawnProcesses());
        assertEquals(5, WasmConfig.builder().withMaxFuel(5).build().limitedBy(creator).maxFuel());
        assertEquals(5, WasmConfig.builder().withMaxFuel(5).build().limitedBy(WasmConfig.defaults()).maxFuel());
        assertEquals(10, WasmConfig.builder().withMaxTableElements(1000).build()
                .limitedBy(WasmConfig.builder().withMaxTableElements(10).build()).maxTableElements());
    }

    // ---------------------------------------------------------------- limits

    @Test
    void aMessageLargerThanTheLimitTrapsItsBuilder() throws Exception {
        WasmConfig small = WasmConfig.builder().withMaxMessageBytes(1000).build();
        MonitoredPid fits = spawn(Engine.COMPILER, small, "big_message", to(), 1000);
        Message m = me.receive(msg -> msg.tag() == 9, WAIT);
        assertNotNull(m);
        assertEquals(1000, ((DataMessage) m.payload()).data().length);
        assertEquals(ExitReason.NORMAL, awaitDown(fits));
        String message = errorMessage(awaitDown(spawn(Engine.COMPILER, small, "big_message", to(), 1001)));
        assertTrue(message.contains("lunatic::message::write_data: the message would be 1001 bytes, more than the"
                + " limit of 1000 bytes"), message);
        assertEquals(4096, WasmConfig.builder().withMaxMessageBytes(4096).build()
                .limitedBy(WasmConfig.defaults()).maxMessageBytes(), "a child gets the smaller limit");
    }

    @Test
    void aSpawnBeyondTheNodesProcessLimitReturnsAnError() throws Exception {
        session.close();
        open(new GuestSession("configs.wasm", 3)); // 1: me, 2: the guest, 3: its first waiter; the second spawn is refused
        MonitoredPid guest = spawn("spawn_two", to());
        assertArrayEquals(new long[] {0, 1}, report());
        String error = new String(next(), StandardCharsets.UTF_8);
        assertTrue(error.contains("cannot spawn 'waiter': the node's limit of 3 processes is reached"), error);
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    // ---------------------------------------------------------------- lunatic::distributed, one node

    @Test
    void distributedFunctionsAnswerForTheOneNode() throws Exception {
        MonitoredPid guest = spawn("distributed", to());
        List<long[]> r = reports(2);
        long[] v = ofLength(r, 8);
        assertEquals(0, v[0], "a node alone is node 0, as under lunatic run");
        assertArrayEquals(new long[] {0, 0, 0}, java.util.Arrays.copyOfRange(v, 1, 4), "and knows no nodes");
        assertEquals(host.moduleId(loader.load(moduleBytes)), v[4]);
        assertArrayEquals(new long[] {0, 1, 2}, java.util.Arrays.copyOfRange(v, 5, 8),
                "spawn here works; another node is not found; an unknown module id is not found");
        assertArrayEquals(new long[] {11}, ofLength(r, 1));
        Message sent = me.receive(m -> m.tag() == 5, WAIT);
        assertNotNull(sent);
        assertArrayEquals("d".getBytes(StandardCharsets.UTF_8), ((DataMessage) sent.payload()).data());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void sendingToAnotherNodeTraps() throws Exception {
        String message = errorMessage(awaitDown(spawn("send_elsewhere", to())));
        assertTrue(message.contains("lunatic::distributed::send: node 1"
                + " is not connected to this one"), message);
    }

    // ---------------------------------------------------------------- lunatic::registry with node ids

    @Test
    void putWithThisNodesIdZeroRegistersAndGetAnswersNodeZero() throws Exception {
        MonitoredPid guest = spawn("register_self_on", to(), 0L);
        long[] v = report();
        assertArrayEquals(new long[] {0, 0, v[3], v[3]}, v, "found, on node 0, the guest itself");
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @Test
    void putWithAnotherNodesIdTrapsSayingSo() throws Exception {
        String message = errorMessage(awaitDown(spawn("register_self_on", to(), 7L)));
        assertTrue(message.contains("lunatic::registry::put: registering a process of node 7 is not implemented yet"
                + " (this node is 0, and it is not part of a cluster)"), message);
    }

    // ---------------------------------------------------------------- lunatic::registry::put of another process

    @Test
    void putRegistersAnotherLiveProcessUntilItEnds() throws Exception {
        MonitoredPid guest = spawn("register_other", to());
        Pid waiter = new Pid(me.self().node(), report()[0]);
        assertEquals(waiter, me.whereis("other"));
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
        MonitoredPid watched = new MonitoredPid(waiter, me.monitor(waiter));
        me.send(waiter, new DataMessage(new byte[0]));
        assertEquals(ExitReason.NORMAL, awaitDown(watched));
        assertNull(me.whereis("other"));
    }
}
