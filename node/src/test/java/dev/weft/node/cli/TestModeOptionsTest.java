package dev.weft.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** libtest's flags as test mode parses them ({@link TestMode.Options}), without running a module. */
class TestModeOptionsTest {

    private static TestMode.Options parse(String... args) throws TestMode.UsageException {
        return TestMode.Options.parse(List.of(args));
    }

    private static String refused(String... args) {
        return assertThrows(TestMode.UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void noArgumentsSelectEveryTestWithTheDefaults() throws Exception {
        TestMode.Options o = parse();
        assertEquals(List.of(), o.filters);
        assertEquals(List.of(), o.skips);
        assertFalse(o.exact || o.ignored || o.includeIgnored || o.nocapture || o.showOutput || o.list || o.terse || o.help);
        assertEquals(null, o.testThreads, "not given: RUST_TEST_THREADS or the number of CPUs decides");
    }

    @Test
    void everyFlagSetsItsOption() throws Exception {
        assertTrue(parse("--exact").exact);
        assertTrue(parse("--ignored").ignored);
        assertTrue(parse("--include-ignored").includeIgnored);
        assertTrue(parse("--nocapture").nocapture);
        assertTrue(parse("--no-capture").nocapture);
        assertTrue(parse("--show-output").showOutput);
        assertTrue(parse("--list").list);
        assertTrue(parse("-h").help);
        assertTrue(parse("--help").help);
        assertTrue(parse("-q").terse);
        assertTrue(parse("--quiet").terse);
        assertTrue(parse("--exact", "--exact").exact, "a flag may repeat");
    }

    @Test
    void filtersAreTheArgumentsThatAreNotOptionsInOrder() throws Exception {
        TestMode.Options o = parse("adds", "--exact", "tests::broken", "-", "a=b");
        assertEquals(List.of("adds", "tests::broken", "-", "a=b"), o.filters);
        assertTrue(o.exact);
    }

    @Test
    void optionsTakeTheirValueAfterASpaceOrAnEqualsSign() throws Exception {
        assertEquals(List.of("x", "y"), parse("--skip", "x", "--skip=y").skips);
        assertEquals(List.of(""), parse("--skip=").skips, "an empty filter: skips every test");
        assertTrue(parse("--format", "terse").terse);
        assertTrue(parse("--format=terse").terse);
        assertFalse(parse("--format=pretty").terse);
        assertEquals(4, parse("--test-threads", "4").testThreads);
        assertEquals(3, parse("--test-threads", "4", "--test-threads=1", "--test-threads", "+3").testThreads, "the last wins");
        parse("--color", "always", "--color=never", "-Z", "unstable-options"); // accepted, no effect
    }

    @Test
    void aValueMayStartWithADash() throws Exception {
        assertEquals(List.of("--exact", "-x", "-"), parse("--skip", "--exact", "--skip", "-x", "--skip", "-").skips);
        assertFalse(parse("--skip", "--exact").exact);
    }

    @Test
    void theLaterOfFormatAndQuietWins() throws Exception {
        assertFalse(parse("-q", "--format", "pretty").terse);
        assertTrue(parse("--format", "pretty", "-q").terse);
        assertFalse(parse("--format", "terse", "--format", "pretty").terse);
    }

    @Test
    void badValuesAreRefusedWithOneLine() {
        assertEquals("--format must be pretty or terse in test mode, got 'json'", refused("--format=json"));
        assertEquals("--format must be pretty or terse in test mode, got ''", refused("--format="));
        for (String threads : List.of("0", "-1", "x", "99999999999", "", " 2", "2.0", "\u0662")) {
            assertEquals("--test-threads needs a positive number, got '" + threads + "'",
                    refused("--test-threads=" + threads));
        }
        assertEquals("--test-threads needs a positive number, got '0'", refused("--test-threads", "0"));
    }

    @Test
    void anOptionWithoutItsValueIsRefused() {
        for (String option : List.of("--format", "--skip", "--color", "--test-threads", "-Z")) {
            assertEquals(option + " needs a value", refused(option));
            assertEquals(option + " needs a value", refused("adds", option));
        }
    }

    @Test
    void anUnknownOptionIsRefusedNamingWhatTestModeTakes() {
        String takes = " (test mode takes " + TestMode.SYNOPSIS + ")";
        assertEquals("unknown test option '--bogus'" + takes, refused("--bogus"));
        assertEquals("unknown test option '--bogus=3'" + takes, refused("--bogus=3"));
        assertEquals("unknown test option '-x'" + takes, refused("-x"));
        assertEquals("unknown test option '---x'" + takes, refused("---x"));
        assertEquals("unknown test option '--=x'" + takes, refused("--=x"));
        assertEquals("unknown test option '--EXACT'" + takes, refused("--EXACT"), "options are case-sensitive");
        assertEquals("unknown test option '--exac'" + takes, refused("--exac"), "no abbreviations");
        assertEquals("unknown test option '--bogus'" + takes, refused("adds", "--bogus", "--also"), "the first one");
        assertEquals("unknown test option '--bogus'" + takes, refused("-h", "--bogus"), "even with --help");
    }

    /**
     * Where picocli parses as libtest's getopts does and the hand-written parser did not: a flag
     * given {@code =true} or {@code =false}, {@code --} ending the options, {@code -Zvalue}, grouped
     * short flags. (A negative number is a filter, by picocli's rule.)
     */
    @Test
    void getoptsFormsTheHandWrittenParserRefused() throws Exception {
        assertTrue(parse("--exact=true").exact);
        assertFalse(parse("--exact=false").exact);
        assertFalse(parse("-q", "--quiet=false").terse);
        assertTrue(refused("--list=x").contains("'x' is not a boolean"), refused("--list=x"));
        assertEquals(List.of("a", "--exact", "b"), parse("a", "--", "--exact", "b").filters);
        assertFalse(parse("--", "--exact").exact);
        assertEquals(List.of(), parse("--").filters);
        assertEquals("--skip needs a value", refused("--skip", "--"));
        parse("-Zunstable-options", "-Z=unstable-options");
        TestMode.Options grouped = parse("-qh");
        assertTrue(grouped.terse && grouped.help);
        assertEquals(List.of("-5"), parse("-5").filters);
    }
}
