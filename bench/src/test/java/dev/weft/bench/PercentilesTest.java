package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The benchmarks' one percentile definition (HdrHistogram, 3 significant digits). */
class PercentilesTest {

    /** Within 0.1% of {@code expected}: HdrHistogram reports the bucket a value fell in. */
    private static void assertNear(double expected, double actual) {
        assertEquals(expected, actual, expected / 1000, "expected about " + expected + ", got " + actual);
    }

    @Test
    void latenciesGiveTheirMedianP99AndMaxToAThousandth() {
        Histogram h = Percentiles.ofNanos(LongStream.rangeClosed(1, 1_000).map(i -> i * 1_000).toArray());
        assertEquals(1_000, h.getTotalCount());
        assertNear(500_000, h.getValueAtPercentile(50));
        assertNear(990_000, h.getValueAtPercentile(99));
        assertNear(1_000_000, h.getMaxValue());
    }

    @Test
    void aSmallSeriesIsReadByRank() {
        Histogram h = Percentiles.ofNanos(new long[] {5_000_000, 1_000_000, 3_000_000, 2_000_000, 40_000_000});
        assertNear(3_000_000, h.getValueAtPercentile(50));
        assertNear(40_000_000, h.getValueAtPercentile(99));
        assertNear(40_000_000, h.getMaxValue());
    }

    @Test
    void theMedianOfWarmRoundsIsTheMiddleOneOfAnOddCountWhateverTheUnit() {
        assertNear(1.59, Percentiles.median(List.of(1.71, 1.59, 1.42, 1.60, 1.55)));
        assertNear(3_100_000.0, Percentiles.median(List.of(2_900_000.0, 3_100_000.0, 3_300_000.0)));
        assertNear(2.0, Percentiles.median(List.of(2.0)));
        assertNear(1.0, Percentiles.median(List.of(1.0, 2.0))); // an even count: the lower middle one
    }

    @Test
    void aSeriesTakesItsWarmMedianFromTheRoundsAfterTheFirst() {
        Series s = Series.of(List.of(100.0, 3.0, 1.0, 2.0));
        assertEquals(100.0, s.cold());
        assertNear(2.0, s.warmMedian());
    }
}
