package dev.weft.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft} in-process through {@link WeftCli#run}, on the hello example (examples/wasm/hello)
 * and WAT fixtures (src/test/resources/cli). The {@code ./weft} launcher, a subprocess, is tested
 * in integration-tests ({@code LauncherTest}).
 */
class WeftCliTest {

    /** The test runs in the node module's directory (Maven's basedir). */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String HELLO = ROOT.resolve("examples/wasm/hello/hello.wasm").toString();
    private static final Path FIXTURES = Path.of("src", "test", "resources", "cli");

    private record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    private static Result weft(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = WeftCli.run(args, o, e, new ByteArrayInputStream(new byte[0]));
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLine(Result r, String... fragments) {
        assertEquals(1, r.errLines().size(), "one line on stderr: " + r.err());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("weft: "), line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    private static String fixture(String name) {
        return FIXTURES.resolve(name).toString();
    }

    @Test
    void helloPrintsItsArgumentsAndTheGrantedEnvironment() {
        Result r = weft("run", "--env", "WEFT_GREETING=hi there", HELLO, "one", "two words", "--not-an-option");
        assertEquals(0, r.code(), r.err());
        assertEquals("Hello from Weft!\narg 1: one\narg 2: two words\narg 3: --not-an-option\n"
                + "WEFT_GREETING=hi there\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void maxFuelEndsAGuestThatDoesMoreWork() {
        String spawnMany = ROOT.resolve("examples/wasm/spawn_many/spawn_many.wasm").toString();
        Result out = weft("run", "--max-fuel", "1", spawnMany, "100000");
        assertEquals(WeftCli.TRAP, out.code(), out.out() + out.err());
        assertTrue(out.err().contains("out of fuel (max_fuel 1: 100000 instructions)"), out.err());
        Result enough = weft("run", "--max-fuel", "100000", spawnMany, "10");
        assertEquals(0, enough.code(), enough.out() + enough.err());
    }

    @Test
    void theProcessLimitMakesAGuestsSpawnFail() {
        String spawnMany = ROOT.resolve("examples/wasm/spawn_many/spawn_many.wasm").toString();
        Result ok = weft("run", "--max-processes", "2000", spawnMany, "100");
        assertEquals(0, ok.code(), ok.err());
        // the root and the node's watcher hold two slots: the third spawn of the guest is refused
        Result refused = weft("run", "--max-processes", "4", spawnMany, "100");
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue(refused.out().contains("failed: cannot spawn 'square': the node's limit of 4 processes is reached"),
                refused.out());
        assertEquals(2, weft("run", "--max-processes", "0", HELLO).code());
        assertEquals(2, weft("run", "--max-message", "-1", HELLO).code());
        assertEquals(2, weft("run", "--max-table-elements", "-1", HELLO).code());
        assertEquals(0, weft("run", "--max-table-elements", "10", "--max-message", "100", HELLO).code());
    }

    @Test
    void maxStackBoundsHowDeepAGuestRecurses() {
        String deep = fixture("deep_recursion.wasm"); // _start goes 100,000 calls deep
        for (String engine : List.of("compiler", "interpreter")) {
            Result small = weft("run", "--engine", engine, "--max-stack", "256k", deep);
            assertEquals(WeftCli.TRAP, small.code(), small.out() + small.err());
            assertOneLine(small, "trap: call stack exhausted in ", "(max stack 256 KiB)");
            Result big = weft("run", "--engine", engine, "--max-stack", "64M", deep);
            assertEquals(0, big.code(), big.out() + big.err());
        }
        Result bytes = weft("run", "--max-stack", "262144", deep);
        assertOneLine(bytes, "(max stack 256 KiB)");
        Result byDefault = weft("run", deep);
        assertOneLine(byDefault, "trap: call stack exhausted in ", "(max stack 1 MiB)");
        for (String bad : List.of("12x", "", "k", "-1m", "63k", "2g", "99999999999999g")) {
            Result r = weft("run", "--max-stack", bad, HELLO);
            assertEquals(WeftCli.USAGE, r.code(), bad);
            assertOneLine(r, "--max-stack takes bytes, or a size with a k, m or g suffix, from 64k to 1g; got '" + bad + "'");
        }
        assertEquals(0, weft("run", "--max-stack", "64k", HELLO).code());
        assertEquals(0, weft("run", "--max-stack", "1g", HELLO).code());
    }

    @Test
    void everySizeOptionTakesBytesOrAKMOrGSuffix() {
        for (String option : List.of("--max-memory", "--max-stack", "--max-message")) {
            for (String size : List.of("67108864", "65536k", "64m", "64M")) {
                Result r = weft("run", option, size, HELLO);
                assertEquals(0, r.code(), option + " " + size + ": " + r.err());
                assertEquals("Hello from Weft!\n", r.out());
            }
        }
        assertEquals(0, weft("run", "--max-memory", "4g", "--max-message", "0", HELLO).code());
    }

    @Test
    void aSizeOutsideItsRangeIsRefusedBeforeTheModuleIsRead() {
        // the app does not exist: were the size checked later, weft would exit 110 (cannot read app.wasm)
        String app = "no/such/app.wasm";
        for (List<String> refused : List.of(
                List.of("--max-memory", "1", "64k to 4g"), // less than one 64 KiB page
                List.of("--max-memory", "65535", "64k to 4g"),
                List.of("--max-memory", "5g", "64k to 4g"),
                List.of("--max-stack", "1", "64k to 1g"),
                List.of("--max-message", "2g", "0 to 1g"),
                List.of("--max-message", "-1", "0 to 1g"),
                List.of("--max-memory", "64mb", "64k to 4g"))) {
            String option = refused.get(0);
            String value = refused.get(1);
            Result r = weft("run", option, value, app);
            assertEquals(WeftCli.USAGE, r.code(), refused + ": " + r.err());
            assertOneLine(r, "weft: " + option + " takes bytes, or a size with a k, m or g suffix, from " + refused.get(2)
                    + "; got '" + value + "' (see 'weft run --help')");
        }
    }

    @Test
    void maxMemoryIsRoundedDownToWholePages() {
        // hello's memory starts at 2 pages (128 KiB): 191k rounds down to 2 pages, 127k to 1
        assertEquals(0, weft("run", "--max-memory", "191k", HELLO).code());
        Result r = weft("run", "--max-memory", "127k", HELLO);
        assertEquals(WeftCli.CANNOT_INSTANTIATE, r.code(), r.err());
        assertOneLine(r, "exceeds the limit of 1 pages (65536 bytes)");
    }

    @Test
    void anUnknownCommandIsOneLine() {
        for (String[] args : List.of(new String[] {"frobnicate"}, new String[] {"frobnicate", "run", HELLO},
                new String[] {"rn", HELLO}, new String[] {"--version", "frobnicate"})) {
            Result r = weft(args);
            assertEquals(WeftCli.USAGE, r.code(), String.join(" ", args));
            String command = args[0].startsWith("-") ? args[1] : args[0];
            assertOneLine(r, "weft: unknown command '" + command + "' (commands: run; see 'weft --help')");
            assertEquals("", r.out());
        }
    }

    @Test
    void aGrantedDirectoryCannotBeEscapedThroughSymlinksOrDotDot(@TempDir Path tmp) throws Exception {
        Path granted = Files.createDirectories(tmp.resolve("granted"));
        Files.writeString(tmp.resolve("secret.txt"), "secret\n");
        Files.writeString(granted.resolve("in.txt"), "inside\n");
        Files.createDirectories(granted.resolve("sub"));
        Files.writeString(granted.resolve("sub/deep.txt"), "deep\n");
        Files.createSymbolicLink(granted.resolve("abs-out"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(granted.resolve("rel-out"), Path.of("../secret.txt"));
        Files.createSymbolicLink(granted.resolve("dir-out"), tmp);
        Files.createSymbolicLink(granted.resolve("rel-in"), Path.of("in.txt"));
        Files.createSymbolicLink(granted.resolve("dir-in"), Path.of("sub"));
        String dir = granted.toString();
        // (a relative symlink to a file, "rel-in", is not followed by Chicory 1.7.5's WASI at all:
        // "No such file or directory"; a relative symlink to a directory is)
        for (String inside : List.of("in.txt", "dir-in/deep.txt", "sub/../in.txt")) {
            Result r = weft("run", "--dir", dir, HELLO, "cat", dir + "/" + inside);
            assertEquals(0, r.code(), inside + ": " + r.out() + r.err());
            assertTrue(r.out().endsWith("inside\n") || r.out().endsWith("deep\n"), inside + ": " + r.out());
        }
        for (String outside : List.of("abs-out", "rel-out", "dir-out/secret.txt", "../secret.txt", "sub/../../secret.txt")) {
            Result r = weft("run", "--dir", dir, HELLO, "cat", dir + "/" + outside);
            assertTrue(!r.out().lines().toList().contains("secret"), outside + " leaked: " + r.out());
            String said = r.out() + r.err();
            assertTrue(said.contains("Capabilities insufficient") || said.contains("Operation not permitted"),
                    outside + ": " + said);
        }
        Result absolute = weft("run", "--dir", dir, HELLO, "cat", tmp.resolve("secret.txt").toString());
        assertTrue(!absolute.out().lines().toList().contains("secret"), absolute.out());
    }

    @Test
    void withoutArguments() {
        Result r = weft("run", HELLO);
        assertEquals(0, r.code(), r.err());
        assertEquals("Hello from Weft!\n", r.out());
    }

    @Test
    void procExitBecomesTheExitCode() {
        Result r = weft("run", HELLO, "exit");
        assertEquals(3, r.code(), r.err());
        assertEquals("Hello from Weft!\narg 1: exit\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void aTrapExits101WithOneLine() {
        for (String engine : List.of("compiler", "interpreter")) {
            Result r = weft("run", "--engine", engine, HELLO, "trap");
            assertEquals(WeftCli.TRAP, r.code(), r.err());
            assertEquals(101, r.code());
            assertEquals("Hello from Weft!\narg 1: trap\n", r.out());
            assertOneLine(r, "weft: " + HELLO + ": trap: ", "unreachable", "in main");
        }
    }

    @Test
    void aGrantedDirectoryIsReadableAtTheSamePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("note.txt");
        Files.writeString(file, "a note\n");
        Result r = weft("run", "--dir", dir.toString(), HELLO, "cat", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith("a note\n"), r.out());

        Result denied = weft("run", HELLO, "cat", file.toString());
        assertEquals(1, denied.code(), denied.out());
        assertFalse(denied.out().contains("a note"), denied.out());
    }

    @Test
    void aMissingFile() {
        Result r = weft("run", "no/such/app.wasm");
        assertEquals(WeftCli.UNREADABLE, r.code());
        assertOneLine(r, "no/such/app.wasm", "no such file");
        assertEquals("", r.out());
    }

    @Test
    void notAWasmFile(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("app.wasm");
        Files.writeString(text, "#!/bin/sh\necho not wasm\n");
        Result r = weft("run", text.toString());
        assertEquals(WeftCli.NOT_WASM, r.code());
        assertOneLine(r, text.toString(), "not a Wasm module");
    }

    @Test
    void aMalformedModule(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.wasm");
        byte[] hello = Files.readAllBytes(Path.of(HELLO));
        Files.write(broken, java.util.Arrays.copyOf(hello, hello.length / 2));
        Result r = weft("run", broken.toString());
        assertEquals(WeftCli.MALFORMED, r.code());
        assertOneLine(r, broken.toString(), "malformed");
    }

    @Test
    void aModuleWithoutStart() {
        Result r = weft("run", fixture("no_start.wasm"));
        assertEquals(WeftCli.NO_START, r.code());
        assertOneLine(r, "no_start.wasm", "no _start", "[add]");
    }

    @Test
    void anUnknownImport() {
        Result r = weft("run", fixture("unknown_import.wasm"));
        assertEquals(WeftCli.UNKNOWN_IMPORT, r.code());
        assertOneLine(r, "unknown_import.wasm", "unknown import env::nope");
    }

    @Test
    void aLunaticGuestTalksToItselfThroughLunaticMessage() {
        Result r = weft("run", fixture("lunatic_self_message.wasm"));
        assertEquals(7, r.code(), r.toString());
    }

    @Test
    void aLunaticGuestSpawnsAChildOfItsOwnModule() {
        Result r = weft("run", fixture("lunatic_spawn.wasm"));
        assertEquals(7, r.code(), r.toString());
    }

    @Test
    void memoryAboveMaxMemoryCannotInstantiate() {
        Result r = weft("run", "--max-memory", "65536", HELLO);
        assertEquals(WeftCli.CANNOT_INSTANTIATE, r.code());
        assertOneLine(r, "cannot instantiate", "exceeds the limit");
        assertEquals(0, weft("run", "--max-memory", "16777216", "--max-fuel", "1000000", HELLO).code());
    }

    @Test
    void badCommandLines() {
        Result env = weft("run", "--env", "NOEQUALS", HELLO);
        assertEquals(WeftCli.USAGE, env.code());
        assertOneLine(env, "--env needs NAME=VALUE");

        Result dir = weft("run", "--dir", "/no/such/dir", HELLO);
        assertEquals(WeftCli.USAGE, dir.code());
        assertOneLine(dir, "/no/such/dir", "no such directory");

        Result option = weft("run", "--frobnicate", HELLO);
        assertEquals(WeftCli.USAGE, option.code());
        assertOneLine(option, "weft: unknown option '--frobnicate' (see 'weft run --help')");

        Result typo = weft("run", "--max-memroy", "64m", HELLO);
        assertEquals(WeftCli.USAGE, typo.code());
        assertOneLine(typo, "weft: unknown option '--max-memroy', did you mean --max-memory? (see 'weft run --help')");

        Result topLevel = weft("--frobnicate");
        assertEquals(WeftCli.USAGE, topLevel.code());
        assertOneLine(topLevel, "weft: unknown option '--frobnicate' (see 'weft --help')");

        Result noApp = weft("run");
        assertEquals(WeftCli.USAGE, noApp.code());
        assertOneLine(noApp, "weft: missing app.wasm, the WASI command module to run (see 'weft run --help')");

        Result noValue = weft("run", "--max-fuel");
        assertEquals(WeftCli.USAGE, noValue.code());
        assertOneLine(noValue, "weft: --max-fuel needs a value (N) (see 'weft run --help')");

        Result notANumber = weft("run", "--max-processes", "1.5", HELLO);
        assertEquals(WeftCli.USAGE, notANumber.code());
        assertOneLine(notANumber, "weft: invalid value for option '--max-processes': '1.5' is not a whole number");

        Result tooLarge = weft("run", "--max-table-elements", "99999999999", HELLO);
        assertEquals(WeftCli.USAGE, tooLarge.code());
        assertOneLine(tooLarge, "'99999999999' is out of range (at most 2147483647)");

        Result engine = weft("run", "--engine", "jit", HELLO);
        assertEquals(WeftCli.USAGE, engine.code());
        assertOneLine(engine, "weft: invalid value for option '--engine': 'jit' is not an engine (compiler or interpreter)");
        assertEquals(0, weft("run", "--engine", "Interpreter", HELLO).code());
    }

    @Test
    void exitCodesAreDistinct() {
        List<Integer> codes = List.of(WeftCli.OK, WeftCli.USAGE, WeftCli.TRAP, WeftCli.UNREADABLE, WeftCli.NOT_WASM,
                WeftCli.MALFORMED, WeftCli.UNSUPPORTED, WeftCli.NO_START, WeftCli.UNKNOWN_IMPORT,
                WeftCli.CANNOT_INSTANTIATE, WeftCli.INTERNAL);
        assertEquals(codes.size(), codes.stream().distinct().count());
        assertEquals(codes.stream().sorted().toList(), WeftCli.EXIT_CODES.keySet().stream().sorted().toList());
    }

    @Test
    void help() {
        Result r = weft("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: weft"), r.out());
        assertTrue(r.out().contains("run"), r.out());
        for (var e : WeftCli.EXIT_CODES.entrySet()) {
            assertTrue(r.out().contains(e.getValue()), "exit code " + e.getKey() + " documented: " + r.out());
        }

        Result run = weft("run", "--help");
        assertEquals(0, run.code());
        for (String option : List.of("--dir", "--env", "--max-memory", "--max-fuel", "--max-stack", "--engine", "app.wasm",
                "Exit codes", "101")) {
            assertTrue(run.out().contains(option), option + " in: " + run.out());
        }
    }

    @Test
    void version() {
        Result r = weft("--version");
        assertEquals(0, r.code());
        assertEquals("weft " + WeftCli.VERSION + "\n", r.out());
        String pomVersion = System.getProperty("weft.project.version");
        assumeTrue(pomVersion != null, "not run by Maven");
        assertEquals(pomVersion, WeftCli.VERSION, "WeftCli.VERSION must follow the POM");
    }

    @Test
    void noCommandPrintsTheUsage() {
        Result r = weft();
        assertEquals(WeftCli.USAGE, r.code());
        assertTrue(r.err().contains("Usage: weft"), r.err());
    }

    /** The committed fixtures are what wat2wasm builds from the .wat next to them. */
    @Test
    void fixturesAreBuiltFromTheirWat(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("wat2wasm"), "wat2wasm is not on PATH");
        for (String name : List.of("no_start", "unknown_import", "lunatic_self_message", "lunatic_spawn", "lunatic_tests",
                "deep_recursion")) {
            Path built = tmp.resolve(name + ".wasm");
            Process p = new ProcessBuilder("wat2wasm", fixture(name + ".wat"), "-o", built.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "wat2wasm timed out");
            assertEquals(0, p.exitValue(), log);
            org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(built),
                    Files.readAllBytes(Path.of(fixture(name + ".wasm"))), name + ".wasm is stale: rebuild it");
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
