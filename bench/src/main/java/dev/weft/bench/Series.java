package dev.weft.bench;

import java.util.List;

/**
 * The rounds of one benchmark on one system: the first (cold) round apart, and the median of the
 * others (warm, see {@link Percentiles}). Or why there are none.
 */
record Series(List<Double> rounds, String error) {

    static Series of(List<Double> rounds) {
        return new Series(List.copyOf(rounds), null);
    }

    static Series failed(String error) {
        return new Series(List.of(), error);
    }

    static Series failed(List<Double> roundsSoFar, String error) {
        return new Series(List.copyOf(roundsSoFar), error);
    }

    boolean hasCold() {
        return !rounds.isEmpty();
    }

    boolean hasWarm() {
        return rounds.size() >= 2;
    }

    double cold() {
        return rounds.get(0);
    }

    double warmMedian() {
        return Percentiles.median(rounds.subList(1, rounds.size()));
    }
}
