package dev.weft.process.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;

/** {@link SafepointCompiler}: Chicory's compiled code, with its interruption check hooked. */
class SafepointCompilerTest {

    private static WasmModule fixture(String path) throws Exception {
        try (InputStream in = SafepointCompilerTest.class.getResourceAsStream("/wasm/" + path)) {
            assertNotNull(in, path);
            return Parser.parse(in.readAllBytes());
        }
    }

    @Test
    void hookedCodeComputesWhatChicorysOwnCodeComputes() throws Exception {
        WasmModule m = fixture("fuel/compute.wasm");
        Instance hooked = Instance.builder(m).withMachineFactory(SafepointCompiler.compile(m).factory()).build();
        Instance plain = Instance.builder(m).withMachineFactory(MachineFactoryCompiler.compile(m)).build();
        for (String export : List.of("fib", "fib_iter")) {
            for (int n : new int[] {0, 1, 2, 10, 25}) {
                assertEquals(plain.export(export).apply(n)[0], hooked.export(export).apply(n)[0], export + "(" + n + ")");
            }
        }
        assertEquals(plain.export("started").apply()[0], hooked.export("started").apply()[0]);
    }

    @Test
    void anInterruptedThreadStillStopsHookedCode() throws Exception {
        WasmModule m = fixture("fuel/spin.wasm");
        Function<Instance, Machine> factory = SafepointCompiler.compile(m).factory();
        ImportValues tick = ImportValues.builder().addFunction(new HostFunction("env", "tick",
                FunctionType.of(List.of(ValType.I64), List.of()), (instance, args) -> null)).build();
        for (String export : List.of("spin", "spin_recursive")) { // a loop back-edge, a call
            Instance instance = Instance.builder(m).withImportValues(tick).withMachineFactory(factory).build();
            AtomicReference<Throwable> ended = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    instance.export(export).apply();
                } catch (Throwable e) {
                    ended.set(e);
                }
            });
            t.start();
            Thread.sleep(50);
            t.interrupt();
            t.join(5_000);
            assertTrue(!t.isAlive(), export + " did not stop when interrupted");
            assertInstanceOf(ChicoryInterruptedException.class, ended.get(), export);
        }
    }

    @Test
    void generatedClassesWithoutTheCheckAreRefused() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out);
                InputStream self = SafepointCompilerTest.class.getResourceAsStream("SafepointCompilerTest.class")) {
            jar.putNextEntry(new JarEntry("dev/weft/process/internal/wasm/SafepointCompilerTest.class"));
            jar.write(self.readAllBytes());
            jar.closeEntry();
        }
        SafepointCompiler.Unsupported e = assertThrows(SafepointCompiler.Unsupported.class,
                () -> SafepointCompiler.hook(out.toByteArray()));
        assertTrue(e.getMessage().contains("found 0"), e.getMessage());
        assertThrows(SafepointCompiler.Unsupported.class, () -> SafepointCompiler.hook(new byte[] {1, 2, 3}));
    }
}
