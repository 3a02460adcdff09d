package dev.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.WasmConfig;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.WasmModule;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Node.Builder.maxStackSize bounds how deep a Wasm guest may recurse; running into it ends only that process. */
class NodeStackSizeTest {

    /** Deeper than 256 KiB of stack allows with either engine, shallower than 64 MiB does. */
    private static final int DEPTH = 100_000;

    private static WasmModule recursion(Node node, Engine engine) throws Exception {
        try (InputStream in = NodeStackSizeTest.class.getResourceAsStream("/cli/deep_recursion.wasm")) {
            if (in == null) {
                throw new IOException("no /cli/deep_recursion.wasm on the test classpath");
            }
            return node.loadModule(in.readAllBytes(), engine);
        }
    }

    private static ExitReason run(Node node, WasmModule module, int depth) throws Exception {
        return node.startWasm(module, "recurse", depth).exited().get(60, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aBigStackLetsTheGuestRecurseDeepAndASmallOneEndsItNamingTheLimit(Engine engine) throws Exception {
        try (Node big = Node.builder().name("big-stack").maxStackSize(64L << 20).build()) {
            assertEquals(64L << 20, big.runtime().maxStackSize());
            assertEquals(ExitReason.NORMAL, run(big, recursion(big, engine), DEPTH));
        }
        try (Node small = Node.builder().name("small-stack").maxStackSize(256L << 10).build()) {
            WasmModule module = recursion(small, engine);
            ExitReason reason = run(small, module, DEPTH);
            String message = stackLimit(reason).message();
            assertTrue(message.startsWith("trap: call stack exhausted in "), message);
            assertTrue(message.endsWith(" (max stack 256 KiB)"), message);
            // the node carries on: another process, and the same guest going less deep, run fine
            assertEquals(ExitReason.NORMAL, run(small, module, 100));
            assertEquals(ExitReason.NORMAL, small.start(ctx -> {}).exited().get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestThatRecursesALittleBetweenFuelSlicesIsBoundedToo(Engine engine) throws Exception {
        // with a fuel limit the guest yields every slice (100,000 instructions), taking turns or not
        try (Node small = Node.builder().name("slow-recursion-fuel").maxStackSize(256L << 10).build()) {
            WasmConfig counted = WasmConfig.builder().withMaxFuel(1_000_000_000L).build();
            ExitReason reason = small.startWasm(recursion(small, engine), counted, "recurse_slowly", 200_000).exited()
                    .get(60, TimeUnit.SECONDS);
            String message = stackLimit(reason).message();
            assertTrue(message.startsWith("trap: call stack exhausted in "), message);
            assertTrue(message.endsWith(" (max stack 256 KiB)"), message);
        }
    }

    @Test
    void aGuestThatRecursesALittleBetweenHostCallsThatParkIsBoundedToo() throws Exception {
        // 3,000 sleeps deep: without the frame count after host calls this ended normally (measured;
        // 5,000 deep it ended with call stack exhausted anyway, for reasons of the JVM's own)
        try (Node small = Node.builder().name("sleepy-recursion").maxStackSize(256L << 10).build()) {
            ExitReason reason = small.startWasm(recursion(small, Engine.COMPILER), "recurse_sleeping", 3_000).exited()
                    .get(60, TimeUnit.SECONDS);
            String message = stackLimit(reason).message();
            assertTrue(message.startsWith("trap: call stack exhausted in "), message);
            assertTrue(message.endsWith(" (max stack 256 KiB)"), message);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestThatRecursesALittleBetweenYieldsIsBoundedToo(Engine engine) throws Exception {
        // A yield leaves the frames in the heap and only the newest come back onto the carrier's
        // stack: without Weft's frame count these went 200,000 calls deep on a 256 KiB stack.
        try (Node small = Node.builder().name("slow-recursion").maxStackSize(256L << 10).build()) {
            WasmModule module = recursion(small, engine);
            // four per carrier, so that they keep taking turns (are preempted) until the end
            int busy = 4 * Runtime.getRuntime().availableProcessors();
            List<CompletableFuture<ExitReason>> exits = new ArrayList<>();
            for (int i = 0; i < busy; i++) {
                exits.add(small.startWasm(module, "recurse_slowly", 200_000).exited());
            }
            for (CompletableFuture<ExitReason> exit : exits) {
                String message = stackLimit(exit.get(60, TimeUnit.SECONDS)).message();
                assertTrue(message.startsWith("trap: call stack exhausted in "), message);
                assertTrue(message.endsWith(" (max stack 256 KiB)"), message);
            }
            assertEquals(ExitReason.NORMAL, run(small, module, 100));
        }
    }

    @Test
    void theDefaultIsOneMiBAndAStackSizeOutOfRangeIsRefused() {
        try (Node node = Node.builder().build()) {
            assertEquals(Scheduler.DEFAULT_STACK_SIZE, node.runtime().maxStackSize());
            assertEquals(1L << 20, node.runtime().maxStackSize());
        }
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> Node.builder().maxStackSize(1024));
        assertTrue(small.getMessage().contains("stack size must be between"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Node.builder().maxStackSize(2L << 30));
    }

    /** A reason that must be the stack limit, with the limit's value on Weft's carriers. */
    private static ExitReason.LimitExceeded stackLimit(ExitReason reason) {
        ExitReason.LimitExceeded limit = assertInstanceOf(ExitReason.LimitExceeded.class, reason);
        assertEquals(ExitReason.Limit.STACK_BYTES, limit.limit());
        return limit;
    }
}
