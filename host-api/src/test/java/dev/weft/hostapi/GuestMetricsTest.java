package dev.weft.hostapi;

import static dev.weft.hostapi.GuestHosts.awaitDown;
import static dev.weft.hostapi.GuestHosts.errorMessage;
import static dev.weft.hostapi.GuestHosts.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.internal.GuestMetrics;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lunatic::metrics with real WAT guests (wasm/lunatic/metrics.wat) on both engines: counters,
 * gauges and histograms land in the node's registry as {@code weft.guest.<name>}; gauges updated
 * by several processes at once lose nothing; a type conflict, bad names and the cap on names trap
 * only the calling process.
 */
class GuestMetricsTest {

    private ProcessRuntime runtime;
    private AttachedProcess me;
    private MeterRegistry registry;
    private GuestMetrics metrics;
    private final Map<Engine, WasmModule> modules = new EnumMap<>(Engine.class);

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
        registry = new SimpleMeterRegistry();
        metrics = new GuestMetrics(registry);
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    private ProcessBody guest(Engine engine, String export, Object... args) throws Exception {
        WasmModule module = modules.get(engine);
        if (module == null) {
            module = new ModuleLoader().load(fixture("metrics.wasm"), engine);
            modules.put(engine, module);
        }
        Pid test = me.self();
        GuestMetrics m = metrics;
        return WasmProcess.builder(module, export)
                .args(args)
                .hostFunctions(ctx -> GuestHosts.imports(ctx, test, m))
                .build();
    }

    private ExitReason run(Engine engine, String export, Object... args) throws Exception {
        return awaitDown(me, me.spawnMonitor(guest(engine, export, args)));
    }

    private void runNormally(Engine engine, String export, Object... args) throws Exception {
        assertEquals(ExitReason.NORMAL, run(engine, export, args), export);
    }

    private String trapOf(Engine engine, String export, Object... args) throws Exception {
        String message = errorMessage(run(engine, export, args));
        assertTrue(message.startsWith("trap: lunatic::metrics::"), message);
        return message.substring("trap: ".length());
    }

    private double counter(String name) {
        return registry.get(GuestMetrics.PREFIX + name).counter().count();
    }

    private double gauge(String name) {
        return registry.get(GuestMetrics.PREFIX + name).gauge().value();
    }

    private long guestMeters() {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith(GuestMetrics.PREFIX)).count();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void countersGaugesAndHistogramsLandInTheRegistry(Engine engine) throws Exception {
        runNormally(engine, "count", 5L); // requests += 5, += 1
        assertEquals(6.0, counter("requests"));
        runNormally(engine, "count", 10L);
        assertEquals(17.0, counter("requests"));
        Meter requests = registry.get(GuestMetrics.PREFIX + "requests").meter();
        assertInstanceOf(Counter.class, requests);
        assertTrue(requests.getId().getTags().isEmpty(), "tags: " + requests.getId().getTags());

        runNormally(engine, "temperature", 20.0, 2.5, 0.25); // = 20, += 2.5, -= 0.25
        assertEquals(22.25, gauge("temperature"));
        assertInstanceOf(Gauge.class, registry.get(GuestMetrics.PREFIX + "temperature").meter());
        runNormally(engine, "temperature", -3.0, 0.0, 1.0);
        assertEquals(-4.0, gauge("temperature"));

        runNormally(engine, "latency", 3.0);
        runNormally(engine, "latency", 5.5);
        runNormally(engine, "latency", -1.0); // Micrometer ignores negative samples
        DistributionSummary latency = registry.get(GuestMetrics.PREFIX + "latency").summary();
        assertEquals(2, latency.count());
        assertEquals(8.5, latency.totalAmount());
        assertEquals(5.5, latency.max());

        runNormally(engine, "utf8_name");
        assertEquals(1.0, counter("déjà"));
        assertEquals(4, guestMeters());
        assertEquals(4, metrics.size());
    }

