package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed .wasm test fixtures of host-api (src/test/resources/wasm) must be what wat2wasm
 * builds from the .wat next to them, so that a fixture can never drift from its source. A copy of
 * process's WasmFixturesTest, for this module's fixtures. Skipped where wat2wasm is not installed.
 */
class WasmFixturesTest {

    private static final Path FIXTURES = Path.of("src", "test", "resources", "wasm");

    @Test
    void committedWasmIsBuiltFromWat(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("wat2wasm"), "wat2wasm is not on PATH");
        assumeTrue(Files.isDirectory(FIXTURES), "run from the host-api module: " + FIXTURES.toAbsolutePath());
        List<Path> sources;
        // Every fixture, subdirectories included; a fixture built with flags names them in its header
        // comment, as "(wat2wasm --flag ... name.wat -o name.wasm)".
        try (Stream<Path> files = Files.walk(FIXTURES)) {
            sources = files.filter(p -> p.toString().endsWith(".wat")).sorted().collect(Collectors.toList());
        }
        assertFalse(sources.isEmpty());
        int i = 0;
        for (Path wat : sources) {
            String name = wat.getFileName().toString();
            Path committed = wat.resolveSibling(name.substring(0, name.length() - 4) + ".wasm");
            assertTrue(Files.exists(committed), wat + " has no committed .wasm next to it");
            Path built = tmp.resolve((i++) + "-" + committed.getFileName());
            List<String> command = new java.util.ArrayList<>(List.of("wat2wasm"));
            command.addAll(flagsNamedIn(wat));
            command.addAll(List.of(wat.toString(), "-o", built.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "wat2wasm timed out on " + wat);
            assertEquals(0, p.exitValue(), "wat2wasm " + wat + ": " + out);
            assertArrayEquals(
                    Files.readAllBytes(built),
                    Files.readAllBytes(committed),
                    committed + " is not what wat2wasm builds from " + wat + "; rebuild it");
        }
    }

    private static final java.util.regex.Pattern BUILD_FLAGS =
            java.util.regex.Pattern.compile("\\(wat2wasm((?: --[a-z-]+)*) \\S+\\.wat -o \\S+\\.wasm\\)");

    /** The wat2wasm flags a fixture's header comment names; none if it names no build command. */
    private static List<String> flagsNamedIn(Path wat) throws java.io.IOException {
        for (String line : Files.readAllLines(wat)) {
            if (!line.startsWith(";;")) {
                break;
            }
            java.util.regex.Matcher m = BUILD_FLAGS.matcher(line);
            if (m.find()) {
                return m.group(1).isBlank() ? List.of() : List.of(m.group(1).trim().split(" "));
            }
        }
        return List.of();
    }

    private static void assertTrue(boolean condition, String message) {
        org.junit.jupiter.api.Assertions.assertTrue(condition, message);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

}
