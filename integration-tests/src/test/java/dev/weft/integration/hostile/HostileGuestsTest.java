package dev.weft.integration.hostile;

import static dev.weft.integration.hostile.Hostile.WAIT;
import static dev.weft.integration.hostile.Hostile.errorMessage;
import static dev.weft.integration.hostile.Hostile.limitMessage;
import static dev.weft.integration.hostile.Hostile.load;
import static dev.weft.integration.hostile.Hostile.readInt;
import static dev.weft.integration.hostile.Hostile.readLong;
import static dev.weft.integration.hostile.Hostile.receiveData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.process.StartedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests that misbehave on purpose (issue 5, "Hostile guests"), each next to a well-behaved Wasm
 * neighbour ({@code echo.wasm}) that keeps answering the test's pings: after the hostile guest has
 * done its worst, the neighbour still answers in order, the node is alive, and the hostile process
 * ended with a reason that says what happened.
 */
class HostileGuestsTest {

    private Node node;
    private Hostile.Neighbour neighbour;

    @BeforeEach
    void start() throws Exception {
        node = Node.builder().build();
        neighbour = new Hostile.Neighbour(node);
        neighbour.assertAnswers();
    }

    @AfterEach
    void stop() {
        if (neighbour != null) {
            neighbour.close();
        }
        node.close();
    }

