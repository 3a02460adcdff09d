package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HelloProcessesTest {

    @Test
    void theExampleRunsAndReportsEachStep() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            HelloProcesses.main(new String[] {"1000"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        // sum of i^2 for i < 1000
        assertTrue(out.contains("1,000 processes spawned, each squared its number and replied: sum = 332,833,500"), out);
        assertTrue(out.contains("added 1..100 = 5050"), out);
        assertTrue(out.contains("worker failed on purpose"), out);
        assertTrue(out.contains("exit: normal; name 'counter' now free"), out);
        assertTrue(out.contains("processes alive at the end: 1"), out);
    }
}
