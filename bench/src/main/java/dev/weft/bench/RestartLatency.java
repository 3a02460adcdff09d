package dev.weft.bench;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.wasm.WasmModule;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.Restart;
import dev.weft.supervision.Strategy;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Supervisor restart latency: the time from a child's crash to its replacement running, for a Java
 * child and a Wasm child under a one_for_one supervisor. Each round the driver (a host thread
 * attached as a process) sends the running child a message that makes it crash (a Java exception, a
 * Wasm trap) and waits for the replacement's first message; the round's time runs from just before
 * the crash message is sent to the replacement's message arriving, so it includes two message
 * hand-offs (a few µs) besides the exit signal, the supervisor's restart and the new process's
 * start (for Wasm: instantiating the module). Issue 4's target: under 1 ms at the median.
 */
final class RestartLatency {

    /** Tag of the "I am running" message a child sends the driver. */
    private static final long UP = 7;

    record Result(String child, int rounds, double medianMicros, double p99Micros, double maxMicros) {
        String line() {
            return String.format(Locale.ROOT, "  %-11s %,6d restarts   median %8.1f µs   p99 %8.1f µs   max %8.1f µs",
                    child, rounds, medianMicros, p99Micros, maxMicros);
        }
    }

    private RestartLatency() {}

    static Result java(Node node, int warmup, int rounds) {
        try (AttachedProcess me = node.attach()) {
            Pid driver = me.self();
            ProcessBody child = ctx -> {
                ctx.send(driver, UP, ctx.self());
                ctx.receive();
                throw new IllegalStateException("crash (restart-latency benchmark)");
            };
            return measure(me, "Java child", ChildSpec.builder("worker").body(child).restart(Restart.PERMANENT).build(),
                    m -> (Pid) m.payload(), warmup, rounds);
        }
    }

    static Result wasm(Node node, int warmup, int rounds) {
        WasmModule module;
        try (InputStream in = RestartLatency.class.getResourceAsStream("restart_child.wasm")) {
            module = node.loadModule(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (dev.weft.process.wasm.ModuleLoadException e) {
            throw new IllegalStateException(e);
        }
        try (AttachedProcess me = node.attach()) {
            ProcessBody child = node.wasmBody(module, WasmConfig.builder().withWasi(false).build(), "child",
                    me.self().serial());
            return measure(me, "Wasm child", ChildSpec.builder("worker").body(child).restart(Restart.PERMANENT).build(),
                    m -> new Pid(me.self().node(),
                            ByteBuffer.wrap(((DataMessage) m.payload()).data()).order(ByteOrder.LITTLE_ENDIAN).getLong()),
                    warmup, rounds);
        }
    }

    private static Result measure(AttachedProcess me, String name, ChildSpec child,
            java.util.function.Function<Message, Pid> pidOf, int warmup, int rounds) {
        SupervisorSpec spec = SupervisorSpec.builder().strategy(Strategy.ONE_FOR_ONE)
                .intensity(Integer.MAX_VALUE).period(Duration.ofHours(1)).child(child).build();
        Pid sup = Supervisor.start(me, spec);
        try {
            Pid running = pidOf.apply(up(me));
            long[] nanos = new long[rounds];
            for (int i = -warmup; i < rounds; i++) {
                long t0 = System.nanoTime();
                me.send(running, new DataMessage(new byte[0]));
                Message m = up(me);
                long t1 = System.nanoTime();
                running = pidOf.apply(m);
                if (i >= 0) {
                    nanos[i] = t1 - t0;
                }
            }
            Histogram latencies = Percentiles.ofNanos(nanos);
            return new Result(name, rounds, latencies.getValueAtPercentile(50) / 1e3,
                    latencies.getValueAtPercentile(99) / 1e3, latencies.getMaxValue() / 1e3);
        } finally {
            Supervisor.stop(me, sup);
        }
    }

    private static Message up(AttachedProcess me) {
        Message m = me.receive(msg -> msg.tag() == UP, Duration.ofSeconds(10));
        if (m == null) {
            throw new IllegalStateException("the restarted child did not report within 10 s");
        }
        return m;
    }
}
