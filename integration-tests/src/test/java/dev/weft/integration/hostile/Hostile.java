package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.DataMessage;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.WasmModule;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What the hostile-guest tests share: the fixtures of {@code src/test/resources/hostile}, the
 * well-behaved neighbour ({@code echo.wasm}: a Wasm process answering the test's pings) and the
 * checks made after every hostile guest (the neighbour answers, in order, nothing lost).
 */
final class Hostile {

    /** Tag of a ping the echo neighbour sends back. */
    static final long PING = 7;
    /** Tag of the request for the neighbour's count of other messages. */
    static final long STATS = 8;

    static final Duration WAIT = Duration.ofSeconds(20);

    private Hostile() {}

    static byte[] fixture(String name) {
        try (InputStream in = Hostile.class.getResourceAsStream("/hostile/" + name)) {
            assertNotNull(in, "missing fixture hostile/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WasmModule load(Node node, String name) throws ModuleLoadException {
        return node.loadModule(fixture(name));
    }

    static WasmModule load(Node node, String name, Engine engine) throws ModuleLoadException {
        return node.loadModule(fixture(name), engine);
    }

    /** The test's side: an attached process and an echo neighbour answering it. */
    static final class Neighbour {
        final Node node;
        final AttachedProcess me;
        final Pid echo;
        private long seq;
        long pings;

        Neighbour(Node node) throws ModuleLoadException {
            this.node = node;
            this.me = node.attach();
            this.echo = node.spawnWasm(load(node, "echo.wasm"), "echo", me.self().serial());
        }

        /** Sends {@code n} pings, then checks that each comes back, in order, within {@code timeout} each. */
        void assertAnswers(int n, Duration timeout) {
            long first = seq;
            for (int i = 0; i < n; i++) {
                node.send(echo, PING, new DataMessage(longBytes(seq++)));
            }
            for (long expected = first; expected < seq; expected++) {
                Message m = me.receive(MessageFilter.tags(PING), timeout);
                assertNotNull(m, "the neighbour did not answer ping " + expected + " within " + timeout);
                assertEquals(expected, readLong(((DataMessage) m.payload()).data(), 0), "pings answered out of order");
                pings++;
            }
            assertTrue(node.isAlive(echo), "the neighbour died");
        }

        void assertAnswers() {
            assertAnswers(10, WAIT);
        }

        /** The round trip of one ping, in nanoseconds; fails if it takes longer than {@code timeout}. */
        long roundTripNanos(Duration timeout) {
            long start = System.nanoTime();
            assertAnswers(1, timeout);
            return System.nanoTime() - start;
        }

        /** How many non-ping data messages the neighbour has received. */
        long others() {
            node.send(echo, STATS, new DataMessage(new byte[0]));
            Message m = me.receive(MessageFilter.tags(STATS), WAIT);
            assertNotNull(m, "the neighbour did not answer the stats request");
            return readLong(((DataMessage) m.payload()).data(), 0);
        }

        void close() {
            me.close();
        }
    }

    /** The test receives a data message with {@code tag} and returns its bytes. */
    static byte[] receiveData(AttachedProcess me, long tag, Duration timeout) {
        Message m = me.receive(MessageFilter.tags(tag), timeout);
        assertNotNull(m, "no message tagged " + tag + " within " + timeout);
        return ((DataMessage) m.payload()).data();
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long readLong(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    static int readInt(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    /** The message of an error reason, or fails. */
    static String errorMessage(ExitReason reason) {
        assertTrue(reason instanceof ExitReason.Error, "expected an error exit, got " + reason);
        return ((ExitReason.Error) reason).message();
    }

    /** The message of a reason that must be the process going beyond {@code limit}. */
    static String limitMessage(ExitReason reason, ExitReason.Limit limit) {
        assertTrue(reason instanceof ExitReason.LimitExceeded exceeded && exceeded.limit() == limit,
                "expected the limit " + limit + ", got " + reason);
        return ((ExitReason.LimitExceeded) reason).message();
    }

    static boolean onPath(String command) {
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

    /** Runs wat2wasm on {@code wat} (text) in {@code dir}; the binary, or an exception with its output. */
    static byte[] wat2wasm(Path dir, String name, String wat) throws IOException, InterruptedException {
        Path source = dir.resolve(name + ".wat");
        Path out = dir.resolve(name + ".wasm");
        Files.writeString(source, wat, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("wat2wasm", source.toString(), "-o", out.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wat2wasm timed out on " + name);
        }
        if (p.exitValue() != 0) {
            throw new IOException("wat2wasm " + name + ": " + output + "\n" + wat);
        }
        return Files.readAllBytes(out);
    }
}
