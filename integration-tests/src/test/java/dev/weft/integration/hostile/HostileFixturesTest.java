package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed hostile guests ({@code src/test/resources/hostile/*.wasm}) must be what wat2wasm
 * builds from the {@code .wat} next to each, whose first line names the command. Skipped where
 * wat2wasm is not installed.
 */
class HostileFixturesTest {

    private static final Path FIXTURES = Path.of("src", "test", "resources", "hostile");

    @Test
    void committedWasmIsBuiltFromWat(@TempDir Path tmp) throws Exception {
        assumeTrue(Hostile.onPath("wat2wasm"), "wat2wasm is not on PATH");
        assumeTrue(Files.isDirectory(FIXTURES), "run from the integration-tests module: " + FIXTURES.toAbsolutePath());
        List<Path> sources;
        try (Stream<Path> files = Files.list(FIXTURES)) {
            sources = files.filter(p -> p.toString().endsWith(".wat")).sorted().toList();
        }
        assertFalse(sources.isEmpty());
        for (Path wat : sources) {
            String base = wat.getFileName().toString().replaceFirst("\\.wat$", "");
            String header = Files.readAllLines(wat).get(0);
            assertEquals(";; (wat2wasm " + base + ".wat -o " + base + ".wasm)", header, wat + ": first line");
            Path committed = wat.resolveSibling(base + ".wasm");
            assertTrue(Files.exists(committed), wat + " has no committed .wasm next to it");
            byte[] built = Hostile.wat2wasm(tmp, base, Files.readString(wat));
            assertArrayEquals(built, Files.readAllBytes(committed), committed + " is not what wat2wasm builds from "
                    + wat + "; rebuild it: cd " + FIXTURES + " && wat2wasm " + base + ".wat -o " + base + ".wasm");
        }
    }
}
