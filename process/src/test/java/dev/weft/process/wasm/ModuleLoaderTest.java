package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModuleLoaderTest {
    static Path fixture(String name) {
        try {
            return Path.of(ModuleLoaderTest.class.getResource("/wasm/modules/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + name, e);
        }
    }

    static byte[] bytes(String name) throws Exception {
        return Files.readAllBytes(fixture(name));
    }

    @Test
    void loadingTwiceReturnsTheSameModuleAndCompilesOnce() throws Exception {
        ModuleLoader loader = new ModuleLoader();
        WasmModule a = loader.load(fixture("add.wasm"));
        WasmModule b = loader.load(fixture("add.wasm"));
        WasmModule c = loader.load(bytes("add.wasm"));
        assertSame(a, b);
        assertSame(a, c);
        assertTrue(a.preemptible());
        assertEquals(1, loader.compilations(), "the form processes without a fuel limit run");
        assertSame(a.machineFactory(), c.machineFactory());
        assertEquals(2, loader.compilations(), "and, when first asked, the fuel-counting form");
        assertEquals(2, loader.parses(), "both forms are parsed once");
        assertEquals(1, loader.size());
        assertEquals(Engine.COMPILER, a.engine());
        assertEquals(Optional.of(a), loader.cached(a.id()));
        assertEquals(Optional.of(a), loader.cached(a.id(), Engine.COMPILER));
        assertEquals(Optional.empty(), loader.cached(a.id(), Engine.INTERPRETER));
        assertEquals(Optional.empty(), loader.cached("0".repeat(64)));
    }

    @Test
    void idIsTheSha256OfTheBytes() throws Exception {
        byte[] raw = bytes("add.wasm");
        WasmModule m = new ModuleLoader().load(raw);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw)), m.id());
        assertEquals(raw.length, m.size());
        assertArrayEquals(raw, m.bytes());
    }

    @Test
    void theLoaderCopiesTheCallersBytes() throws Exception {
        byte[] raw = bytes("add.wasm");
        ModuleLoader loader = new ModuleLoader();
        WasmModule m = loader.load(raw);
        raw[0] = 42; // the caller reuses its buffer
        assertEquals(0, m.bytes()[0]);
        assertThrows(ModuleLoadException.class, () -> loader.load(raw));
        assertSame(m, loader.load(bytes("add.wasm")));
    }

    @Test
    void concurrentLoadsOfTheSameBytesCompileOnce() throws Exception {
        byte[] raw = bytes("add.wasm");
        ModuleLoader loader = new ModuleLoader();
        int threads = 16;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<WasmModule>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return loader.load(raw);
                }));
            }
            assertTrue(ready.await(10, TimeUnit.SECONDS));
            go.countDown();
            WasmModule first = results.get(0).get(30, TimeUnit.SECONDS);
            for (Future<WasmModule> f : results) {
                assertSame(first, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, loader.compilations());
        assertEquals(2, loader.parses()); // the form as given and the fuel-counting form
        assertEquals(1, loader.size());
    }

    @Test
    void concurrentLoadsOfABadModuleAllFailCleanlyAndNothingIsCached() throws Exception {
        byte[] raw = bytes("invalid-type.wasm");
        ModuleLoader loader = new ModuleLoader();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Throwable>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    try {
                        loader.load(raw);
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                }));
            }
            for (Future<Throwable> f : results) {
                ModuleLoadException e = assertInstanceOf(ModuleLoadException.class, f.get(30, TimeUnit.SECONDS));
                assertTrue(e.getMessage().startsWith("invalid module: "), e.getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, loader.size());
    }

    @Test
    void differentEnginesAreSeparateEntries() throws Exception {
        byte[] raw = bytes("add.wasm");
        ModuleLoader loader = new ModuleLoader(Engine.INTERPRETER);
        WasmModule interpreted = loader.load(raw);
        WasmModule compiled = loader.load(raw, Engine.COMPILER);
        assertNotSame(interpreted, compiled);
        assertEquals(interpreted.id(), compiled.id());
        assertEquals(Engine.INTERPRETER, interpreted.engine());
        assertEquals(Engine.COMPILER, compiled.engine());
        assertEquals(2, loader.size());
        assertEquals(1, loader.compilations());
        assertSame(interpreted, loader.load(raw, Engine.INTERPRETER));
        assertSame(compiled, loader.load(raw, Engine.COMPILER));
        assertEquals(1, loader.compilations());
        assertEquals(Optional.of(interpreted), loader.cached(interpreted.id()));
        assertEquals(Optional.of(compiled), loader.cached(interpreted.id(), Engine.COMPILER));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void theLoadedModuleRunsItsExportsOnEitherEngine(Engine engine) throws Exception {
        ModuleLoader loader = new ModuleLoader();
        WasmModule m = loader.load(bytes("add.wasm"), engine);
        for (int i = 0; i < 3; i++) { // several instances share the one factory
            Instance inst = Instance.builder(m.chicoryModule()).withMachineFactory(m.machineFactory()).build();
            assertEquals(5, inst.export("add").apply(2, 3)[0]);
            assertEquals(25, inst.export("add_squares").apply(3, 4)[0]);
            assertEquals(-1, (int) inst.export("add").apply(Integer.MAX_VALUE, Integer.MIN_VALUE)[0]);
            assertEquals(engine == Engine.INTERPRETER, inst.getMachine() instanceof InterpreterMachine,
                    inst.getMachine().getClass().getName());
        }
        Instance viaBuilder = m.instanceBuilder().build();
        assertEquals(7, viaBuilder.export("add").apply(3, 4)[0]);
        assertEquals(engine == Engine.COMPILER ? 2 : 0, loader.compilations()); // both forms
    }

    @Test
    void refusedModulesAreNotCached() throws Exception {
        ModuleLoader loader = new ModuleLoader();
        byte[] junk = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThrows(ModuleLoadException.class, () -> loader.load(junk));
        assertThrows(ModuleLoadException.class, () -> loader.load(junk));
        assertEquals(0, loader.size());
        assertEquals(0, loader.compilations());
    }

    @Test
    void anEmptyModuleLoads() throws Exception {
        WasmModule m = new ModuleLoader().load(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        assertEquals(8, m.size());
        assertTrue(m.exportNames().isEmpty());
        assertFalse(m.hasExport("_start"));
    }
}
