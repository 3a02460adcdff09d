package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The example as a real subprocess, on both schedulers: Weft's carrier pool (with the
 * {@code --add-opens} the launchers pass) and the JDK's default scheduler Weft falls back to
 * when an embedding program does not open {@code java.lang}.
 */
class SchedulerFallbackTest {

    private static String run(List<String> jvmFlags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "dev.weft.examples.HelloProcesses", "2000"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text);
        return text;
    }

    @Test
    void theExampleRunsOnWeftCarriers() throws Exception {
        String out = run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dweft.example.showCarriers=true"));
        assertTrue(out.contains("process threads on: weft carriers"), out);
        assertTrue(out.contains("2,000 processes spawned"), out);
        assertTrue(out.contains("processes alive at the end: 1"), out);
    }

    @Test
    void theExampleRunsOnTheJdkSchedulerWithoutAddOpens() throws Exception {
        String out = run(List.of("-Dweft.example.showCarriers=true"));
        assertTrue(out.contains("process threads on: jdk default scheduler"), out);
        assertTrue(out.contains("2,000 processes spawned"), out);
        assertTrue(out.contains("processes alive at the end: 1"), out);
    }
}
