package dev.weft.hostapi.internal;

import com.dylibso.chicory.runtime.Instance;
import dev.weft.hostapi.internal.abi.LunaticMetricsAbi;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

/**
 * {@code lunatic::metrics}: the guests' metrics (lunatic-rs's {@code metrics} crate facade) as
 * Micrometer meters of one node. One object per node, shared by all its processes and threads:
 * a name means the same meter whichever process updates it, as with Lunatic's global recorder.
 *
 * <h2>Meters</h2>
 *
 * A guest metric {@code name} is the meter {@value #PREFIX}{@code name}, without tags (the prefix keeps
 * guests out of the host's own {@code weft.*} meters and apart from any other meter of the registry;
 * a Prometheus registry shows {@code requests} as {@code weft_guest_requests_total}). Its type is fixed
 * by the first call that uses the name:
 *
 * <ul>
 *   <li>{@code counter(name, value: i64)}: a {@link Counter} incremented by {@code value}, read as the
 *       {@code u64} it is in lunatic-rs ({@code metrics::counter!(name, value)} increments); so a negative
 *       i64 adds a number above 2^63, as in Lunatic. {@code increment_counter(name)} adds 1;
 *   <li>{@code gauge(name, value: f64)} sets a {@link Gauge}; {@code increment_gauge} and
 *       {@code decrement_gauge} add and subtract atomically (concurrent updates from any number of
 *       processes are never lost). A gauge's value starts at 0 and stays registered (held strongly
 *       by this object); NaN and infinities are stored as given;
 *   <li>{@code histogram(name, value: f64)} records a sample in a {@link DistributionSummary}. Micrometer
 *       ignores negative and NaN samples.
 * </ul>
 *
 * <h2>What traps the calling process</h2>
 *
 * Every failure below is a trap of the calling process only (a message starting with the host
 * function's name, e.g. {@code "lunatic::metrics::gauge: ..."}); no exception escapes to the host,
 * and other processes and their meters are untouched:
 *
 * <ul>
 *   <li>a name outside the guest's memory, or not valid UTF-8;
 *   <li>an empty name, or a name longer than {@value #MAX_NAME_BYTES} bytes (Lunatic accepts both;
 *       an empty name has no use as a meter and almost surely is a bug, a very long one would let a
 *       guest grow the host's memory);
 *   <li>a name used as another type than the one it was first used as (a counter that is then set as a
 *       gauge, ...): the metrics crate would keep two metrics of one name, which Micrometer cannot, so
 *       Weft refuses the second type rather than mix them;
 *   <li>a new name once the node holds {@link #maxNames()} guest names (default
 *       {@value #DEFAULT_MAX_NAMES}): the names are never forgotten, so the cap is what stops a hostile
 *       guest from filling the host's memory with meters. Names already known keep working;
 *   <li>a meter the registry refuses (e.g. someone else registered {@value #PREFIX}{@code name} as another
 *       type).
 * </ul>
 */
public final class GuestMetrics implements LunaticMetricsAbi {

    /** The prefix of the guests' meter names. */
    public static final String PREFIX = "weft.guest.";
    /** The default cap on the number of distinct guest metric names of a node. */
    public static final int DEFAULT_MAX_NAMES = 10_000;
    /** The longest guest metric name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1024;

    private enum Kind {
        COUNTER("a counter"),
        GAUGE("a gauge"),
        HISTOGRAM("a histogram");

        final String article;

        Kind(String article) {
            this.article = article;
        }
    }

    /** One guest metric; exactly one of the meter fields is set, by kind. */
    private record Metric(Kind kind, Counter counter, AtomicLong gaugeBits, DistributionSummary summary) {}

    private final MeterRegistry registry;
    private final int maxNames;
    private final ConcurrentHashMap<String, Metric> metrics = new ConcurrentHashMap<>();
    private final AtomicInteger names = new AtomicInteger();

