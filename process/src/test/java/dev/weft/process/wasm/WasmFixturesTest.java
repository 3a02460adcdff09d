package dev.weft.process.wasm;

import dev.weft.process.wasm.WatFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed .wasm fixtures of this module are built from their .wat ({@link WatFixtures}). */
class WasmFixturesTest {

    @Test
    void committedWasmIsBuiltFromWat(@TempDir Path tmp) throws Exception {
        WatFixtures.assertBuiltFromSources(Path.of("src", "test", "resources", "wasm"), tmp, false);
    }
}
