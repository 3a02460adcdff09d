package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A runtime, a test process attached to it and a {@link LunaticHost}, for tests that run one of the
 * C guests under {@code guests/} and read what it reports: data messages of little-endian int64
 * values (tag 0 unless said otherwise) sent to the test process, whose serial the guest gets as
 * {@link #to()}.
 */
final class GuestSession implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    final ProcessRuntime runtime;
    final AttachedProcess me;
    final ModuleLoader loader = new ModuleLoader();
    final LunaticHost host = LunaticHost.builder().moduleLoader(loader).build();
    final byte[] moduleBytes;

    /** A session for the guest module {@code /guests/<guest>} on a node with at most {@code maxProcesses}. */
    GuestSession(String guest, int maxProcesses) throws IOException {
        try (InputStream in = GuestSession.class.getResourceAsStream("/guests/" + guest)) {
            assertNotNull(in, guest);
            moduleBytes = in.readAllBytes();
        }
        runtime = new ProcessRuntime(1, new SimpleMeterRegistry(), maxProcesses);
        me = runtime.attach();
    }

    GuestSession(String guest) throws IOException {
        this(guest, ProcessRuntime.DEFAULT_MAX_PROCESSES);
    }

    @Override
    public void close() {
        me.close();
        runtime.close();
    }

    MonitoredPid spawn(Engine engine, WasmConfig config, String export, Object... args) throws Exception {
        WasmModule module = loader.load(moduleBytes, engine);
        return me.spawnMonitor(host.processBody(module, config, export, args));
    }

    MonitoredPid spawn(String export, Object... args) throws Exception {
        return spawn(Engine.COMPILER, WasmConfig.defaults(), export, args);
    }

    /** The test process's serial: where guests send their reports. */
    long to() {
        return me.self().serial();
    }

    Pid pid(long serial) {
        return new Pid(me.self().node(), serial);
    }

    /** The bytes of the next data message with {@code tag}. */
    byte[] next(long tag) {
        Message m = me.receive(msg -> msg.tag() == tag && msg.payload() instanceof DataMessage, WAIT);
        assertNotNull(m, "no message with tag " + tag + " within " + WAIT);
        return ((DataMessage) m.payload()).data();
    }

    byte[] next() {
        return next(0);
    }

    /** The values of the next report. */
    long[] report() {
        return values(next());
    }

    /** The next n reports, in the order they came (from several processes: any order). */
    List<long[]> reports(int n) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(report());
        }
        return out;
    }

    static long[] values(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[buf.remaining() / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = buf.getLong();
        }
        return values;
    }

    ExitReason awaitDown(MonitoredPid child) {
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), WAIT);
        assertNotNull(down, child.pid() + " did not exit within " + WAIT);
        return ((DownMessage) down.payload()).reason();
    }

    static String errorMessage(ExitReason reason) {
        return assertInstanceOf(ExitReason.Error.class, reason, () -> "not an error: " + reason).message();
    }
}