    /** The guest metrics of a node, registered in {@code registry}, with the default cap on names. */
    public GuestMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_MAX_NAMES);
    }

    /** The guest metrics of a node, registered in {@code registry}, with at most {@code maxNames} names. */
    public GuestMetrics(MeterRegistry registry, int maxNames) {
        this.registry = Objects.requireNonNull(registry, "registry");
        if (maxNames < 0) {
            throw new IllegalArgumentException("maxNames must be >= 0: " + maxNames);
        }
        this.maxNames = maxNames;
    }

    /** The most distinct guest metric names this node accepts. */
    public int maxNames() {
        return maxNames;
    }

    /** The number of distinct guest metric names in use. */
    public int size() {
        return metrics.size();
    }

    @Override
    public void counter(Instance instance, int nameStrPtr, int nameStrLen, long value) {
        metric(instance, COUNTER, nameStrPtr, nameStrLen, Kind.COUNTER).counter.increment(unsigned(value));
    }

    @Override
    public void incrementCounter(Instance instance, int nameStrPtr, int nameStrLen) {
        metric(instance, INCREMENT_COUNTER, nameStrPtr, nameStrLen, Kind.COUNTER).counter.increment();
    }

    @Override
    public void gauge(Instance instance, int nameStrPtr, int nameStrLen, double value) {
        metric(instance, GAUGE, nameStrPtr, nameStrLen, Kind.GAUGE).gaugeBits.set(Double.doubleToRawLongBits(value));
    }

    @Override
    public void incrementGauge(Instance instance, int nameStrPtr, int nameStrLen, double value) {
        add(metric(instance, INCREMENT_GAUGE, nameStrPtr, nameStrLen, Kind.GAUGE).gaugeBits, value);
    }

    @Override
    public void decrementGauge(Instance instance, int nameStrPtr, int nameStrLen, double value) {
        add(metric(instance, DECREMENT_GAUGE, nameStrPtr, nameStrLen, Kind.GAUGE).gaugeBits, -value);
    }

    @Override
    public void histogram(Instance instance, int nameStrPtr, int nameStrLen, double value) {
        metric(instance, HISTOGRAM, nameStrPtr, nameStrLen, Kind.HISTOGRAM).summary.record(value);
    }

    private static double unsigned(long value) {
        return value >= 0 ? value : (double) (value >>> 1) * 2.0 + (value & 1);
    }

    private static void add(AtomicLong bits, double delta) {
        long current;
        long next;
        do {
            current = bits.get();
            next = Double.doubleToRawLongBits(Double.longBitsToDouble(current) + delta);
        } while (!bits.compareAndSet(current, next));
    }

    /** The metric named by the string at (ptr, len) in the guest's memory, created as {@code kind} if new. */
    private Metric metric(Instance inst, String fn, int ptr, int nameLen, Kind kind) {
        long len = Integer.toUnsignedLong(nameLen);
        if (len == 0) {
            throw trap(fn, "the metric name is empty");
        }
        if (len > MAX_NAME_BYTES) {
            throw trap(fn, "the metric name is " + len + " bytes long, more than the " + MAX_NAME_BYTES + " allowed");
        }
        String name = string(inst, fn, ptr, (int) len);
        Metric metric = metrics.get(name);
        if (metric == null) {
            metric = metrics.computeIfAbsent(name, n -> create(fn, n, kind));
        }
        if (metric.kind != kind) {
            throw trap(fn, "the metric '" + name + "' is " + metric.kind.article + ", not " + kind.article
                    + " (a guest metric name keeps the type it was first used with)");
        }
        return metric;
    }

    private Metric create(String fn, String name, Kind kind) {
        if (names.incrementAndGet() > maxNames) {
            names.decrementAndGet();
            throw trap(fn, "cannot create the metric '" + name + "': this node already holds the limit of "
                    + maxNames + " guest metric names");
        }
        String meter = PREFIX + name;
        try {
            return switch (kind) {
                case COUNTER -> new Metric(kind, Counter.builder(meter)
                        .description("guest counter (lunatic::metrics)").register(registry), null, null);
                case GAUGE -> {
                    AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0.0));
                    Gauge.builder(meter, bits, b -> Double.longBitsToDouble(b.get()))
                            .description("guest gauge (lunatic::metrics)").strongReference(true).register(registry);
                    yield new Metric(kind, null, bits, null);
                }
                case HISTOGRAM -> new Metric(kind, null, null, DistributionSummary.builder(meter)
                        .description("guest histogram (lunatic::metrics)").register(registry));
            };
        } catch (RuntimeException refused) {
            names.decrementAndGet();
            throw trap(fn, "the meter registry refuses " + kind.article + " '" + meter + "': " + refused.getMessage());
        }
    }
}
