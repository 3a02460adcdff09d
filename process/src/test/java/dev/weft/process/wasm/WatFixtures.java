package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The check every module's WAT fixtures get (in the process module's test-jar): each committed
 * {@code .wasm} is what {@code wat2wasm} builds from the {@code .wat} next to it, with the flags its
 * header comment names ({@code ;; (wat2wasm --flag name.wat -o name.wasm)}), so a fixture can never
 * drift from its source. Skipped where wat2wasm is not installed.
 */
public final class WatFixtures {

    private static final Pattern BUILD = Pattern.compile("\\(wat2wasm((?: --[a-z-]+)*) \\S+\\.wat -o \\S+\\.wasm\\)");

    private WatFixtures() {}

    /**
     * Rebuilds every {@code .wat} under {@code dir} (subdirectories included) into {@code tmp} and
     * compares; with {@code headerRequired}, each must name its build command in its header.
     */
    public static void assertBuiltFromSources(Path dir, Path tmp, boolean headerRequired) throws Exception {
        assumeTrue(onPath("wat2wasm"), "wat2wasm is not on PATH");
        assumeTrue(Files.isDirectory(dir), "no fixtures at " + dir.toAbsolutePath() + " (run from the module)");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(dir)) {
            sources = files.filter(p -> p.toString().endsWith(".wat")).sorted().toList();
        }
        assertFalse(sources.isEmpty(), "no .wat under " + dir);
        int i = 0;
        for (Path wat : sources) {
            String name = wat.getFileName().toString();
            Path committed = wat.resolveSibling(name.substring(0, name.length() - 4) + ".wasm");
            assertTrue(Files.exists(committed), wat + " has no committed .wasm next to it");
            List<String> flags = flagsNamedIn(wat);
            assertTrue(!headerRequired || flags != null, wat + " names no (wat2wasm ... -o ...) command in its header");
            Path built = tmp.resolve((i++) + "-" + committed.getFileName());
            List<String> command = new ArrayList<>(List.of("wat2wasm"));
            command.addAll(flags == null ? List.of() : flags);
            command.addAll(List.of(wat.toString(), "-o", built.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "wat2wasm timed out on " + wat);
            assertEquals(0, p.exitValue(), "wat2wasm " + wat + ": " + out);
            assertArrayEquals(Files.readAllBytes(built), Files.readAllBytes(committed),
                    committed + " is not what wat2wasm builds from " + wat + "; rebuild it");
        }
    }

    /** The flags the header comment's build command names; null if it names none. */
    private static List<String> flagsNamedIn(Path wat) throws IOException {
        for (String line : Files.readAllLines(wat)) {
            if (!line.startsWith(";;")) {
                break;
            }
            Matcher m = BUILD.matcher(line);
            if (m.find()) {
                return m.group(1).isBlank() ? List.of() : List.of(m.group(1).trim().split(" "));
            }
        }
        return null;
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
