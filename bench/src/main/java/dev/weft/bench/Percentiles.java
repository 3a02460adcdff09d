package dev.weft.bench;

import java.util.List;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.Histogram;

/**
 * The one way the benchmarks read a distribution: a latency's median, p99 and max, and the median
 * of a benchmark's warm rounds. HdrHistogram's definition: the value at percentile p is the
 * smallest recorded value that p% of the recordings do not exceed (by rank, never interpolated: a
 * median of an odd count is the middle value, of an even count the lower middle one), reported as
 * the bucket it fell in, as is the max.
 *
 * <p>One setting: {@value #SIGNIFICANT_DIGITS} significant decimal digits, auto-resizing. A figure
 * is then within 0.1% of the value recorded: finer than any printed figure needs (3 or 4 digits)
 * and far finer than run-to-run noise here (about ±30%); fewer digits (1%) would show in the
 * printed figures, more would only cost memory.
 */
final class Percentiles {

    static final int SIGNIFICANT_DIGITS = 3;

    private Percentiles() {}

    /** A histogram of durations in nanoseconds, from 1 ns up. */
    static Histogram ofNanos(long[] nanos) {
        Histogram histogram = new Histogram(SIGNIFICANT_DIGITS);
        for (long n : nanos) {
            histogram.recordValue(n);
        }
        return histogram;
    }

    /** The median of positive figures of any unit (the warm rounds of a benchmark). */
    static double median(List<Double> values) {
        DoubleHistogram histogram = new DoubleHistogram(SIGNIFICANT_DIGITS);
        for (double v : values) {
            histogram.recordValue(v);
        }
        return histogram.getValueAtPercentile(50);
    }
}
