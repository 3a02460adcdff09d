package dev.weft.bench;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.node.Node;
import dev.weft.process.DownMessage;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.WasmModule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The five benchmarks on Wasm processes: C guests ({@code bench/wasm/bench_guests.c}, one export per
 * process role) run by Chicory's compiler, spawned and messaging through {@code lunatic::*}. The
 * programs mirror {@link WeftBenchmarks} and {@code bench/erlang/weft_bench.erl}; every process of
 * the work is a Wasm process, drivers included.
 *
 * <p>Each round: the Java driver process (the same kind of driver as the Java rounds) spawns the
 * round's Wasm driver with its own pid as {@code host}, waits for READY (the Wasm driver has its
 * helpers running where they are not part of the work), sends GO, and times from GO to DONE: two
 * Java-Wasm messages (a few µs) on top of the work. The Wasm driver is monitored, so a guest that
 * traps fails the round at once.
 *
 * <p>The processes run without WASI ({@code WasmConfig} with WASI off, otherwise the defaults):
 * the guests import only {@code lunatic::*}.
 */
final class WasmBenchmarks {

    /** Message tags, as in bench_guests.c. */
    static final long GO = 1;
    static final long READY = 2;
    static final long DONE = 3;
    static final long STOP = 7;

    /** Where the module is, below the bench directory. */
    static final Path MODULE = Path.of("wasm", "bench_guests.wasm");

    private static final DataMessage EMPTY = new DataMessage(new byte[0]);

    final Node node;
    final WasmModule module;
    final WasmConfig config;

    private WasmBenchmarks(Node node, WasmModule module) {
        this.node = node;
        this.module = module;
        this.config = WasmConfig.builder().withWasi(false).build();
    }

    /** Loads {@code bench_guests.wasm} from the bench directory into {@code node}. */
    static WasmBenchmarks load(Node node, Path benchDir) throws ModuleLoadException {
        Path file = benchDir.resolve(MODULE);
        if (!Files.isRegularFile(file)) {
            throw new ModuleLoadException(ModuleLoadException.Kind.UNREADABLE,
                    file + " not found (bench/wasm/build.sh builds it)");
        }
        return new WasmBenchmarks(node, node.loadModule(file));
    }

    /** One timed Wasm round: the driver's DONE message's data and the nanoseconds from GO to DONE. */
    record Timed(long nanos, byte[] result) {
        long resultLong() {
            return ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    private Timed run(ProcessContext ctx, String export, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = ctx.self().serial();
        System.arraycopy(args, 0, all, 1, args.length);
        Pid driver = ctx.spawn(node.wasmBody(module, config, export, all));
        MonitorRef ref = ctx.monitor(driver);
        await(ctx, READY, ref, export);
        long t0 = System.nanoTime();
        ctx.send(driver, GO, EMPTY);
        Message done = await(ctx, DONE, ref, export);
        long elapsed = System.nanoTime() - t0;
        ctx.demonitor(ref, true);
        return new Timed(elapsed, ((DataMessage) done.payload()).data());
    }

    /** The next message with {@code tag}, or fails if the Wasm driver ended first. */
    private static Message await(ProcessContext ctx, long tag, MonitorRef ref, String export) {
        Message m = ctx.receive(msg -> msg.tag() == tag
                || (msg.payload() instanceof DownMessage down && down.ref().equals(ref)));
        if (m.payload() instanceof DownMessage down) {
            throw new IllegalStateException("the Wasm driver " + export + " ended: " + down.reason());
        }
        return m;
    }

    /** (a) spawn + one message + exit, all Wasm: µs per process. */
    double spawn(ProcessContext ctx, Sizes sizes) {
        int n = sizes.spawnProcesses();
        return run(ctx, "spawn_driver", n).nanos() / 1e3 / n;
    }

    /** (b) ping-pong between two Wasm processes: messages/s. */
    double pingPong(ProcessContext ctx, Sizes sizes) {
        int messages = sizes.pingPongMessages();
        return messages / (run(ctx, "pingpong_driver", messages).nanos() / 1e9);
    }

    /** (c) thread ring of Wasm processes: hops/s. */
    double ring(ProcessContext ctx, Sizes sizes) {
        return sizes.ringHops() / (run(ctx, "ring_driver", sizes.ringSize(), sizes.ringHops()).nanos() / 1e9);
    }

    /** (d) skynet of Wasm processes (with {@link Sizes#wasmSkynetLeaves()} leaves): ms; checks the sum. */
    double skynet(ProcessContext ctx, Sizes sizes) {
        long leaves = sizes.wasmSkynetLeaves();
        Timed t = run(ctx, "skynet_driver", leaves);
        long sum = t.resultLong();
        if (sum != Sizes.skynetExpectedSum(leaves)) {
            throw new IllegalStateException("skynet sum " + sum + ", expected " + Sizes.skynetExpectedSum(leaves));
        }
        return t.nanos() / 1e6;
    }

    /** (e) fan-in from Wasm senders into a Wasm receiver: messages/s; checks the count. */
    double fanIn(ProcessContext ctx, Sizes sizes) {
        long total = (long) sizes.faninSenders() * sizes.faninPerSender();
        Timed t = run(ctx, "fanin_driver", sizes.faninSenders(), sizes.faninPerSender());
        if (t.resultLong() != total) {
            throw new IllegalStateException("fan-in received " + t.resultLong() + ", expected " + total);
        }
        return total / (t.nanos() / 1e9);
    }
}
