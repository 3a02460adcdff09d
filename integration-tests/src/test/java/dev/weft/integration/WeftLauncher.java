package dev.weft.integration;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The repository's {@code ./weft} launcher, run by the tests as a user runs it: a real bash
 * subprocess.
 *
 * <p>The launcher builds the project first when a source is newer than the runtime classpath the
 * node module's build wrote (scripts/java-env.sh); a build nested in this one could race with it,
 * so tests that run it are skipped then ({@link #assumeBuilt()}).
 */
final class WeftLauncher {

    /** The repository root: the parent of this module's directory (Maven's basedir). */
    static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .toAbsolutePath().normalize().getParent();
    /** The launcher. */
    static final Path WEFT = ROOT.resolve("weft");

    private WeftLauncher() {}

    /** Skips the calling test unless bash is there and ./weft would run without building first. */
    static void assumeBuilt() throws IOException {
        assumeTrue(Subprocess.onPath("bash"), "bash is not on PATH");
        // node's build writes this before its tests run (node/pom.xml); the launcher's freshness stamp
        Path stamp = ROOT.resolve("node/target/runtime-classpath.txt");
        assumeTrue(Files.exists(stamp), "node is not built by Maven");
        assumeTrue(sourcesOlderThan(stamp), "sources changed since this build: ./weft would rebuild first");
    }

    /** What scripts/java-env.sh's weft_build_is_fresh checks: no .java, pom.xml or .wasm newer than the stamp. */
    static boolean sourcesOlderThan(Path stamp) throws IOException {
        long built = Files.getLastModifiedTime(stamp).toMillis();
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files
                    .filter(p -> {
                        String n = p.getFileName() == null ? "" : p.getFileName().toString();
                        return n.endsWith(".java") || n.equals("pom.xml") || n.endsWith(".wasm");
                    })
                    .filter(p -> {
                        for (Path part : ROOT.relativize(p)) {
                            if (part.toString().equals("target") || part.toString().equals(".git")) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .noneMatch(p -> {
                        try {
                            return Files.getLastModifiedTime(p).toMillis() > built;
                        } catch (IOException gone) {
                            return false;
                        }
                    });
        }
    }

    /** How a run ended: its exit code ({@code -1} if it ran past its time and was killed), its output, its time. */
    record Run(int exit, String out, String err, double seconds) {
        boolean timedOut() {
            return exit == -1;
        }

        List<String> lines() {
            return out.lines().toList();
        }

        /** For assertion messages. */
        String describe() {
            return (timedOut() ? "killed after " + Math.round(seconds) + " s" : "exit " + exit)
                    + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /**
     * Runs {@code ./weft ARGS} in {@code dir}, stdin from /dev/null, stdout and stderr into
     * {@code logs/NAME.out} and {@code NAME.err}; kills it (and its children) after
     * {@code timeoutSeconds}.
     */
    static Run run(Path dir, List<String> args, long timeoutSeconds, Path logs, String name)
            throws IOException, InterruptedException {
        return runCommand(dir, Map.of(), withWeft(args), timeoutSeconds, logs, name);
    }

    private static List<String> withWeft(List<String> args) {
        List<String> command = new ArrayList<>(List.of("bash", WEFT.toString()));
        command.addAll(args);
        return command;
    }

    /** As {@link #run}, for any command, with {@code env} added to this JVM's environment. */
    static Run runCommand(Path dir, Map<String, String> env, List<String> command, long timeoutSeconds,
            Path logs, String name) throws IOException, InterruptedException {
        Files.createDirectories(logs);
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Run(finished ? p.exitValue() : -1, new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                new String(Files.readAllBytes(err), StandardCharsets.UTF_8), seconds);
    }
}
