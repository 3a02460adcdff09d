package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C guest SDK (host-api/src/main/c/weft/lunatic.h) declares the Lunatic ABI exactly:
 * the committed all_imports.wasm, built from a C file that references every function of the
 * header, imports exactly the 140 functions of lunatic-abi.json with their Wasm signatures; the
 * committed header is what the generator makes of the JSON (when python3 is on PATH); and the
 * guest rebuilt from source has the same imports as the committed one (when clang is on PATH).
 */
class LunaticHeaderTest {

    /** The host-api module directory (surefire runs tests there). */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path RESOURCES = MODULE.resolve("src/test/resources");
    /** The copy LunaticAbi reads at run time. */
    private static final Path ABI_COPY = MODULE.resolve("src/main/resources/dev/weft/hostapi/lunatic-abi.json");
    private static final Path DOC_COPY = RESOURCES.resolve("abi/LUNATIC-ABI.md");
    /** ../shared/abi beside the repository, when present (the source of the copies). */
    private static final Path SHARED_ABI = MODULE.getParent().getParent().resolve("shared/abi");
    private static final Path GUESTS = RESOURCES.resolve("guests");
    private static final Path ALL_IMPORTS = GUESTS.resolve("all_imports.wasm");
    private static final Path HEADER = MODULE.resolve("src/main/c/weft/lunatic.h");
    private static final Path GENERATOR = MODULE.resolve("tools/gen-lunatic-header.py");

    private static final String TOOLCHAIN_HINT =
            "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32";

    // ---------------------------------------------------------------------------------------------
    // (a) the committed guest imports exactly the ABI

    @Test
    void allImportsModuleImportsExactlyTheAbi() throws IOException {
        List<String> expected = abiSignatures();
        assertEquals(140, expected.size(), "lunatic-abi.json lists 140 functions");
        assertEquals(140, new TreeSet<>(expected).size(), "no function is listed twice");

        List<String> lunaticImports = imports(Files.readAllBytes(ALL_IMPORTS)).stream()
                .filter(i -> i.startsWith("lunatic::"))
                .collect(Collectors.toList());
        assertEquals(140, lunaticImports.size(), "all_imports.wasm imports 140 lunatic::* functions");
        assertSameSet(expected, lunaticImports, "lunatic-abi.json",
                "the lunatic::* imports of all_imports.wasm (rebuild it with build.sh)");
    }

    @Test
    void abiCopiesMatchSharedAbiWhenPresent() throws IOException {
        assumeTrue(Files.isRegularFile(SHARED_ABI.resolve("lunatic-abi.json")),
                "no ../shared/abi beside the repository");
        assertArrayEquals(Files.readAllBytes(SHARED_ABI.resolve("lunatic-abi.json")),
                Files.readAllBytes(ABI_COPY),
                ABI_COPY + " is a copy of " + SHARED_ABI.resolve("lunatic-abi.json"));
        assertArrayEquals(Files.readAllBytes(SHARED_ABI.resolve("LUNATIC-ABI.md")),
                Files.readAllBytes(DOC_COPY),
                DOC_COPY + " is a copy of " + SHARED_ABI.resolve("LUNATIC-ABI.md"));
    }

    // ---------------------------------------------------------------------------------------------
    // (b) the committed header is the generator's output

    @Test
    void committedHeaderIsGenerated(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("python3"), "python3 is not on PATH");
        Path out = tmp.resolve("lunatic.h");
        Result r = run(List.of("python3", GENERATOR.toString(), "--abi", ABI_COPY.toString(),
                "--doc", DOC_COPY.toString(), "--out", out.toString()), MODULE);
        assertEquals(0, r.exit, "gen-lunatic-header.py failed:\n" + r.output);
        List<String> committed = Files.readAllLines(HEADER);
        List<String> generated = Files.readAllLines(out);
        for (int k = 0; k < Math.max(committed.size(), generated.size()); k++) {
            String c = k < committed.size() ? committed.get(k) : "<end of file>";
            String g = k < generated.size() ? generated.get(k) : "<end of file>";
            assertEquals(g, c, "lunatic.h line " + (k + 1)
                    + " differs from the generator's output: run python3 host-api/tools/gen-lunatic-header.py");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (c) the guest rebuilt from source has the committed module's imports

    @Test
    void rebuiltGuestHasCommittedImports(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("clang"), "clang is not on PATH");
        Result r = run(List.of("bash", GUESTS.resolve("build.sh").toString(), tmp.toString()), GUESTS);
        assertEquals(0, r.exit, "build.sh failed (toolchain: " + TOOLCHAIN_HINT + "):\n" + r.output);
        for (String guest : List.of("all_imports.wasm", "configs.wasm", "supervisor_ops.wasm")) {
            List<String> rebuilt = imports(Files.readAllBytes(tmp.resolve(guest)));
            List<String> committed = imports(Files.readAllBytes(GUESTS.resolve(guest)));
            assertSameSet(committed, rebuilt, "the committed " + guest,
                    guest + " rebuilt from source (commit it after rebuilding with build.sh)");
            assertEquals(committed.size(), rebuilt.size(), "number of imports of " + guest);
        }
    }

