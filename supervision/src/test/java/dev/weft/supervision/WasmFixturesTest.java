package dev.weft.supervision;

import dev.weft.process.wasm.WatFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed .wasm fixtures of supervision are built from their .wat, whose header names the command ({@link WatFixtures}). */
class WasmFixturesTest {

    @Test
    void committedWasmIsBuiltFromWat(@TempDir Path tmp) throws Exception {
        WatFixtures.assertBuiltFromSources(Path.of("src", "test", "resources", "wasm"), tmp, true);
    }
}
