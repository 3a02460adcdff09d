package dev.weft.node;

import dev.weft.hostapi.WasmConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.DataMessage;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.StartedProcess;
import dev.weft.process.Pid;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.WasmModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NodeWasmTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private Node node;

    @BeforeEach
    void start() {
        node = Node.builder().name("wasm-test").build();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NodeWasmTest.class.getResourceAsStream("/wasm/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    @Test
    void loadingTheSameModuleTwiceGivesTheSameModule(@TempDir Path dir) throws Exception {
        byte[] bytes = resource("guest.wasm");
        WasmModule a = node.loadModule(bytes);
        WasmModule b = node.loadModule(bytes.clone());
        Path file = dir.resolve("guest.wasm");
        Files.write(file, bytes);
        WasmModule c = node.loadModule(file);
        assertSame(a, b);
        assertSame(a, c);
        assertEquals(Engine.COMPILER, a.engine());
        WasmModule interpreted = node.loadModule(bytes, Engine.INTERPRETER);
        assertEquals(Engine.INTERPRETER, interpreted.engine());
        assertSame(interpreted, node.loadModule(file, Engine.INTERPRETER));
    }

    @Test
    void malformedBytesAreRefusedWithAClearMessage() {
        ModuleLoadException notWasm = assertThrows(ModuleLoadException.class,
                () -> node.loadModule("hello, world".getBytes(StandardCharsets.UTF_8)));
        assertEquals(ModuleLoadException.Kind.NOT_WASM, notWasm.kind());
        assertTrue(notWasm.getMessage().toLowerCase().contains("wasm"), notWasm.getMessage());

        byte[] truncated = new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 100};
        ModuleLoadException malformed = assertThrows(ModuleLoadException.class, () -> node.loadModule(truncated));
        assertTrue(malformed.getMessage() != null && !malformed.getMessage().isBlank());

        ModuleLoadException missing = assertThrows(ModuleLoadException.class,
                () -> node.loadModule(Path.of("no/such/module.wasm")));
        assertEquals(ModuleLoadException.Kind.UNREADABLE, missing.kind());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestSendsATaggedDataMessageToAJavaProcess(Engine engine) throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"), engine);
        try (AttachedProcess me = node.attach()) {
            StartedProcess guest = node.startWasm(module, "greet", me.self().serial(), 77L);
            Message m = me.receive(WAIT);
            assertNotNull(m, "no message from the guest");
            assertEquals(77L, m.tag());
            DataMessage data = assertInstanceOf(DataMessage.class, m.payload());
            assertEquals("hello from wasm", new String(data.data(), StandardCharsets.UTF_8));
            assertEquals(ExitReason.NORMAL, guest.awaitExit(WAIT));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void javaAndAGuestExchangeTaggedData(Engine engine) throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"), engine);
        try (AttachedProcess me = node.attach()) {
            StartedProcess guest = node.startWasm(module, "echo", me.self().serial(), 5);
            node.sendData(guest.pid(), 10, new byte[] {1, 2, 3});
            Message m = me.receive(WAIT);
            assertNotNull(m, "no reply from the guest");
            assertEquals(15L, m.tag());
            assertArrayEquals(new byte[] {1, 2, 3}, assertInstanceOf(DataMessage.class, m.payload()).data());
            assertEquals(ExitReason.NORMAL, guest.awaitExit(WAIT));

            // a plain send with a DataMessage works as well
            Pid second = node.spawnWasm(module, "echo", me.self().serial(), 0);
            var secondExit = node.whenExited(second); // it waits for the message: no race
            node.send(second, 3, new DataMessage("abc".getBytes(StandardCharsets.UTF_8)));
            Message m2 = me.receive(WAIT);
            assertEquals(3L, m2.tag());
            assertEquals("abc", new String(((DataMessage) m2.payload()).data(), StandardCharsets.UTF_8));
            assertEquals(ExitReason.NORMAL, secondExit.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void procExitGivesTheExitCodeAsTheReason() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        assertEquals(ExitReason.NORMAL, node.startWasm(module, "exit_with", 0).awaitExit(WAIT));
        ExitReason reason = node.startWasm(module, "exit_with", 4).awaitExit(WAIT);
        assertEquals(new ExitReason.ExitCode(4), reason);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aTrapIsTheExitReason(Engine engine) throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"), engine);
        ExitReason reason = node.startWasm(module, "boom").awaitExit(WAIT);
        ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason);
        assertTrue(error.message().contains("unreachable"), error.message());
    }

    @Test
    void aGuestOverMaxMemoryCannotInstantiate() throws Exception {
        WasmModule module = node.loadModule(resource("big_memory.wasm"));
        WasmConfig small = WasmConfig.builder().withMaxMemoryBytes(2 * 65536).build();
        ExitReason reason = node.startWasm(module, small, "run").awaitExit(WAIT);
        ExitReason.LimitExceeded limit = assertInstanceOf(ExitReason.LimitExceeded.class, reason);
        assertEquals(ExitReason.Limit.MEMORY_BYTES, limit.limit());
        assertEquals(2 * 65536, limit.max());
        assertTrue(limit.message().startsWith("cannot instantiate"), limit.message());
        // with room it runs
        WasmConfig room = WasmConfig.builder().withMaxMemoryBytes(8 * 65536).build();
        assertEquals(ExitReason.NORMAL, node.startWasm(module, room, "run").awaitExit(WAIT));
    }

    @Test
    void aBadExportOrBadArgumentsAreRefusedAtSpawn() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        assertThrows(IllegalArgumentException.class, () -> node.spawnWasm(module, "nope"));
        assertThrows(IllegalArgumentException.class, () -> node.spawnWasm(module, "greet", 1, 2));
    }

    @Test
    void aFailedProcessIsReportedOnceNotAgainForTheProcessesItsFailureKilled() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Node reporting = Node.builder().name("reporting").crashReports(reports::add).build()) {
            WasmModule module = reporting.loadModule(resource("guest.wasm"));
            StartedProcess linker = reporting.start(ctx -> {
                Pid waiter = ctx.spawnLink(reporting.wasmBody(module, WasmConfig.defaults(), "echo",
                        ctx.self().serial(), 0));
                ctx.spawnLink(reporting.wasmBody(module, WasmConfig.defaults(), "boom"));
                ctx.receive(); // killed by boom's failure, which then kills the waiter
            });
            ExitReason reason = linker.exited().get(10, TimeUnit.SECONDS);
            assertTrue(reason instanceof ExitReason.Error, reason.toString());
            Thread.sleep(200); // the waiter's exit follows the linker's
            assertEquals(1, reports.size(), reports.toString());
            assertTrue(reports.get(0).matches("process \\d+ \\(boom\\) failed: trap: .*"), reports.get(0));
        }
    }

    @Test
    void aProcessThatRunsOutOfFuelIsReported() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Node reporting = Node.builder().name("reporting").crashReports(reports::add).build()) {
            WasmModule module = reporting.loadModule(resource("spin.wasm"));
            WasmConfig oneSlice = WasmConfig.builder().withMaxFuel(1).build();
            ExitReason reason = reporting.start(reporting.wasmBody(module, oneSlice, "spin")).exited()
                    .get(10, TimeUnit.SECONDS);
            assertEquals(new ExitReason.OutOfFuel(1), reason);
            assertEquals(java.util.List.of("process " + 1 + " (spin) failed: out of fuel (max_fuel 1: 100000 instructions)"),
                    reports.stream().map(r -> r.replaceFirst("process \\d+", "process 1")).toList());
        }
    }

    @Test
    void guestMetricsLandInTheNodesMeterRegistry() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        for (long n : new long[] {3, 4}) {
            assertEquals(ExitReason.NORMAL, node.startWasm(module, "count", n).exited().get(10, TimeUnit.SECONDS));
        }
        assertEquals(7.0, node.meterRegistry().get("weft.guest.jobs.done").counter().count());
    }

    @Test
    void aTrappingGuestKillsALinkedJavaProcess() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        StartedProcess java = node.start(ctx -> { // watched before it runs: it may die at once
            ctx.spawnLink(node.wasmBody(module, WasmConfig.defaults(), "boom"));
            ctx.receive(); // never arrives: the link kills this process first
        });
        ExitReason reason = java.awaitExit(WAIT);
        ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason);
        assertTrue(error.message().contains("unreachable"), error.message());
    }

    @Test
    void aJavaProcessTrappingExitsGetsTheGuestsExit() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        try (AttachedProcess me = node.attach()) {
            me.trapExit(true);
            Pid guest = me.spawnLink(node.wasmBody(module, WasmConfig.defaults(), "boom"));
            Message m = me.receive(WAIT);
            assertNotNull(m, "no exit message");
            ExitMessage exit = assertInstanceOf(ExitMessage.class, m.payload());
            assertEquals(guest, exit.from());
            assertTrue(exit.reason().toString().contains("unreachable"), exit.reason().toString());
        }
    }

    @Test
    void withoutWasiAGuestImportingWasiCannotInstantiate() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        ExitReason reason = node.startWasm(module, WasmConfig.builder().withWasi(false).build(), "greet", 1L, 1L)
                .awaitExit(WAIT);
        ExitReason.CannotInstantiate cannot = assertInstanceOf(ExitReason.CannotInstantiate.class, reason);
        assertTrue(cannot.unlinkable(), cannot.message());
        assertTrue(cannot.message().startsWith("cannot instantiate: unknown import wasi_snapshot_preview1::"),
                cannot.message());
    }

    @Test
    void wasiStdoutGoesToTheConfiguredStream() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        WasmConfig config = WasmConfig.builder()
                .withStdout(new java.io.PrintStream(out, true, StandardCharsets.UTF_8))
                .withArgs("guest", "x")
                .withEnv("K", "V")
                .build();
        assertEquals(ExitReason.NORMAL, node.startWasm(module, config, "say").awaitExit(WAIT));
        assertEquals("hi from wasi\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(java.util.List.of("guest", "x"), config.args());
        assertEquals(java.util.Map.of("K", "V"), config.env());
    }

    @Test
    void awaitExitTimesOutOnAWaitingGuest() throws Exception {
        WasmModule module = node.loadModule(resource("guest.wasm"));
        try (AttachedProcess me = node.attach()) {
            Pid guest = node.spawnWasm(module, "echo", me.self().serial(), 0);
            assertThrows(TimeoutException.class, () -> node.awaitExit(guest, Duration.ofMillis(100)));
            var exited = node.whenExited(guest);
            node.exit(guest, ExitReason.KILL);
            assertEquals(ExitReason.KILLED, exited.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }
}