    /** Fails listing what is only in one of the two, one import a line. */
    private static void assertSameSet(List<String> expected, List<String> actual, String expectedName,
                                      String actualName) {
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            org.junit.jupiter.api.Assertions.fail("imports differ.\nIn " + expectedName + " only:\n  "
                    + String.join("\n  ", missing) + "\nIn " + actualName + " only:\n  "
                    + String.join("\n  ", extra));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The ABI, from the JSON: "module\tname\t(params)->(results)"

    private static List<String> abiSignatures() {
        return signatures(LunaticAbi.functions());
    }

    /** Each function as "module\tname\tfunc(i32,i64)->(i32)", as {@link #imports} gives imports. */
    static List<String> signatures(List<LunaticAbi.Function> functions) {
        List<String> out = new ArrayList<>();
        for (LunaticAbi.Function f : functions) {
            List<String> params = new ArrayList<>();
            for (var type : f.type().params()) {
                params.add(valType(type.opcode()));
            }
            List<String> results = new ArrayList<>();
            for (var type : f.type().returns()) {
                results.add(valType(type.opcode()));
            }
            out.add(f.module() + "\t" + f.name() + "\tfunc(" + String.join(",", params) + ")->("
                    + String.join(",", results) + ")");
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // A tiny reader of a Wasm module's type and import sections.
    // Each import as "module\tname\tfunc(i32,i64)->(i32)" (or table/memory/global/tag ...).

    static List<String> imports(byte[] wasm) {
        Reader r = new Reader(wasm);
        if (r.u8() != 0x00 || r.u8() != 0x61 || r.u8() != 0x73 || r.u8() != 0x6D) {
            throw new IllegalArgumentException("not a Wasm module (bad magic)");
        }
        r.pos += 4; // version
        List<String> types = new ArrayList<>();
        List<String> imports = new ArrayList<>();
        while (r.pos < wasm.length) {
            int id = r.u8();
            int size = (int) r.uleb();
            int end = r.pos + size;
            if (id == 1) {
                long n = r.uleb();
                for (long k = 0; k < n; k++) {
                    if (r.u8() != 0x60) {
                        throw new IllegalArgumentException("unsupported type form at " + (r.pos - 1));
                    }
                    String params = r.valTypes();
                    String results = r.valTypes();
                    types.add("func(" + params + ")->(" + results + ")");
                }
            } else if (id == 2) {
                long n = r.uleb();
                for (long k = 0; k < n; k++) {
                    String module = r.name();
                    String name = r.name();
                    int kind = r.u8();
                    String desc;
                    switch (kind) {
                        case 0 -> desc = types.get((int) r.uleb());
                        case 1 -> desc = "table(" + valType(r.u8()) + "," + r.limits() + ")";
                        case 2 -> desc = "memory(" + r.limits() + ")";
                        case 3 -> desc = "global(" + valType(r.u8()) + (r.u8() == 1 ? ",mut" : "") + ")";
                        case 4 -> {
                            r.u8();
                            desc = "tag" + types.get((int) r.uleb());
                        }
                        default -> throw new IllegalArgumentException("unknown import kind " + kind);
                    }
                    imports.add(module + "\t" + name + "\t" + desc);
                }
                return imports;
            }
            r.pos = end;
        }
        return imports;
    }

    private static String valType(int b) {
        return switch (b) {
            case 0x7F -> "i32";
            case 0x7E -> "i64";
            case 0x7D -> "f32";
            case 0x7C -> "f64";
            case 0x7B -> "v128";
            case 0x70 -> "funcref";
            case 0x6F -> "externref";
            default -> throw new IllegalArgumentException("unknown value type 0x" + Integer.toHexString(b));
        };
    }

    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int u8() {
            return b[pos++] & 0xFF;
        }

        long uleb() {
            long result = 0;
            int shift = 0;
            while (true) {
                int x = u8();
                result |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return result;
                }
                shift += 7;
            }
        }

        String name() {
            int len = (int) uleb();
            String s = new String(b, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        String valTypes() {
            long n = uleb();
            List<String> l = new ArrayList<>();
            for (long k = 0; k < n; k++) {
                l.add(valType(u8()));
            }
            return String.join(",", l);
        }

        String limits() {
            int flags = u8();
            long min = uleb();
            return (flags & 1) != 0 ? min + ".." + uleb() : min + "..";
        }
    }

    // ---------------------------------------------------------------------------------------------

    record Result(int exit, String output) {
    }

    static Result run(List<String> command, Path dir) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
