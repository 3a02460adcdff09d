package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WasmEmbeddingTest {

    @Test
    void javaTalksToWasmProcessesAndAwaitsTheirExits() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            WasmEmbedding.main(new String[] {"3"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertTrue(out.contains("exports [shout, crash]"), out);
        assertTrue(out.contains("spawned 3 Wasm processes"), out);
        assertTrue(out.contains("tag 10: sent 'hello, guest 0', got 'HELLO, GUEST 0'"), out);
        assertTrue(out.contains("tag 12: sent 'hello, guest 2', got 'HELLO, GUEST 2'"), out);
        assertTrue(out.contains("guest 0 exited: normal"), out);
        assertTrue(out.contains("guest 2 exited: normal"), out);
        assertTrue(out.contains("crash exited: ") && out.contains("unreachable"), out);
    }
}
