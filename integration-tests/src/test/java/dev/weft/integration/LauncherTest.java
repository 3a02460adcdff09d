package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.node.cli.WeftCli;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./weft} launcher as a user runs it, a real bash subprocess: from the repository root,
 * and linked onto the PATH through a chain of symlinks, from another directory.
 *
 * <p>Skipped when ./weft would build the project first ({@link WeftLauncher#assumeBuilt()}).
 */
class LauncherTest {

    /** The repository root. */
    private static final Path ROOT = WeftLauncher.ROOT;
    private static final Path HELLO = ROOT.resolve("examples/wasm/hello/hello.wasm");

    @BeforeAll
    static void theLauncherWillNotBuild() throws IOException {
        WeftLauncher.assumeBuilt();
    }

    @Test
    void theLauncherRunsHello() throws Exception {
        // the guest sees only --env variables, not the launcher's environment
        Subprocess.Result r = Subprocess.run(ROOT, Map.of("WEFT_GREETING", "not granted"),
                List.of("bash", "./weft", "run", "examples/wasm/hello/hello.wasm", "from", "bash"), 120);
        assertEquals(0, r.code(), r.output());
        assertEquals("Hello from Weft!\narg 1: from\narg 2: bash\n", r.out());
    }

    /** ~/bin/weft -> ../lib/weft -> the repository's weft: the launcher must find scripts/ beside the last. */
    @Test
    void theLauncherRunsWhenLinkedOntoThePath(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Files.createSymbolicLink(lib.resolve("weft"), ROOT.resolve("weft")); // absolute
        Files.createSymbolicLink(bin.resolve("weft"), Path.of("../lib/weft")); // relative, to a link
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.copy(HELLO, work.resolve("app.wasm"));
        // found on the PATH as a shell finds it: env looks the command up in the PATH it is given
        Map<String, String> path = Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"));

        Subprocess.Result version = Subprocess.run(work, path, List.of("env", "weft", "--version"), 120);
        assertEquals(0, version.code(), version.output());
        assertEquals("weft " + WeftCli.VERSION + "\n", version.out());
        assertEquals("", version.err());

        Subprocess.Result help = Subprocess.run(work, path, List.of("env", "weft", "--help"), 120);
        assertEquals(0, help.code(), help.output());
        assertTrue(help.out().startsWith("Usage: weft"), help.out());

        // paths on the command line stay relative to the caller's directory
        Subprocess.Result run = Subprocess.run(work, path, List.of("env", "weft", "run", "app.wasm", "linked"), 120);
        assertEquals(0, run.code(), run.output());
        assertEquals("Hello from Weft!\narg 1: linked\n", run.out());
    }
}
