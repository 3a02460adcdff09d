package dev.weft.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one parser of every byte-size option: its forms, its range and its message. */
class SizeOptionTest {

    private static final SizeOption OPTION = new SizeOption("--max-thing", 64 << 10, 4L << 30);

    @Test
    void bytesOrASuffixInEitherCase() {
        assertEquals(65536, OPTION.parse("65536"));
        assertEquals(65536, OPTION.parse("64k"));
        assertEquals(65536, OPTION.parse("64K"));
        assertEquals(64L << 20, OPTION.parse("64m"));
        assertEquals(64L << 20, OPTION.parse("64M"));
        assertEquals(1L << 30, OPTION.parse("1g"));
        assertEquals(4L << 30, OPTION.parse("4G"));
        assertEquals(100_000, OPTION.parse(" 100000 "));
    }

    @Test
    void theEndsOfTheRangeAreAccepted() {
        assertEquals(OPTION.min(), OPTION.parse("64k"));
        assertEquals(OPTION.max(), OPTION.parse("4g"));
        assertEquals(0, new SizeOption("--zero", 0, 10).parse("0"));
    }

    @Test
    void anythingElseIsRefusedWithOneMessageThatNamesTheRange() {
        for (String bad : List.of("", " ", "k", "1", "65535", "63k", "4097m", "5g", "-1", "-64k", "1.5m", "64kb", "64 k",
                "0x10000", "+64k", "1t", "99999999999999999999", "999999999999999999g", "9223372036854775807k")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OPTION.parse(bad), bad);
            assertEquals("--max-thing takes bytes, or a size with a k, m or g suffix, from 64k to 4g; got '" + bad + "'",
                    e.getMessage());
        }
    }

    @Test
    void sizesAreWrittenInTheLargestExactUnit() {
        assertEquals("0", SizeOption.format(0));
        assertEquals("1000", SizeOption.format(1000));
        assertEquals("64k", SizeOption.format(65536));
        assertEquals("1536k", SizeOption.format(1536 << 10));
        assertEquals("64m", SizeOption.format(64L << 20));
        assertEquals("1g", SizeOption.format(1L << 30));
        assertEquals("4g", SizeOption.format(4L << 30));
    }

    @Test
    void theRangeMustMakeSense() {
        assertThrows(IllegalArgumentException.class, () -> new SizeOption("--x", -1, 10));
        assertThrows(IllegalArgumentException.class, () -> new SizeOption("--x", 10, 9));
    }
}
