package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * lunatic-rs 0.14.1, the Rust SDK of programs written for Lunatic, where the workspace around the
 * repository has it: {@code ../shared/lunatic-rs} (relative to the repository root) holds its
 * source and {@code build.sh}, which builds its test binaries and examples for wasm32-wasi offline
 * (installing Debian's rustc, cargo and crates when they are missing) into
 * {@code target/lunatic-rs} of the repository. Its source is not copied into the repository; a
 * clone without the workspace skips the tests that need it.
 */
final class LunaticRs {

    /** Where the workspace keeps lunatic-rs's source and build script ({@code -Dweft.lunaticrs.shared} to move it). */
    static final Path SHARED = Path.of(System.getProperty("weft.lunaticrs.shared",
            WeftLauncher.ROOT.resolve("../shared/lunatic-rs").toString())).toAbsolutePath().normalize();
    /** The source folder: tests and examples run from here, as run-suite.sh runs them. */
    static final Path SOURCE = SHARED.resolve("lunatic-rs-0.14.1");
    /** build.sh's output: tests/*.wasm, examples/*.wasm, BUILD-INFO.txt, build/ (vendor/, src/). */
    static final Path OUT = WeftLauncher.ROOT.resolve("target/lunatic-rs");

    private static boolean built;

    private LunaticRs() {}

    /** Why lunatic-rs cannot be had here, or empty when it can. */
    static Optional<String> absent() {
        if (!Files.isRegularFile(SHARED.resolve("build.sh")) || !Files.isDirectory(SOURCE)) {
            return Optional.of("no lunatic-rs 0.14.1 source and build.sh at " + SHARED);
        }
        return Optional.empty();
    }

    /**
     * Builds lunatic-rs into {@link #OUT} with its build.sh unless a build is there that is newer
     * than every file of the source; fails the test if the build fails. Call only when
     * {@link #absent()} is empty.
     */
    static synchronized void ensureBuilt() throws IOException, InterruptedException {
        if (built || isFresh()) {
            built = true;
            return;
        }
        System.out.println("lunatic-rs: building into " + OUT + " with " + SHARED.resolve("build.sh")
                + " (about 75 s; installs Debian's rustc, cargo and crates when they are missing)");
        Files.createDirectories(OUT);
        WeftLauncher.Run r = WeftLauncher.runCommand(WeftLauncher.ROOT, Map.of(),
                List.of("bash", SHARED.resolve("build.sh").toString(), OUT.toString()), 900,
                OUT.getParent(), "lunatic-rs-build");
        assertEquals(0, r.exit(), "lunatic-rs's build.sh failed (log: target/lunatic-rs-build.err): "
                + tail(r.err() + r.out(), 4000));
        assertTrue(isFresh(), "build.sh wrote no " + OUT.resolve("BUILD-INFO.txt"));
        System.out.printf("lunatic-rs: built in %.0f s%n", r.seconds());
        built = true;
    }

    /** A build whose BUILD-INFO.txt is newer than every file of the source, with tests and examples. */
    private static boolean isFresh() throws IOException {
        Path info = OUT.resolve("BUILD-INFO.txt");
        if (!Files.isRegularFile(info) || !Files.isDirectory(OUT.resolve("tests"))
                || !Files.isDirectory(OUT.resolve("examples")) || !Files.isDirectory(OUT.resolve("build/vendor"))) {
            return false;
        }
        long builtAt = Files.getLastModifiedTime(info).toMillis();
        try (Stream<Path> files = Files.walk(SHARED)) {
            return files.filter(Files::isRegularFile).noneMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p).toMillis() > builtAt;
                } catch (IOException gone) {
                    return false;
                }
            });
        }
    }

    static String tail(String s, int chars) {
        return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
    }
}
