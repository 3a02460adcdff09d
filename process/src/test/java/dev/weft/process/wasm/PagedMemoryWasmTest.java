package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.weft.process.internal.wasm.PagedMemory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** PagedMemory under real Wasm code, on Chicory's interpreter and its compiler. */
class PagedMemoryWasmTest {

    private static final int PAGE = Memory.PAGE_SIZE;

    enum Engine {
        INTERPRETER,
        COMPILER
    }

    private static WasmModule growBounds;
    private static WasmModule checksum;
    private static Function<Instance, Machine> growBoundsCompiled;
    private static Function<Instance, Machine> checksumCompiled;

    @BeforeAll
    static void load() {
        growBounds = parse("paged_grow_bounds.wasm");
        checksum = parse("paged_checksum.wasm");
        // compile once per module, shared by every instance
        growBoundsCompiled = MachineFactoryCompiler.compile(growBounds);
        checksumCompiled = MachineFactoryCompiler.compile(checksum);
    }

    private static WasmModule parse(String name) {
        try (InputStream in = PagedMemoryWasmTest.class.getResourceAsStream("/wasm/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /wasm/" + name);
            }
            return Parser.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instance instantiate(
            WasmModule module,
            Function<Instance, Machine> compiled,
            Engine engine,
            Function<MemoryLimits, Memory> memory) {
        var builder = Instance.builder(module);
        if (memory != null) {
            builder.withMemoryFactory(memory);
        }
        if (engine == Engine.COMPILER) {
            builder.withMachineFactory(compiled);
        }
        return builder.build();
    }

    private static long call(Instance instance, String name, long... args) {
        long[] result = instance.export(name).apply(args);
        return result == null || result.length == 0 ? 0 : result[0];
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    @DisplayName("after memory.grow, loads trap exactly at the new bound")
    void growThenLoadAtTheBounds(Engine engine) {
        List<PagedMemory> made = new ArrayList<>();
        Instance instance =
                instantiate(
                        growBounds,
                        growBoundsCompiled,
                        engine,
                        limits -> {
                            var m = new PagedMemory(limits, 3);
                            made.add(m);
                            return m;
                        });
        PagedMemory memory = made.get(0);
        assertEquals(memory, instance.memory());
        assertEquals(0, memory.allocatedPages());

        // before grow: one page
        assertEquals(1, call(instance, "size"));
        assertEquals(0, call(instance, "load32", PAGE - 4));
        assertTraps(() -> call(instance, "load8", PAGE));
        assertTraps(() -> call(instance, "load32", PAGE - 3));
        assertTraps(() -> call(instance, "load64", PAGE - 7));

        // grow by one: returns the old size; the old bound is now readable
        assertEquals(1, call(instance, "grow", 1));
        assertEquals(2, call(instance, "size"));
        call(instance, "store32", PAGE - 2, 0x11223344); // straddles pages 0 and 1
        assertEquals(0x11223344, call(instance, "load32", PAGE - 2));
        assertEquals(0x44, call(instance, "load8", PAGE - 2));
        assertEquals(0x11, call(instance, "load8", PAGE + 1));
        assertEquals(0, call(instance, "load8", PAGE + 2));
        assertEquals(0, call(instance, "load64", 2 * PAGE - 8));
        assertEquals(0, call(instance, "load32_off64k", PAGE - 4));
        // just past the new bound
        assertTraps(() -> call(instance, "load8", 2 * PAGE));
        assertTraps(() -> call(instance, "load32", 2 * PAGE - 3));
        assertTraps(() -> call(instance, "load64", 2 * PAGE - 1));
        assertTraps(() -> call(instance, "load32_off64k", PAGE - 3));
        assertTraps(() -> call(instance, "load8", -1)); // 0xFFFFFFFF unsigned
        assertEquals(2, memory.allocatedPages());

        // the Weft limit (3 pages) is below the declared maximum (4)
        assertEquals(2, call(instance, "grow", 1));
        assertEquals(-1, call(instance, "grow", 1));
        assertEquals(3, call(instance, "size"));
        assertEquals(0, call(instance, "load8", 3 * PAGE - 1));
        assertTraps(() -> call(instance, "load8", 3 * PAGE));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    @DisplayName("the declared maximum still applies below the Weft limit")
    void declaredMaximum(Engine engine) {
        Instance instance =
                instantiate(growBounds, growBoundsCompiled, engine, l -> new PagedMemory(l, 1000));
        assertEquals(1, call(instance, "grow", 3));
        assertEquals(-1, call(instance, "grow", 1));
        assertEquals(0, call(instance, "load32", 4 * PAGE - 4));
        assertTraps(() -> call(instance, "load32", 4 * PAGE - 2));
    }

    private static void assertTraps(Runnable r) {
        var e = assertThrows(WasmRuntimeException.class, r::run);
        assertTrue(e.getMessage().startsWith("out of bounds memory access"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    @DisplayName("a cross-page store/load/fill/copy loop checksums the same as Chicory's memories")
    void checksumMatchesDefaultMemory(Engine engine) {
        List<PagedMemory> made = new ArrayList<>();
        Instance paged =
                instantiate(
                        checksum,
                        checksumCompiled,
                        engine,
                        limits -> {
                            var m = new PagedMemory(limits, 100);
                            made.add(m);
                            return m;
                        });
        PagedMemory memory = made.get(0);
        assertEquals(17, memory.pages());
        // the only data segment lies on page 10: the one page allocated at instantiation
        assertEquals(1, memory.allocatedPages());
        assertEquals('w', call(paged, "load8", 10 * PAGE + 10));

        Instance byDefault = instantiate(checksum, checksumCompiled, engine, null);
        Instance byteArray =
                instantiate(checksum, checksumCompiled, engine, ByteArrayMemory::new);

        long expected = call(byDefault, "checksum");
        assertEquals(expected, call(byteArray, "checksum"));
        assertEquals(expected, call(paged, "checksum"));
        assertNotEquals(0, expected);
        assertEquals(17, memory.allocatedPages()); // the loop stores into every page
        int size = 17 * PAGE;
        assertEquals(
                java.util.Arrays.hashCode(byDefault.memory().readBytes(0, size)),
                java.util.Arrays.hashCode(memory.readBytes(0, size)));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    @DisplayName("both engines compute the same checksum")
    void enginesAgree(Engine engine) {
        Instance interpreted =
                instantiate(checksum, checksumCompiled, Engine.INTERPRETER, l -> new PagedMemory(l));
        Instance other = instantiate(checksum, checksumCompiled, engine, l -> new PagedMemory(l));
        assertEquals(call(interpreted, "checksum"), call(other, "checksum"));
    }
}
