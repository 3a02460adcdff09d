package dev.weft.hostapi.internal;

import java.time.Duration;

/** Lunatic's {@code u64} millisecond timeouts, where {@code u64::MAX} means none. */
final class Timeouts {

    private Timeouts() {}

    /** The timeout of {@code millis}: null for none ({@code u64::MAX}, or above about 146 years). */
    static Duration of(long millis) {
        if (millis < 0 || millis > Long.MAX_VALUE / 2_000_000L) {
            return null;
        }
        return Duration.ofMillis(millis);
    }
}
