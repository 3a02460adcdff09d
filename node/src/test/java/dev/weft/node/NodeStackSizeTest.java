package dev.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.process.ExitReason;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.WasmModule;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.io.InputStream;
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
            String message = assertInstanceOf(ExitReason.Error.class, reason).message();
            assertTrue(message.startsWith("trap: call stack exhausted in "), message);
            assertTrue(message.endsWith(" (max stack 256 KiB)"), message);
            // the node carries on: another process, and the same guest going less deep, run fine
            assertEquals(ExitReason.NORMAL, run(small, module, 100));
            assertEquals(ExitReason.NORMAL, small.start(ctx -> {}).exited().get(10, TimeUnit.SECONDS));
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
}
