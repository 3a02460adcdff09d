package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.node.Node;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The example as a real subprocess, on both schedulers: Weft's carrier pool (with the
 * {@code --add-opens} the launchers pass) and the JDK's default scheduler Weft falls back to
 * when an embedding program does not open {@code java.lang}, which it then says once, as a warning.
 */
class SchedulerFallbackTest {

    /** The start of the warning a JVM without the {@code --add-opens} gets. */
    private static final String WARNING = "Weft runs processes on the JDK's default scheduler, several times slower at messaging";

    private static String run(List<String> jvmFlags) throws IOException, InterruptedException {
        return run(jvmFlags, "dev.weft.examples.HelloProcesses", "2000");
    }

    private static String run(List<String> jvmFlags, String mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
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

    /** Makes three nodes, one after the other, and runs a process on each. */
    public static final class ThreeNodes {
        public static void main(String[] args) throws Exception {
            for (int i = 0; i < 3; i++) {
                try (Node node = Node.builder().build()) {
                    node.awaitExit(node.spawn(ctx -> {}), Duration.ofSeconds(30));
                }
            }
            System.out.println("three nodes ran on: " + Scheduler.carriers());
        }
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    @Test
    void withoutAddOpensTheFirstSchedulerWarnsOnceNamingTheFlag() throws Exception {
        String out = run(List.of(), ThreeNodes.class.getName());
        assertTrue(out.contains("three nodes ran on: jdk default scheduler"), out);
        assertEquals(1, count(out, WARNING), out);
        String warning = out.lines().filter(line -> line.contains(WARNING)).findFirst().orElseThrow();
        assertTrue(warning.startsWith("WARNING: "), out); // java.util.logging's default format
        assertTrue(warning.contains("start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED"), warning);
    }

    @Test
    void noWarningWhenTheJdkSchedulerIsChosenOrWeftCarriersRun() throws Exception {
        String chosen = run(List.of("-Dweft.scheduler=jdk"), ThreeNodes.class.getName());
        assertTrue(chosen.contains("three nodes ran on: jdk default scheduler"), chosen);
        assertEquals(0, count(chosen, WARNING), chosen);
        String carriers = run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), ThreeNodes.class.getName());
        assertTrue(carriers.contains("three nodes ran on: weft carriers"), carriers);
        assertEquals(0, count(carriers, WARNING), carriers);
    }
}