    private WasmConfig quiet() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        return WasmConfig.builder().withStdout(sink).withStderr(sink).build();
    }

    // ------------------------------------------------------------------ memory bomb

    @Test
    @Timeout(30)
    void memoryBombIsRefusedAtTheCap() throws Exception {
        int capPages = 64; // 4 MiB
        WasmConfig config = WasmConfig.builder().withMaxMemoryBytes(capPages * 65536L).build();
        for (Engine engine : Engine.values()) {
            WasmModule bomb = load(node, "memory_bomb.wasm", engine);
            StartedProcess p = node.startWasm(bomb, config, "grow", neighbour.me.self().serial());
            byte[] report = receiveData(neighbour.me, 1, WAIT);
            assertEquals(capPages, readLong(report, 0), engine + ": memory.grow must succeed up to the cap, then return -1");
            assertEquals(-1, readLong(report, 8), engine + ": a grow of 65536 pages must be refused with -1");
            assertEquals(ExitReason.NORMAL, p.awaitExit(WAIT), "after refused grows the guest runs on and exits normally");
            neighbour.assertAnswers();
        }
        System.out.println("[hostile] memory bomb (both engines): grew to " + capPages
                + " pages (the cap), then memory.grow = -1 (also for +65536 pages); the guest ran on and exited normally");
    }

    @Test
    @Timeout(30)
    void memoryBombUnderALargerCap() throws Exception {
        WasmModule bomb = load(node, "memory_bomb.wasm");
        WasmConfig config = WasmConfig.builder().withMaxMemoryBytes(256 * 65536L).build(); // 16 MiB: quick
        StartedProcess p = node.startWasm(bomb, config, "grow", neighbour.me.self().serial());
        byte[] report = receiveData(neighbour.me, 1, WAIT);
        assertEquals(256, readLong(report, 0));
        assertEquals(ExitReason.NORMAL, p.awaitExit(WAIT));
        neighbour.assertAnswers();
    }

    @Test
    @Timeout(30)
    void initialMemoryAboveTheCapFailsToInstantiate() throws Exception {
        WasmConfig config = WasmConfig.builder().withMaxMemoryBytes(16 * 65536L).build(); // 16 pages < 256
        StartedProcess p = node.startWasm(load(node, "big_memory.wasm"), config, "run");
        String message = limitMessage(p.awaitExit(WAIT), ExitReason.Limit.MEMORY_BYTES);
        assertTrue(message.startsWith("cannot instantiate"), message);
        assertTrue(message.contains("memory") || message.contains("page"), "the reason should name memory: " + message);
        // the same module runs under a cap that fits
        StartedProcess ok = node.startWasm(load(node, "big_memory.wasm"), WasmConfig.defaults(), "run");
        assertEquals(ExitReason.NORMAL, ok.awaitExit(WAIT));
        neighbour.assertAnswers();
        System.out.println("[hostile] initial memory above the cap: " + message);
    }

    // ------------------------------------------------------------------ recursion bomb

    @Test
    @Timeout(60)
    void recursionBombTrapsOnBothEngines() throws Exception {
        for (Engine engine : Engine.values()) {
            WasmModule bomb = load(node, "recursion_bomb.wasm", engine);
            StartedProcess p = node.startWasm(bomb, quiet(), "bomb");
            String message = limitMessage(p.awaitExit(WAIT), ExitReason.Limit.STACK_BYTES);
            assertTrue(message.startsWith("trap: call stack exhausted"), engine + ": " + message);
            neighbour.assertAnswers();
            System.out.println("[hostile] recursion bomb (" + engine + "): " + message);
        }
        // and again, while pings are in flight
        StartedProcess again = node.startWasm(load(node, "recursion_bomb.wasm"), quiet(), "bomb");
        neighbour.assertAnswers(100, WAIT);
        limitMessage(again.awaitExit(WAIT), ExitReason.Limit.STACK_BYTES);
    }

    // ------------------------------------------------------------------ spawn bomb

    /** What a spawn bomb round saw. */
    private record SpawnBomb(int created, long worstPingNanos, List<dev.weft.process.Pid> survivors) {}

    /**
     * Starts a spawn bomb (a binary tree of linked processes, at most 2^(depth+1) - 1), pings the
     * neighbour while it grows for {@code growMillis}, kills the root and waits until the tree is
     * gone or the process count stops falling for 2 s; returns the processes left (other than the
     * test's and the neighbour).
     */
    private SpawnBomb spawnBomb(int depth, long growMillis) throws Exception {
        int baseline = node.processCount();
        StartedProcess root = node.startWasm(load(node, "spawn_bomb.wasm"), quiet(), "bomb", depth);
        long deadline = System.nanoTime() + Duration.ofMillis(growMillis).toNanos();
        long worstPing = 0;
        while (System.nanoTime() < deadline) {
            worstPing = Math.max(worstPing, neighbour.roundTripNanos(Duration.ofSeconds(5)));
            Thread.sleep(20);
        }
        int created = node.processCount() - baseline;
        node.exit(root.pid(), ExitReason.KILL);
        assertEquals(ExitReason.KILLED, root.awaitExit(WAIT));
        int last = node.processCount();
        long stable = System.nanoTime();
        while (node.processCount() > baseline && System.nanoTime() - stable < Duration.ofSeconds(2).toNanos()) {
            Thread.sleep(20);
            int now = node.processCount();
            if (now != last) {
                last = now;
                stable = System.nanoTime();
            }
        }
        List<dev.weft.process.Pid> survivors = new ArrayList<>();
        for (dev.weft.process.Pid pid : node.processes()) {
            if (!pid.equals(neighbour.echo) && !pid.equals(neighbour.me.self()) && node.isAlive(pid)) {
                survivors.add(pid);
            }
        }
        return new SpawnBomb(created, worstPing, survivors);
    }

    @Test
    @Timeout(60)
    void spawnBombStaysResponsiveAndDiesWithItsRoot() throws Exception {
        int depth = 14; // at most 2^15 - 1 = 32767 processes
        SpawnBomb bomb = spawnBomb(depth, 1500);
        assertTrue(bomb.created() > 100, "the bomb should have spawned many processes: " + bomb.created());
        assertTrue(bomb.survivors().isEmpty(), bomb.survivors().size() + " linked processes survived: "
                + bomb.survivors());
        neighbour.assertAnswers(100, WAIT);
        System.out.printf("[hostile] spawn bomb: %d processes alive after 1.5 s (tree limit %d), worst ping %.1f ms; "
                + "killed the root: %s; %d pings answered in order%n",
                bomb.created(), (1 << (depth + 1)) - 1, bomb.worstPingNanos() / 1e6,
                bomb.survivors().isEmpty() ? "the tree went away" : bomb.survivors().size() + " survived",
                neighbour.pings);
    }

    @Test
    @Timeout(120)
    void spawnBombTreeGoesAwayWithItsRoot() throws Exception {
        for (int round = 0; round < 8; round++) {
            SpawnBomb bomb = spawnBomb(14, 400);
            assertTrue(bomb.survivors().isEmpty(), "round " + round + ": " + bomb.survivors().size()
                    + " of " + bomb.created() + " linked processes survived their root's kill: " + bomb.survivors());
            neighbour.assertAnswers();
        }
    }

    // ------------------------------------------------------------------ message flood

    @Test
    @Timeout(60)
    void messageFloodOfSmallMessages() throws Exception {
        int count = 1_000_000;
        WasmModule flood = load(node, "flood.wasm");
        long start = System.nanoTime();
        StartedProcess p = node.startWasm(flood, quiet(), "flood", neighbour.echo.serial(), count, 16);
        int rounds = 0;
        while (!p.exited().isDone()) {
            neighbour.assertAnswers(10, WAIT);
            rounds++;
            Thread.sleep(5);
        }
        assertEquals(ExitReason.NORMAL, p.awaitExit(WAIT));
        neighbour.assertAnswers(10, WAIT);
        assertEquals(count, neighbour.others(), "the neighbour must have received every flood message");
        System.out.printf("[hostile] message flood: %d messages of 16 bytes in %.1f s; %d ping rounds answered "
                + "in order during it; none lost%n", count, (System.nanoTime() - start) / 1e9, rounds);
    }

    @Test
    @Timeout(60)
    void messageFloodOfHugeMessages() throws Exception {
        int count = 64;
        int size = 1 << 20;
        WasmModule flood = load(node, "flood.wasm");
        StartedProcess p = node.startWasm(flood, quiet(), "flood", neighbour.echo.serial(), count, size);
        while (!p.exited().isDone()) {
            neighbour.assertAnswers(5, WAIT);
        }
        assertEquals(ExitReason.NORMAL, p.awaitExit(WAIT));
        neighbour.assertAnswers();
        assertEquals(count, neighbour.others());
        // a message bigger than the guest's memory cannot be written: write_data traps, naming itself
        StartedProcess tooBig = node.startWasm(flood, quiet(), "flood", neighbour.echo.serial(), 1, 18 * 65536);
        String message = errorMessage(tooBig.awaitExit(WAIT));
        assertTrue(trapMessage(message).startsWith("lunatic::message::write_data: "), message);
        neighbour.assertAnswers();
        System.out.println("[hostile] huge messages: " + count + " x 1 MiB delivered; beyond memory: " + message);
    }

    // ------------------------------------------------------------------ create_data capacities

    @Test
    @Timeout(60)
    void hugeCreateDataCapacities() throws Exception {
        WasmModule module = load(node, "create_data.wasm");
        long[] capacities = {Long.MAX_VALUE, -1, Long.MIN_VALUE, 1L << 31, 1L << 32, Integer.MAX_VALUE, 1L << 40};
        List<String> outcomes = new ArrayList<>();
        for (long capacity : capacities) {
            StartedProcess p = node.startWasm(module, quiet(), "huge", capacity, neighbour.me.self().serial());
            ExitReason reason = p.awaitExit(WAIT);
            if (reason.isNormal()) {
                byte[] data = receiveData(neighbour.me, 1, WAIT);
                assertEquals(8, data.length);
                assertEquals(0x0123456789abcdefL, readLong(data, 0));
                outcomes.add(capacity + ": ran, message delivered");
            } else {
                String message = errorMessage(reason);
                assertTrue(trapMessage(message).startsWith("lunatic::message::create_data: "),
                        "capacity " + capacity + " ended the process without naming create_data: " + message);
                outcomes.add(capacity + ": trapped: " + message);
            }
            neighbour.assertAnswers();
        }
        System.out.println("[hostile] create_data capacities:\n  " + String.join("\n  ", outcomes));
    }

    // ------------------------------------------------------------------ invalid UTF-8

    private Map<String, String> runEach(WasmModule module, List<String> exports) throws Exception {
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (String export : exports) {
            StartedProcess p = node.startWasm(module, quiet(), export);
            ExitReason reason = p.awaitExit(WAIT);
            outcomes.put(export, reason.isNormal() ? "returned" : errorMessage(reason));
            neighbour.assertAnswers(3, WAIT);
        }
        return outcomes;
    }

    /** A trap's message, without the "trap: " its exit reason starts with. */
    static String trapMessage(String reason) {
        return reason.startsWith("trap: ") ? reason.substring("trap: ".length()) : reason;
    }

    private static void assertTrapsNaming(Map<String, String> outcomes, Map<String, String> expectedFunction) {
        List<String> wrong = new ArrayList<>();
        outcomes.forEach((export, outcome) -> {
            String function = expectedFunction.get(export);
            if (!trapMessage(outcome).startsWith(function + ": ")) {
                wrong.add(export + " -> " + outcome + " (expected a trap naming " + function + ")");
            }
        });
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    @Timeout(60)
    void invalidUtf8Names() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("registry_put", "lunatic::registry::put");
        expected.put("registry_get", "lunatic::registry::get");
        expected.put("registry_remove", "lunatic::registry::remove");
        expected.put("spawn_export_name", "lunatic::process::spawn");
        expected.put("metrics_counter", "lunatic::metrics::counter");
        expected.put("metrics_increment_counter", "lunatic::metrics::increment_counter");
        expected.put("metrics_gauge", "lunatic::metrics::gauge");
        expected.put("metrics_histogram", "lunatic::metrics::histogram");
        Map<String, String> outcomes = runEach(load(node, "names.wasm"), List.copyOf(expected.keySet()));
        outcomes.forEach((k, v) -> System.out.println("[hostile] invalid UTF-8, " + k + ": " + v));
        assertTrapsNaming(outcomes, expected);
    }

    // ------------------------------------------------------------------ unknown resource ids

    @Test
    @Timeout(60)
    void unknownResourceIds() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("drop_config", "lunatic::process::drop_config");
        expected.put("config_set_max_memory", "lunatic::process::config_set_max_memory");
        expected.put("config_get_max_fuel", "lunatic::process::config_get_max_fuel");
        expected.put("config_set_can_spawn_processes", "lunatic::process::config_set_can_spawn_processes");
        expected.put("drop_module", "lunatic::process::drop_module");
        expected.put("spawn_module", "lunatic::process::spawn");
        expected.put("spawn_config", "lunatic::process::spawn");
        expected.put("error_string_size", "lunatic::error::string_size");
        expected.put("error_to_string", "lunatic::error::to_string");
        expected.put("error_drop", "lunatic::error::drop");
        expected.put("take_module", "lunatic::message::take_module");
        expected.put("push_module", "lunatic::message::push_module");
        expected.put("send_without_scratch", "lunatic::message::send");
        expected.put("write_without_scratch", "lunatic::message::write_data");
        expected.put("read_without_scratch", "lunatic::message::read_data");
        expected.put("supervisor_drop_spec", "weft::supervisor::drop_spec");
        expected.put("supervisor_add_child", "weft::supervisor::add_child");
        expected.put("supervisor_drop_child", "weft::supervisor::drop_child");
        expected.put("supervisor_child", "weft::supervisor::supervisor_child");
        expected.put("supervisor_start", "weft::supervisor::start");
        WasmModule module = load(node, "resources.wasm");
        List<String> exports = new ArrayList<>(expected.keySet());
        exports.add("cancel_timer");
        Map<String, String> outcomes = runEach(module, exports);
        outcomes.forEach((k, v) -> System.out.println("[hostile] unknown id, " + k + ": " + v));
        assertEquals("returned", outcomes.remove("cancel_timer"), "cancel_timer of an unknown timer returns 0");
        assertTrapsNaming(outcomes, expected);
    }

    // ------------------------------------------------------------------ traps inside catch

    @Test
    @Timeout(60)
    void trapsInsideCatchTrap() throws Exception {
        for (Engine engine : Engine.values()) {
            WasmModule module = load(node, "catch_trap.wasm", engine);
            StartedProcess p = node.startWasm(module, quiet(), "run", neighbour.me.self().serial());
            ExitReason reason = p.awaitExit(WAIT);
            assertEquals(ExitReason.NORMAL, reason, engine + ": every trap inside catch must be caught");
            byte[] results = receiveData(neighbour.me, 1, WAIT);
            int[] got = new int[6];
            for (int i = 0; i < 6; i++) {
                got[i] = readInt(results, 4 * i);
            }
            assertEquals(List.of(0, 0, 0, 100, 7, 0), java.util.Arrays.stream(got).boxed().toList(),
                    engine + ": catch results (unreachable, recursion, bad pointer, nested, no trap, divide by zero)");
            neighbour.assertAnswers();
        }
        System.out.println("[hostile] traps inside _lunatic_catch_trap: unreachable, recursion bomb, bad host pointer, "
                + "nested catch, divide by zero: all caught (0), on both engines; the process exits normally");
    }

    // ------------------------------------------------------------------ infinite loop

    @Test
    @Timeout(30)
    void killEndsABusyLoop() throws Exception {
        for (Engine engine : Engine.values()) {
            StartedProcess p = node.startWasm(load(node, "busy_loop.wasm", engine), quiet(), "spin");
            Thread.sleep(100);
            assertFalse(p.exited().isDone(), "the busy loop should still run");
            long start = System.nanoTime();
            node.exit(p.pid(), ExitReason.KILL);
            ExitReason reason;
            try {
                reason = p.awaitExit(Duration.ofSeconds(10));
            } catch (TimeoutException e) {
                fail(engine + ": kill did not end a busy-looping guest within 10 s");
                return;
            }
            assertEquals(ExitReason.KILLED, reason);
            System.out.printf("[hostile] busy loop (%s): kill ended it in %.2f ms%n", engine,
                    (System.nanoTime() - start) / 1e6);
            neighbour.assertAnswers();
        }
    }

    @Test
    @Timeout(60)
    void neighbourAnswersWhileGuestsSpin() throws Exception {
        int spinners = Runtime.getRuntime().availableProcessors() * 2;
        WasmModule loop = load(node, "busy_loop.wasm");
        List<StartedProcess> busy = new ArrayList<>();
        try {
            for (int i = 0; i < spinners; i++) {
                busy.add(node.startWasm(loop, quiet(), "spin"));
            }
            Thread.sleep(100);
            for (int i = 0; i < 20; i++) {
                neighbour.roundTripNanos(Duration.ofMillis(500));
            }
        } finally {
            for (StartedProcess p : busy) {
                node.exit(p.pid(), ExitReason.KILL);
            }
            for (StartedProcess p : busy) {
                p.awaitExit(WAIT);
            }
        }
    }

    /** Sanity: the echo neighbour's STATS counts only non-ping data. */
    @Test
    @Timeout(30)
    void neighbourCountsWhatItIsSent() {
        node.send(neighbour.echo, 3, new DataMessage(new byte[] {1}));
        node.send(neighbour.echo, 0, new DataMessage(new byte[0]));
        neighbour.assertAnswers();
        assertEquals(2, neighbour.others());
        Message stray = neighbour.me.receive(MessageFilter.any(), Duration.ofMillis(50));
        assertTrue(stray == null, "nothing else comes back: " + stray);
        assertNotNull(neighbour.echo);
    }
}
