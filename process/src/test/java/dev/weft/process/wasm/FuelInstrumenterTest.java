package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.runtime.Instance;
import dev.weft.process.internal.wasm.FuelCounter;
import dev.weft.process.internal.wasm.FuelInstrumenter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fuel rewriter: the modules it writes validate, keep their imports, exports and names, compute
 * what the originals compute on both engines, and charge what the cost model says.
 */
class FuelInstrumenterTest {

    static byte[] fixture(String path) throws IOException {
        try (InputStream in = FuelInstrumenterTest.class.getResourceAsStream("/wasm/" + path)) {
            assertNotNull(in, path);
            return in.readAllBytes();
        }
    }

    /** Every module the repository has: the test fixtures and the C examples (real clang output). */
    static List<Path> allModules() throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(Path.of("src", "test", "resources", "wasm"), Path.of("..", "examples", "wasm"))) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.walk(root)) {
                    files.filter(p -> p.toString().endsWith(".wasm")).sorted().forEach(found::add);
                }
            }
        }
        return found;
    }

    private static WasmModule counting(String path, Engine engine) throws Exception {
        return new ModuleLoader(engine, true).load(fixture(path), engine);
    }

    private static WasmModule plain(String path, Engine engine) throws Exception {
        return new ModuleLoader(engine, false).load(fixture(path), engine);
    }

    private static long run(Instance instance, String export, long... args) {
        return instance.export(export).apply(args)[0];
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void instrumentedModulesComputeWhatTheOriginalsCompute(Engine engine) throws Exception {
        WasmModule fuel = counting("fuel/compute.wasm", engine);
        WasmModule none = plain("fuel/compute.wasm", engine);
        assertTrue(fuel.countsFuel());
        assertFalse(none.countsFuel());
        Instance a = fuel.instanceBuilder().build(); // runs the start function
        Instance b = none.instanceBuilder().build();
        long[][] calls = {
            {20}, {0}, {1}, {2}, {engine == Engine.COMPILER ? 30 : 22},
        };
        for (long[] args : calls) {
            assertEquals(run(b, "fib", args), run(a, "fib", args), "fib " + Arrays.toString(args));
        }
        assertEquals(6765L, run(a, "fib", 20));
        assertEquals(run(b, "fib_iter", 90), run(a, "fib_iter", 90));
        assertEquals(2880067194370816120L, run(a, "fib_iter", 90));
        assertEquals(run(b, "sum_to", 300_000), run(a, "sum_to", 300_000));
        assertEquals(45000150000L, run(a, "sum_to", 300_000));
        assertEquals(run(b, "nested", 300), run(a, "nested", 300));
        assertEquals(0L, run(a, "countdown", 1000));
        assertEquals(run(b, "countdown", 1000), run(a, "countdown", 1000));
        assertEquals(run(b, "mix", 5000), run(a, "mix", 5000));
        assertEquals(144L, run(a, "square_ref", 12));
        assertEquals(run(b, "square_ref", -7), run(a, "square_ref", -7));
        assertEquals(7L, run(a, "started"));
        assertEquals(42L, a.exports().global("answer").getValue());
        RuntimeException ta = assertThrows(RuntimeException.class, () -> run(a, "trap_in_loop", 100));
        RuntimeException tb = assertThrows(RuntimeException.class, () -> run(b, "trap_in_loop", 100));
        assertEquals(tb.getClass(), ta.getClass());
        assertEquals(tb.getMessage(), ta.getMessage());
    }

    @Test
    void theCounterIsANewLastGlobalAndNothingElseMoves() throws Exception {
        WasmModule fuel = counting("fuel/compute.wasm", Engine.INTERPRETER);
        WasmModule none = plain("fuel/compute.wasm", Engine.INTERPRETER);
        assertEquals(3, fuel.fuelGlobal()); // three defined globals, none imported
        assertEquals(-1, none.fuelGlobal());
        assertEquals(none.functionNames(), fuel.functionNames());
        assertEquals("fib", fuel.functionName(6).orElseThrow());
        assertEquals(none.imports(), fuel.imports());
        assertEquals(none.exportNames(), fuel.exportNames());
        assertEquals(none.moduleName(), fuel.moduleName());
        assertEquals(none.id(), fuel.id()); // keyed by the bytes as given
        assertArrayEquals(fixture("fuel/compute.wasm"), fuel.bytes());
        assertEquals(none.chicoryModule().globalSection().globalCount() + 1,
                fuel.chicoryModule().globalSection().globalCount());

        WasmModule imports = counting("modules/imports.wasm", Engine.INTERPRETER);
        WasmModule importsPlain = plain("modules/imports.wasm", Engine.INTERPRETER);
        assertEquals(2, imports.fuelGlobal()); // after the two imported globals
        assertEquals(importsPlain.imports(), imports.imports());
        assertEquals(importsPlain.importedFunctionCount(), imports.importedFunctionCount());
        assertEquals(importsPlain.exportNames(), imports.exportNames());
    }

    @Test
    void theCostModelChargesEachLoopIterationItsStraightLineLength() throws Exception {
        for (Engine engine : Engine.values()) {
            WasmModule fuel = counting("fuel/compute.wasm", engine);
            // no global factory: the counter is a plain global that only counts down
            Instance inst = Instance.builder(fuel.chicoryModule()).withMachineFactory(fuel.machineFactory())
                    .build();
            long before = inst.global(fuel.fuelGlobal()).getValue();
            // the start function ($init) ran, uncharged: it cannot recur and has no loop
            assertEquals(FuelInstrumenter.SLICE, before);
            run(inst, "sum_to", 1000);
            // no charge at the entry (sum_to cannot recur); each iteration: 12 instructions up to
            // br_if, charged to a local budget that borrows from the counter and gives back the rest
            assertEquals(before - 12 * 1000, inst.global(fuel.fuelGlobal()).getValue(), engine.toString());
            // 10 outer iterations charged 3 (up to the inner loop), 46 inner ones charged 9 (up to
            // the else: the if is no branch point, its then arm is straight code)
            run(inst, "nested", 10);
            assertEquals(before - 12 * 1000 - 10 * 3 - 46 * 9, inst.global(fuel.fuelGlobal()).getValue(),
                    engine.toString());
            long mid = inst.global(fuel.fuelGlobal()).getValue();
            // 177 calls, each charged up to its first branch point: the condition (3), the if (which
            // is not one: both arms are straight code), the then arm (2) and the else: 7
            run(inst, "fib", 10);
            assertEquals(mid - 177 * 7, inst.global(fuel.fuelGlobal()).getValue(), engine.toString());
        }
    }

    @Test
    void theCounterRefillsAndTheGuestNeverSeesIt() throws Exception {
        WasmModule fuel = counting("fuel/compute.wasm", Engine.COMPILER);
        long[] refills = {0};
        Instance inst = Instance.builder(fuel.chicoryModule()).withMachineFactory(fuel.machineFactory())
                .withGlobalFactory(fuel.fuelGlobals(remaining -> {
                    refills[0]++;
                    assertTrue(remaining <= 0);
                    return FuelCounter.refill(remaining);
                }))
                .build();
        assertEquals(500000500000L, run(inst, "sum_to", 1_000_000));
        // 12,000,001 units of work at 100,000 a slice
        assertEquals(120, refills[0]);
        assertTrue(inst.global(fuel.fuelGlobal()).getValue() > 0);
    }

    @Test
    void codeThatNamesTheCounterIsRefusedAsInvalid() throws Exception {
        byte[] cheat = fixture("fuel/names_counter.wasm");
        ModuleLoadException fuel = assertThrows(ModuleLoadException.class, () -> new ModuleLoader().load(cheat));
        ModuleLoadException none = assertThrows(ModuleLoadException.class,
                () -> new ModuleLoader(Engine.COMPILER, false).load(cheat));
        assertEquals(ModuleLoadException.Kind.INVALID, fuel.kind(), fuel.getMessage());
        assertEquals(none.getMessage(), fuel.getMessage());
        assertThrows(FuelInstrumenter.Refused.class, () -> FuelInstrumenter.instrument(cheat));
    }

    @Test
    void everyModuleInTheRepositoryIsRewrittenToAValidModule(@TempDir Path tmp) throws Exception {
        List<Path> modules = allModules();
        assertTrue(modules.size() >= 10, "found " + modules);
        boolean validator = onPath("wasm-validate");
        int rewritten = 0;
        int validated = 0;
        long sites = 0;
        for (Path p : modules) {
            byte[] original = Files.readAllBytes(p);
            ModuleLoader plainLoader = new ModuleLoader(Engine.INTERPRETER, false);
            ModuleLoader fuelLoader = new ModuleLoader(Engine.INTERPRETER, true);
            WasmModule plainModule;
            try {
                plainModule = plainLoader.load(original);
            } catch (ModuleLoadException refused) { // an invalid fixture: refused the same way
                ModuleLoadException e = assertThrows(ModuleLoadException.class, () -> fuelLoader.load(original), p::toString);
                assertEquals(refused.getMessage(), e.getMessage(), p.toString());
                continue;
            }
            WasmModule m = fuelLoader.load(original);
            assertEquals(plainModule.imports(), m.imports(), p.toString());
            assertEquals(plainModule.exportNames(), m.exportNames(), p.toString());
            assertEquals(plainModule.functionNames(), m.functionNames(), p.toString());
            FuelInstrumenter.Result r = FuelInstrumenter.instrument(original);
            assertEquals(m.fuelGlobal(), r.fuelGlobal(), p.toString());
            sites += r.sites();
            if (validator) {
                Path out = tmp.resolve(rewritten + "-" + p.getFileName());
                Files.write(out, r.bytes());
                String before = validate(p);
                if (before.isEmpty()) { // wabt's default features cover the original: the rewrite too
                    assertEquals("", validate(out), p.toString());
                    validated++;
                }
            }
            rewritten++;
        }
        assertTrue(rewritten >= 8, "rewrote " + rewritten);
        assertTrue(sites > 100, "charged at " + sites + " sites");
        assertTrue(!validator || validated >= 8, "validated " + validated);
    }

    /** wasm-validate's complaints, empty if none. */
    private static String validate(Path module) throws Exception {
        Process v = new ProcessBuilder("wasm-validate", module.toString()).redirectErrorStream(true).start();
        String said = new String(v.getInputStream().readAllBytes());
        assertTrue(v.waitFor(60, TimeUnit.SECONDS));
        return v.exitValue() == 0 ? "" : said.isEmpty() ? "exit " + v.exitValue() : said;
    }

    @Test
    void brokenModulesAreRefusedAsWithoutFuel() throws Exception {
        byte[] good = fixture("fuel/compute.wasm");
        for (int length = 0; length < good.length; length++) {
            byte[] cut = Arrays.copyOf(good, length);
            checkSameOutcome(cut, "cut at " + length);
        }
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 300; i++) {
            byte[] bad = good.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                bad[8 + random.nextInt(bad.length - 8)] = (byte) random.nextInt(256);
            }
            checkSameOutcome(bad, "mutant " + i);
        }
    }

    private static void checkSameOutcome(byte[] bytes, String what) {
        String plain;
        try {
            new ModuleLoader(Engine.INTERPRETER, false).load(bytes);
            plain = null;
        } catch (ModuleLoadException e) {
            plain = e.getMessage();
        }
        String fuel;
        try {
            WasmModule m = new ModuleLoader(Engine.INTERPRETER, true).load(bytes);
            assertTrue(m.countsFuel());
            fuel = null;
        } catch (ModuleLoadException e) {
            fuel = e.getMessage();
        }
        if (plain == null) {
            assertEquals(null, fuel, what);
        } else {
            assertNotNull(fuel, what + ": refused without fuel (" + plain + ") but loaded with it");
            if (!fuel.startsWith("unsupported: Weft cannot count fuel")) {
                assertEquals(plain, fuel, what);
            }
        }
    }

    @Test
    void decoderRefusesWhatItCannotRead() {
        FuelInstrumenter.Refused e = assertThrows(FuelInstrumenter.Refused.class,
                () -> FuelInstrumenter.instrument(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 10, 4, 1, 2, 0, (byte) 0xFF}));
        assertInstanceOf(String.class, e.getMessage());
        assertThrows(FuelInstrumenter.Refused.class, () -> FuelInstrumenter.instrument(new byte[] {1, 2, 3}));
    }

    static boolean onPath(String command) {
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
