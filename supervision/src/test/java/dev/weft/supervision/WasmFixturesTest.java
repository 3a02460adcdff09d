package dev.weft.supervision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed .wasm fixtures are what wat2wasm builds from the .wat beside them, with the flags
 * the .wat's header names ({@code ;; (wat2wasm --flag name.wat -o name.wasm)}). Skipped where
 * wat2wasm is not installed.
 */
class WasmFixturesTest {

    private static final Path FIXTURES = Path.of("src", "test", "resources", "wasm");
    private static final Pattern BUILD = Pattern.compile("\\(wat2wasm((?: --[a-z-]+)*) \\S+\\.wat -o \\S+\\.wasm\\)");

    @Test
    void committedWasmIsBuiltFromWat(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("wat2wasm"), "wat2wasm is not on PATH");
        assumeTrue(Files.isDirectory(FIXTURES), "run from the supervision module");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(FIXTURES)) {
            sources = files.filter(p -> p.toString().endsWith(".wat")).sorted().toList();
        }
        assertFalse(sources.isEmpty());
        for (Path wat : sources) {
            String name = wat.getFileName().toString();
            Path committed = wat.resolveSibling(name.substring(0, name.length() - 4) + ".wasm");
            assertTrue(Files.exists(committed), wat + " has no .wasm beside it");
            Path built = tmp.resolve(committed.getFileName());
            List<String> command = new ArrayList<>(List.of("wat2wasm"));
            command.addAll(flags(wat));
            command.addAll(List.of(wat.toString(), "-o", built.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "wat2wasm timed out on " + wat);
            assertEquals(0, p.exitValue(), "wat2wasm " + wat + ": " + out);
            assertArrayEquals(Files.readAllBytes(built), Files.readAllBytes(committed),
                    committed + " is not what wat2wasm builds from " + wat + "; rebuild it");
        }
    }

    private static List<String> flags(Path wat) throws Exception {
        for (String line : Files.readAllLines(wat)) {
            if (!line.startsWith(";;")) {
                break;
            }
            Matcher m = BUILD.matcher(line);
            if (m.find()) {
                return m.group(1).isBlank() ? List.of() : List.of(m.group(1).trim().split(" "));
            }
        }
        throw new AssertionError(wat + " names no build command in its header");
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
