package dev.weft.process.internal;

import dev.weft.process.ExitReason;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The process layer's Micrometer meters: {@code weft.processes.alive}, {@code weft.processes.spawns},
 * {@code weft.processes.exits} (tagged {@code reason}), {@code weft.messages.sent} and
 * {@code weft.messages.received}, {@code weft.wasm.fuel.slices} (slices of 100,000 instructions
 * charged to processes that count fuel) and {@code weft.scheduler.preemptions} (processes that gave
 * up their carrier when asked; counted for the whole JVM, which all nodes in it share). Hot counters are {@link LongAdder}s read by function counters, so
 * counting a message costs one uncontended add.
 */
public final class ProcessMeters {

    private final MeterRegistry registry;
    private final LongAdder spawns = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder fuelSlices = new LongAdder();
    private final ConcurrentHashMap<String, Counter> exits = new ConcurrentHashMap<>();

    /** Every {@link ExitReason#kind()}. */
    private static final String[] KINDS = {"normal", "kill", "killed", "noproc", "noconnection", "shutdown", "error",
            "custom", "exit_code", "out_of_fuel", "limit", "cannot_instantiate"};

    ProcessMeters(MeterRegistry registry, IntSupplier alive) {
        this.registry = registry;
        // strongReference: a gauge holds its object weakly by default, and nothing else holds this
        // supplier, so the gauge read NaN after the first garbage collection.
        Gauge.builder("weft.processes.alive", alive, IntSupplier::getAsInt)
                .description("processes alive on this node").strongReference(true).register(registry);
        FunctionCounter.builder("weft.processes.spawns", spawns, LongAdder::sum)
                .description("processes spawned").register(registry);
        FunctionCounter.builder("weft.messages.sent", sent, LongAdder::sum)
                .description("messages sent by processes and the host").register(registry);
        FunctionCounter.builder("weft.messages.received", received, LongAdder::sum)
                .description("messages taken from mailboxes").register(registry);
        FunctionCounter.builder("weft.wasm.fuel.slices", fuelSlices, LongAdder::sum)
                .description("slices of 100,000 Wasm instructions charged to processes that count fuel")
                .register(registry);
        FunctionCounter.builder("weft.scheduler.preemptions", this, m -> Scheduler.preemptions())
                .description("times a busy process gave up its carrier when asked (whole JVM)").register(registry);
        // Registering a counter costs milliseconds the first time in a JVM (Micrometer's code is
        // cold), and exited() runs before the exit signals: a supervisor saw its child's first
        // failure 2-5 ms late (lunatic-rs's supervisor tests allow 10 ms for a restart). So each kind
        // of exit has its counter from the start.
        for (String kind : KINDS) {
            exitCounter(kind);
        }
    }

    /** A process that counts fuel was charged a slice. */
    public void fuelSlice() {
        fuelSlices.increment();
    }

    void spawned() {
        spawns.increment();
    }

    void sent() {
        sent.increment();
    }

    public void received() {
        received.increment();
    }

    void exited(ExitReason reason) {
        exitCounter(reason.kind()).increment();
    }

    private Counter exitCounter(String kind) {
        return exits.computeIfAbsent(kind, k -> Counter.builder("weft.processes.exits")
                .description("processes exited, by reason").tag("reason", k).register(registry));
    }
}
