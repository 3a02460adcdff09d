package dev.weft.node.cli;

import dev.weft.node.Node;
import dev.weft.node.cli.TestMode.Guest;
import dev.weft.node.cli.TestMode.TestFn;
import dev.weft.process.ExitReason;
import dev.weft.process.ProcessBody;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs test mode's tests as libtest does: up to {@code threads} at once, in their listed order,
 * each as the root process of a node of its own (so that no test sees another's processes or
 * registered names, as in Lunatic, where each test gets its own environment and registry). The
 * calling thread prints {@code test NAME ... ok} as each test finishes, in the order they finish
 * (with one thread, the listed order), an ignored test's line when its turn comes, and, with more
 * than one thread, libtest's {@code test NAME has been running for over 60 seconds} once for a test
 * that runs that long.
 *
 * <p>A node per test is cheap enough to keep: measured, a trivial test takes about 3 ms on a node of
 * its own against 0.4 ms on a shared one (the node's carriers start and stop), and a real lunatic-rs
 * test about 165 ms either way ({@code process::is_alive}). Each node has its own carriers, so N
 * tests at once hold N carrier pools.
 */
final class TestRunner {

    /** libtest's {@code TEST_WARN_TIMEOUT_S}. */
    static final Duration WARN_AFTER = Duration.ofSeconds(60);

    enum Status { OK, FAILED, IGNORED }

    /** A test's result and the output to show for it (empty with --nocapture: it was shown). */
    record Outcome(TestFn test, Status status, String output) {}

    /** A test that finished, on the way from its thread to the calling one; {@code bug} if it could not be run. */
    private record Done(int index, Outcome outcome, Throwable bug) {}

    private final String app;
    private final Guest guest;
    private final Supplier<Node> nodes;
    private final boolean nocapture;
    private final int threads;
    private final Duration warnAfter;
    private final PrintStream out;
    private final PrintStream err;

    TestRunner(String app, Guest guest, Supplier<Node> nodes, boolean nocapture, int threads, Duration warnAfter,
            PrintStream out, PrintStream err) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive: " + threads);
        }
        this.app = app;
        this.guest = guest;
        this.nodes = nodes;
        this.nocapture = nocapture;
        this.threads = threads;
        this.warnAfter = warnAfter;
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the tests that {@code runs} accepts and reports the others as ignored; returns the
     * outcomes in the tests' order.
     */
    List<Outcome> run(List<TestFn> tests, Predicate<TestFn> runs) {
        Outcome[] outcomes = new Outcome[tests.size()];
        BlockingQueue<Done> finished = new LinkedBlockingQueue<>();
        // the running tests that have not been warned about, by index, in the order they started
        Map<Integer, Long> warnAt = new LinkedHashMap<>();
        int next = 0;
        int running = 0;
        while (next < tests.size() || running > 0) {
            while (running < threads && next < tests.size()) {
                int index = next++;
                TestFn t = tests.get(index);
                if (!runs.test(t)) {
                    outcomes[index] = new Outcome(t, Status.IGNORED, "");
                    report(outcomes[index]);
                    continue;
                }
                running++;
                if (threads > 1) { // libtest warns only when it runs tests in parallel
                    warnAt.put(index, System.nanoTime() + warnAfter.toNanos());
                }
                Thread.ofPlatform().daemon().name("weft-test-" + index).start(() -> {
                    try {
                        finished.add(new Done(index, runOne(t), null));
                    } catch (Throwable e) {
                        finished.add(new Done(index, null, e));
                    }
                });
            }
            if (running == 0) {
                break;
            }
            Done done = awaitOne(finished, warnAt, tests);
            running--;
            if (done.bug() != null) { // a bug in weft: as when the tests ran one at a time on this thread
                if (done.bug() instanceof RuntimeException e) {
                    throw e;
                }
                if (done.bug() instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(done.bug());
            }
            outcomes[done.index()] = done.outcome();
            report(done.outcome());
        }
        return Arrays.asList(outcomes);
    }

    /** The next test to finish, warning meanwhile about those that run too long. */
    private Done awaitOne(BlockingQueue<Done> finished, Map<Integer, Long> warnAt, List<TestFn> tests) {
        try {
            while (true) {
                Done done;
                if (warnAt.isEmpty()) {
                    done = finished.take();
                } else {
                    long wait = warnAt.values().iterator().next() - System.nanoTime();
                    done = finished.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                }
                if (done != null) {
                    warnAt.remove(done.index());
                }
                long now = System.nanoTime();
                for (Iterator<Map.Entry<Integer, Long>> it = warnAt.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<Integer, Long> e = it.next();
                    if (e.getValue() - now > 0) {
                        break; // they all wait as long: the later ones started later
                    }
                    it.remove();
                    out.println("test " + tests.get(e.getKey()).name() + " has been running for over "
                            + seconds(warnAfter) + " seconds");
                    out.flush();
                }
                if (done != null) {
                    return done;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the tests", e);
        }
    }

    private void report(Outcome o) {
        TestFn t = o.test();
        String what = t.panic() != null && o.status() != Status.IGNORED ? " - should panic" : "";
        out.println("test " + t.name() + what + " ... "
                + (o.status() == Status.FAILED ? "FAILED" : o.status().name().toLowerCase(Locale.ROOT)));
        out.flush();
    }

    /** Runs one test as the root process of its own node, its stdout and stderr captured together. */
    private Outcome runOne(TestFn t) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream buffer = new PrintStream(captured, true, StandardCharsets.UTF_8);
        // with --nocapture the output goes through, and is still kept to look for the panic message
        PrintStream stdout = nocapture ? new PrintStream(new Tee(out, captured), true, StandardCharsets.UTF_8) : buffer;
        PrintStream stderr = nocapture ? new PrintStream(new Tee(err, captured), true, StandardCharsets.UTF_8) : buffer;
        ExitReason reason;
        try (Node node = nodes.get()) { // a fresh node per test
            ProcessBody body;
            try {
                body = guest.body(node, t.export(), List.of(app), stdout, stderr);
            } catch (IllegalArgumentException e) { // the export takes arguments or returns something
                return new Outcome(t, Status.FAILED, "note: a test function must take no arguments and return nothing: "
                        + e.getMessage() + "\n");
            }
            reason = node.start(body).exited().join(); // watched before it runs: a quick guest must not end first
        } finally {
            stdout.flush();
            stderr.flush();
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        String shown = nocapture ? "" : text;
        boolean succeeded = reason.isNormal();
        String why = reason.describe();
        if (t.panic() == null) {
            return succeeded
                    ? new Outcome(t, Status.OK, shown)
                    : new Outcome(t, Status.FAILED, withNewline(shown) + "note: the process failed: " + why + "\n");
        }
        if (succeeded) {
            return new Outcome(t, Status.FAILED, withNewline(shown) + "note: test did not panic as expected\n");
        }
        if (text.contains(t.panic()) || why.contains(t.panic())) {
            return new Outcome(t, Status.OK, shown);
        }
        return new Outcome(t, Status.FAILED, withNewline(shown)
                + "note: panic did not contain expected string\n"
                + "      process failed: `" + why + "`,\n"
                + " expected substring: `\"" + t.panic() + "\"`\n");
    }

    static String withNewline(String s) {
        return s.isEmpty() || s.endsWith("\n") ? s : s + "\n";
    }

    /** 60 for a minute, 0.25 for a quarter of a second. */
    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0);
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
        }
    }
}
