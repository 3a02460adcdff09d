package dev.weft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ImportSection;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed {@code bench/wasm/bench_guests.wasm} is built from {@code bench_guests.c}: when
 * clang is on PATH, {@code bench/wasm/build.sh} rebuilds it into a temporary directory and the
 * rebuilt module must have the committed one's imports and exports. Skipped without clang.
 */
class BenchGuestsBuildTest {

    private static final Path WASM_DIR = Path.of("wasm");

    @Test
    @Timeout(60)
    void rebuiltModuleHasCommittedImportsAndExports(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("clang"), "clang is not on PATH");
        Process p = new ProcessBuilder("bash", WASM_DIR.resolve("build.sh").toString(), tmp.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS), "build.sh timed out");
        assertEquals(0, p.exitValue(), "bench/wasm/build.sh failed (toolchain, Debian 12: apt-get install"
                + " clang lld wasi-libc libclang-rt-14-dev-wasm32):\n" + new String(output, StandardCharsets.UTF_8));
        Path rebuilt = tmp.resolve("bench_guests.wasm");
        Path committed = WASM_DIR.resolve("bench_guests.wasm");
        assertTrue(Files.isRegularFile(rebuilt), "build.sh did not build " + rebuilt);
        WasmModule before = Parser.parse(committed);
        WasmModule after = Parser.parse(rebuilt);
        String hint = " of bench_guests.wasm rebuilt from source vs the committed " + committed
                + " (rebuild it with bench/wasm/build.sh and commit it)";
        assertEquals(imports(before), imports(after), "imports" + hint);
        assertEquals(exports(before), exports(after), "exports" + hint);
        assertTrue(imports(before).stream().allMatch(i -> i.startsWith("lunatic::")),
                "the guests import only lunatic::* (they run without WASI): " + imports(before));
    }

    /** The module's imports, in order, as "module\tname\ttype" (functions with their signature). */
    private static List<String> imports(WasmModule module) {
        ImportSection section = module.importSection();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < section.importCount(); i++) {
            Import imp = section.getImport(i);
            String type = imp.importType().toString();
            if (imp instanceof FunctionImport f) {
                FunctionType t = module.typeSection().getType(f.typeIndex());
                type = "func" + t.params() + "->" + t.returns();
            }
            out.add(imp.module() + "\t" + imp.name() + "\t" + type);
        }
        return out;
    }

    /** The module's export names, in order, with their kinds. */
    private static List<String> exports(WasmModule module) {
        ExportSection section = module.exportSection();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < section.exportCount(); i++) {
            Export e = section.getExport(i);
            out.add(e.name() + "\t" + e.exportType());
        }
        return out;
    }

    private static boolean onPath(String command) {
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