    @Test
    void aCounterValueIsAnUnsigned64BitNumber() throws Exception {
        runNormally(Engine.COMPILER, "count", -1L); // u64::MAX, as lunatic-rs passes it, then + 1
        assertEquals(0x1p64, counter("requests"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void gaugesUpdatedByManyProcessesAtOnceLoseNothing(Engine engine) throws Exception {
        int processes = 4;
        int rounds = engine == Engine.COMPILER ? 20_000 : 2_000;
        MonitoredPid[] guests = new MonitoredPid[processes];
        for (int i = 0; i < processes; i++) {
            guests[i] = me.spawnMonitor(guest(engine, "shared_gauge", rounds)); // += 1.5, -= 0.5 each round
        }
        for (MonitoredPid g : guests) {
            assertEquals(ExitReason.NORMAL, awaitDown(me, g));
        }
        assertEquals((double) processes * rounds, gauge("shared"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aNameKeepsItsFirstType(Engine engine) throws Exception {
        runNormally(engine, "count", 1L);
        runNormally(engine, "temperature", 1.0, 0.0, 0.0);
        assertEquals("lunatic::metrics::gauge: the metric 'requests' is a counter, not a gauge (a guest metric"
                + " name keeps the type it was first used with)",
                trapOf(engine, "requests_as_gauge"));
        assertTrue(trapOf(engine, "requests_as_histogram").startsWith(
                "lunatic::metrics::histogram: the metric 'requests' is a counter, not a histogram"));
        assertTrue(trapOf(engine, "temperature_as_counter").startsWith(
                "lunatic::metrics::increment_counter: the metric 'temperature' is a gauge, not a counter"));
        // the meters are untouched and keep working
        assertEquals(2.0, counter("requests"));
        assertEquals(1.0, gauge("temperature"));
        runNormally(engine, "count", 1L);
        assertEquals(4.0, counter("requests"));
        assertEquals(2, guestMeters());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void badNamesTrapTheCaller(Engine engine) throws Exception {
        assertEquals("lunatic::metrics::counter: pointer 0xffff + length 8 is outside the guest's memory of 65536"
                + " bytes", trapOf(engine, "bad_pointer"));
        assertTrue(trapOf(engine, "bad_length").startsWith(
                "lunatic::metrics::histogram: the metric name is 4294967295 bytes long, more than the 1024 allowed"));
        assertTrue(trapOf(engine, "long_name").startsWith(
                "lunatic::metrics::gauge: the metric name is 1025 bytes long, more than the 1024 allowed"));
        assertTrue(trapOf(engine, "invalid_utf8").startsWith(
                "lunatic::metrics::increment_gauge: the string at 0x150 (length 2) is not valid UTF-8"));
        assertTrue(trapOf(engine, "empty_name").startsWith("lunatic::metrics::counter: the metric name is empty"));
        assertEquals(0, guestMeters());
        runNormally(engine, "count", 1L); // the others still work
        assertEquals(2.0, counter("requests"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void theNumberOfNamesIsCapped(Engine engine) throws Exception {
        metrics = new GuestMetrics(registry, 100);
        runNormally(engine, "many_names", 0, 100);
        assertEquals(100, guestMeters());
        assertEquals("lunatic::metrics::increment_counter: cannot create the metric 'megaa': this node already holds"
                + " the limit of 100 guest metric names",
                trapOf(engine, "many_names", 100, 101)); // name of 100 = 0x64: nibbles 4, 6, 0, 0
        assertEquals(100, guestMeters());
        runNormally(engine, "many_names", 0, 100); // known names keep working
        assertEquals(2.0, counter("maaaa"));
        assertEquals(2.0, counter("mdgaa")); // 99 = 0x63
        assertEquals(100, metrics.size());
    }

    @Test
    void theDefaultCapIsTenThousandNames() throws Exception {
        assertEquals(10_000, metrics.maxNames());
        runNormally(Engine.COMPILER, "many_names", 0, 10_000);
        assertEquals(10_000, guestMeters());
        assertTrue(trapOf(Engine.COMPILER, "many_names", 10_000, 10_001)
                .contains("this node already holds the limit of 10000 guest metric names"));
        assertTrue(trapOf(Engine.COMPILER, "count", 1L) // a new name of another type traps too
                .startsWith("lunatic::metrics::counter: cannot create the metric 'requests'"));
        assertEquals(10_000, guestMeters());
    }

    @Test
    void aMeterTheRegistryRefusesTrapsTheCaller() throws Exception {
        Gauge.builder(GuestMetrics.PREFIX + "requests", () -> 1.0).register(registry);
        assertTrue(trapOf(Engine.COMPILER, "count", 1L).startsWith(
                "lunatic::metrics::counter: the meter registry refuses a counter 'weft.guest.requests': "));
        assertEquals(0, metrics.size());
        runNormally(Engine.COMPILER, "temperature", 1.0, 0.0, 0.0);
        assertEquals(1.0, gauge("temperature"));
    }

    @Test
    void aNegativeCapIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GuestMetrics(registry, -1));
        assertNull(registry.find(GuestMetrics.PREFIX + "requests").meter());
    }
}
