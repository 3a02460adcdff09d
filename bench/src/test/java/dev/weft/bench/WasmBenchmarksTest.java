package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A smoke test of the Wasm benchmark programs ({@code bench/wasm/bench_guests.wasm}, driven by
 * {@link WasmBenchmarks}): each runs once at a tiny size on the real engine and must finish with
 * the right result. The programs check their own results: skynet's sum and fan-in's count are
 * compared with the expected ones, spawn waits for every child's reply, the ring's driver hears
 * DONE only when the token's counter has come down to 0. Not a measurement.
 */
class WasmBenchmarksTest {

    /** Tiny sizes: spawn 300, ping-pong 1,000, ring 13 × 2,000 hops, skynet 1,000 leaves, fan-in 20 × 50. */
    private static final Sizes TINY = new Sizes(300, 1_000, 13, 2_000, 1_000, 20, 50, 1_000, 200);

    private static Node node;
    private static AttachedProcess host;
    private static WasmBenchmarks wasm;

    @BeforeAll
    static void load() throws Exception {
        node = Node.builder().build();
        host = node.attach();
        wasm = WasmBenchmarks.load(node, Path.of("."));
    }

    @AfterAll
    static void close() {
        host.close();
        node.close();
    }

    private static double round(Main.WasmRound round) throws Exception {
        double figure = Main.weftRound(node, host, ctx -> round.run(wasm, ctx, TINY));
        assertTrue(figure > 0 && Double.isFinite(figure), "figure " + figure);
        return figure;
    }

    @Test
    @Timeout(20)
    void spawn() throws Exception {
        round(WasmBenchmarks::spawn);
    }

    @Test
    @Timeout(20)
    void pingPong() throws Exception {
        round(WasmBenchmarks::pingPong);
    }

    @Test
    @Timeout(20)
    void ring() throws Exception {
        round(WasmBenchmarks::ring);
    }

    @Test
    @Timeout(20)
    void skynetSumIsRight() throws Exception {
        round(WasmBenchmarks::skynet); // throws if the sum is not 0 + 1 + ... + 999
    }

    @Test
    @Timeout(20)
    void faninCountIsRight() throws Exception {
        round(WasmBenchmarks::fanIn); // throws unless the receiver counted 20 × 50 messages
    }

    @Test
    @Timeout(20)
    void everyProcessOfARoundIsGoneAfterIt() throws Exception {
        // processes of earlier tests may still be ending: look only at the ones these rounds start
        java.util.Set<dev.weft.process.Pid> before = java.util.Set.copyOf(node.runtime().processes());
        round(WasmBenchmarks::skynet);
        round(WasmBenchmarks::ring);
        java.util.List<dev.weft.process.Pid> left = java.util.List.of();
        for (int i = 0; i < 200; i++) {
            left = node.runtime().processes().stream().filter(p -> !before.contains(p)).toList();
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(java.util.List.of(), left, "processes left behind by the rounds");
    }

    @Test
    @Timeout(20)
    void idleProcesses() throws Exception {
        IdleProcesses.Result r = IdleProcesses.run(Path.of("."), 200);
        assertEquals(200, r.processes());
        assertTrue(r.nanos() > 0);
    }
}
