package dev.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.process.Pid;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.WasmModule;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node owns its threads (its scheduler's carriers, their watcher, its timer thread): a closed
 * node leaves none behind, whatever its processes were doing.
 */
@Timeout(120)
class NodeCloseTest {

    /** The live threads named {@code weft-*} that were not alive in {@code before}. */
    private static List<Thread> weftThreadsSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("weft-") && !before.contains(t))
                .toList();
    }

    private static Set<Thread> weftThreads() {
        return weftThreadsSince(Set.of()).stream().collect(Collectors.toSet());
    }

    private static List<String> names(List<Thread> threads) {
        return threads.stream().map(Thread::getName).toList();
    }

    private static WasmModule spin(Node node, Engine engine) throws Exception {
        try (InputStream in = NodeCloseTest.class.getResourceAsStream("/wasm/spin.wasm")) {
            assertNotNull(in, "spin.wasm");
            return node.loadModule(in.readAllBytes(), engine);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aClosedNodeLeavesNoThreadBehindWhateverItsProcessesDid() throws Exception {
        Set<Thread> before = weftThreads();
        Node node = Node.builder().build();
        CountDownLatch waiting = new CountDownLatch(3);
        node.spawn(ctx -> {
            waiting.countDown();
            ctx.receive(); // parked for ever
        });
        node.spawn(ctx -> {
            waiting.countDown();
            ctx.receive(Duration.ofHours(1)); // a pending timer
        });
        node.spawn(ctx -> {
            ctx.sendAfter(Duration.ofHours(1), ctx.self(), 0, "later");
            waiting.countDown();
            ctx.receive();
        });
        // busy in loops that hit safepoints: preempted (compiled) or counting fuel (interpreted)
        List<Pid> spinners = List.of(
                node.spawnWasm(spin(node, Engine.COMPILER), "spin"),
                node.spawnWasm(spin(node, Engine.COMPILER), "spin"),
                node.spawnWasm(spin(node, Engine.INTERPRETER), "spin"));
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        List<Thread> started = weftThreadsSince(before);
        assertTrue(names(started).stream().anyMatch(n -> n.startsWith("weft-carrier-")), names(started).toString());
        assertTrue(names(started).contains("weft-timers"), names(started).toString());
        assertTrue(spinners.stream().allMatch(node::isAlive));

        node.close();

        assertEquals(List.of(), names(started.stream().filter(Thread::isAlive).toList()), "alive when close returned");
        assertEquals(List.of(), names(weftThreadsSince(before)));
        assertEquals(0, node.processCount());
        assertFalse(Scheduler.preemptionPending(), "the closed node's preemption requests are withdrawn");
        node.close(); // idempotent
    }

    @Test
    void aProcessThatIgnoresKillDoesNotKeepACarrierOfAClosedNode() throws Exception {
        Set<Thread> before = weftThreads();
        Node node = Node.builder().build();
        CountDownLatch spinning = new CountDownLatch(1);
        node.spawn(ctx -> { // Java code that swallows kill (the interrupt), but has a safepoint
            spinning.countDown();
            while (true) {
                Thread.interrupted();
                if (Scheduler.preemptionPending()) {
                    Scheduler.yieldIfPreempted();
                }
            }
        });
        assertTrue(spinning.await(10, TimeUnit.SECONDS));

        node.close(); // the runtime gives up on it after its kill wait; the carriers stop all the same

        assertEquals(List.of(), names(weftThreadsSince(before)));
    }

    @Test
    void twoNodesWithDifferentStackSizesEachCloseTheirOwnThreads() throws Exception {
        Set<Thread> before = weftThreads();
        Node small = Node.builder().maxStackSize(256L << 10).build();
        assertEquals(OptionalLong.of(256L << 10), stackSizeOfAProcess(small));
        List<Thread> smallThreads = weftThreadsSince(before);
        Set<Thread> beforeBig = weftThreads();
        try (Node big = Node.builder().maxStackSize(512L << 10).build()) {
            assertEquals(OptionalLong.of(512L << 10), stackSizeOfAProcess(big));
            List<Thread> bigThreads = weftThreadsSince(beforeBig);

            small.close();

            assertEquals(List.of(), names(smallThreads.stream().filter(Thread::isAlive).toList()));
            assertTrue(bigThreads.stream().allMatch(Thread::isAlive), "the other node's threads stay");
            assertEquals(OptionalLong.of(512L << 10), stackSizeOfAProcess(big), "the other node still runs processes");
        }
        assertEquals(List.of(), names(weftThreadsSince(before)));
    }

    private static OptionalLong stackSizeOfAProcess(Node node) throws Exception {
        AtomicReference<OptionalLong> seen = new AtomicReference<>();
        Pid pid = node.spawn(ctx -> seen.set(Scheduler.currentStackSize()));
        node.awaitExit(pid, Duration.ofSeconds(10));
        return seen.get();
    }

    /** Bounded stress: hundreds of nodes, each closed while its processes pass messages. */
    @Test
    void manyNodesCreatedAndClosedLeaveNoThreadBehind() throws Exception {
        Set<Thread> before = weftThreads();
        for (int i = 0; i < 200; i++) {
            try (Node node = Node.builder().build()) {
                Pid echo = node.spawn(ctx -> {
                    while (true) {
                        ctx.send((Pid) ctx.receive().payload(), "pong");
                    }
                });
                node.spawn(ctx -> {
                    while (true) {
                        ctx.send(echo, ctx.self());
                        ctx.receive();
                    }
                });
            }
        }
        assertEquals(List.of(), names(weftThreadsSince(before)));
    }
}
