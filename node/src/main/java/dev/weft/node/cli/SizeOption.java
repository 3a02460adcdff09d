package dev.weft.node.cli;

import java.util.Locale;

/**
 * A byte-size option of the command line ({@code --max-memory}, {@code --max-stack},
 * {@code --max-message}) and the range it accepts. Every size option is parsed here, so they all
 * take the same forms, a number of bytes or of KiB, MiB or GiB with a {@code k}, {@code m} or
 * {@code g} suffix ({@code 65536}, {@code 64k}, {@code 64M}), and refuse a value with the same
 * one-line message, which names the smallest and the largest accepted value.
 *
 * @param name the option, e.g. {@code --max-stack}
 * @param min the smallest accepted value, in bytes
 * @param max the largest accepted value, in bytes
 */
record SizeOption(String name, long min, long max) {

    SizeOption {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException(name + ": bad range " + min + ".." + max);
        }
    }

    /**
     * The bytes {@code value} stands for: digits, optionally followed by {@code k}, {@code m} or
     * {@code g} (either case; 1024, 1024², 1024³ bytes).
     *
     * @throws IllegalArgumentException with the option's one-line message if it has another form
     *     or lies outside {@link #min()}..{@link #max()}
     */
    long parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        int shift = v.endsWith("k") ? 10 : v.endsWith("m") ? 20 : v.endsWith("g") ? 30 : 0;
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw refused(value);
        }
        long number = Long.parseLong(digits); // at most 18 digits: fits a long
        if (number > (Long.MAX_VALUE >> shift)) {
            throw refused(value);
        }
        long bytes = number << shift;
        if (bytes < min || bytes > max) {
            throw refused(value);
        }
        return bytes;
    }

    private IllegalArgumentException refused(String value) {
        return new IllegalArgumentException(name + " takes bytes, or a size with a k, m or g suffix, from "
                + format(min) + " to " + format(max) + "; got '" + value + "'");
    }

    /** A byte count in the largest unit that writes it exactly: 1073741824 is "1g", 65536 "64k", 1000 "1000". */
    static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
