package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import dev.weft.process.wasm.WatFixtures;
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
        assumeTrue(Files.isDirectory(FIXTURES), "run from the integration-tests module: " + FIXTURES.toAbsolutePath());
        List<Path> sources;
        try (Stream<Path> files = Files.list(FIXTURES)) {
            sources = files.filter(p -> p.toString().endsWith(".wat")).sorted().toList();
        }
        for (Path wat : sources) { // here the first line is exactly the build command
            String base = wat.getFileName().toString().replaceFirst("\\.wat$", "");
            assertEquals(";; (wat2wasm " + base + ".wat -o " + base + ".wasm)", Files.readAllLines(wat).get(0),
                    wat + ": first line");
        }
        WatFixtures.assertBuiltFromSources(FIXTURES, tmp, true);
    }
}
