package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Commands run as real subprocesses by the tests: what is on the PATH, and a command's exit code and output. */
final class Subprocess {

    private Subprocess() {}

    /** What a command did: its exit code, stdout and stderr. */
    record Result(int code, String out, String err) {
        /** stdout then stderr, for assertion messages. */
        String output() {
            return out + err;
        }
    }

    /** Is {@code command} an executable in a directory of $PATH? */
    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code command} in {@code dir} with stdin from /dev/null and {@code env} added to this
     * JVM's environment, and waits for it (failing the test after {@code timeoutSeconds}).
     */
    static Result run(Path dir, Map<String, String> env, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> { // both pipes at once: neither may fill up
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "did not finish in " + timeoutSeconds + " s: " + command);
        drain.join();
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }
}
