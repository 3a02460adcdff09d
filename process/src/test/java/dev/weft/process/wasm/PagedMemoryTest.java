package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.weft.process.internal.wasm.PagedMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PagedMemoryTest {

    private static final int PAGE = Memory.PAGE_SIZE;

    // ------------------------------------------------------------------ allocation

    @ParameterizedTest
    @ValueSource(ints = {17, 1000})
    @DisplayName("a fresh memory allocates no page until one is written")
    void noPagesUntilTouched(int initialPages) {
        var m = new PagedMemory(new MemoryLimits(initialPages), Memory.RUNTIME_MAX_PAGES);
        assertEquals(0, m.allocatedPages());
        assertEquals(initialPages, m.pages());

        // reads anywhere, including bulk reads and reads straddling pages, allocate nothing
        assertEquals(0, m.read(0));
        assertEquals(0L, m.readLong(initialPages * PAGE - 8));
        assertEquals(0, m.readInt(PAGE - 2));
        assertArrayEquals(new byte[3 * PAGE], m.readBytes(PAGE / 2, 3 * PAGE));
        m.fill((byte) 0, 0, initialPages * PAGE);
        m.copy(PAGE, 5 * PAGE + 3, 2 * PAGE);
        m.zero();
        assertEquals(0, m.allocatedPages());

        m.writeByte(5 * PAGE + 7, (byte) 1);
        assertEquals(1, m.allocatedPages());
        m.writeI32(5 * PAGE + 100, 42);
        assertEquals(1, m.allocatedPages());
        m.writeLong(7 * PAGE - 4, -1L); // straddles pages 6 and 7
        assertEquals(3, m.allocatedPages());
        assertEquals(-1L, m.readLong(7 * PAGE - 4));

        m.zero(); // what Chicory calls before applying data segments
        assertEquals(0, m.allocatedPages());
        assertEquals(0L, m.readLong(7 * PAGE - 4));
    }

    @Test
    @DisplayName("data segments allocate only the pages they touch")
    void dataSegmentsTouchOnlyTheirPages() {
        var m = new PagedMemory(new MemoryLimits(17));
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        m.initialize(null, new DataSegment[] {new PassiveDataSegment(data)});
        assertEquals(0, m.allocatedPages());
        m.initPassiveSegment(0, 10 * PAGE - 2, 0, data.length); // straddles pages 9 and 10
        assertEquals(2, m.allocatedPages());
        assertEquals("hello", m.readString(10 * PAGE - 2, 5));
    }

    @Test
    @DisplayName("growing allocates no page either")
    void growIsLazy() {
        var m = new PagedMemory(new MemoryLimits(1), 10_000);
        assertEquals(1, m.grow(999));
        assertEquals(1000, m.pages());
        assertEquals(0, m.allocatedPages());
        assertEquals(0, m.readInt(1000 * PAGE - 4));
    }

    @Test
    @DisplayName("active data segments: written where they say, refused like ByteArrayMemory when out of bounds")
    void activeDataSegments() {
        byte[] data = {1, 2, 3, 4};
        for (int at : new int[] {0, 2 * PAGE - 2, 3 * PAGE - 4, 3 * PAGE - 3, 3 * PAGE, -1}) {
            var limits = new MemoryLimits(3);
            var paged = new PagedMemory(limits);
            var reference = new ByteArrayMemory(limits);
            DataSegment[] segments = {
                new ActiveDataSegment(
                        0,
                        List.of(
                                new Instruction(-1, OpCode.I32_CONST, new long[] {at}),
                                new Instruction(-1, OpCode.END, Instruction.EMPTY_OPERANDS)),
                        data),
                new ActiveDataSegment(1, List.of(), new byte[] {9}), // another memory's: skipped
            };
            same("segment at " + at, paged, reference, v(m -> m.initialize(null, segments.clone(), 0)));
            assertContentsEqual(reference, paged, "segment at " + at);
            boolean fits = at >= 0 && at <= 3 * PAGE - 4;
            assertEquals(fits ? (at % PAGE > PAGE - 4 ? 2 : 1) : 0, paged.allocatedPages());
            if (!fits) {
                assertThrows(
                        UninstantiableException.class,
                        () -> new PagedMemory(limits).initialize(null, segments.clone(), 0));
            }
        }
    }

    // ------------------------------------------------------------------ bounds and limits

    @Test
    @DisplayName("traps exactly at pages() * 64 KiB, after every grow")
    void trapsExactlyAtTheBound() {
        var m = new PagedMemory(new MemoryLimits(1, 5));
        for (int pages = 1; pages <= 5; pages++) {
            int bound = pages * PAGE;
            assertEquals(pages, m.pages());
            m.writeByte(bound - 1, (byte) 9);
            assertEquals(9, m.read(bound - 1));
            m.writeLong(bound - 8, 1L);
            assertEquals(1L, m.readLong(bound - 8));
            for (int size : new int[] {1, 2, 4, 8}) {
                for (int addr = bound - size + 1; addr <= bound; addr++) {
                    int a = addr;
                    assertOob(() -> readOfSize(m, a, size), a, size, bound);
                    assertOob(() -> writeOfSize(m, a, size), a, size, bound);
                }
            }
            assertOob(() -> m.readBytes(bound - 3, 4), bound - 3, 4, bound);
            assertOob(() -> m.read(-1), -1, 1, bound);
            assertOob(() -> m.readInt(Integer.MIN_VALUE), Integer.MIN_VALUE, 4, bound);
            assertEquals(pages < 5 ? pages : -1, m.grow(1));
        }
    }

    private static void assertOob(Runnable r, int addr, int size, int limit) {
        var e = assertThrows(WasmRuntimeException.class, r::run);
        assertEquals(
                "out of bounds memory access: attempted to access address: "
                        + addr
                        + " but limit is: "
                        + limit
                        + " and size: "
                        + size,
                e.getMessage());
    }

    private static long readOfSize(Memory m, int addr, int size) {
        switch (size) {
            case 1:
                return m.read(addr);
            case 2:
                return m.readShort(addr);
            case 4:
                return m.readInt(addr);
            default:
                return m.readLong(addr);
        }
    }

    private static void writeOfSize(Memory m, int addr, int size) {
        switch (size) {
            case 1:
                m.writeByte(addr, (byte) 1);
                break;
            case 2:
                m.writeShort(addr, (short) 1);
                break;
            case 4:
                m.writeI32(addr, 1);
                break;
            default:
                m.writeLong(addr, 1);
        }
    }

    @Test
    @DisplayName("grow respects the declared maximum and the Weft limit, and returns the old size")
    void growLimits() {
        var declared = new PagedMemory(new MemoryLimits(2, 4), 100);
        assertEquals(2, declared.grow(0));
        assertEquals(2, declared.grow(2));
        assertEquals(-1, declared.grow(1));
        assertEquals(4, declared.pages());
        assertEquals(4, declared.maximumPages());

        var weft = new PagedMemory(new MemoryLimits(2), 3);
        assertEquals(3, weft.effectiveMaximumPages());
        assertEquals(-1, weft.grow(2));
        assertEquals(2, weft.pages());
        assertEquals(2, weft.grow(1));
        assertEquals(-1, weft.grow(1));
        assertEquals(3, weft.pages());
        assertEquals(-1, weft.grow(-1)); // an unsigned delta of 2^32 - 1
        assertEquals(-1, weft.grow(Integer.MAX_VALUE));

        var unlimited = new PagedMemory(new MemoryLimits(0));
        assertEquals(Memory.RUNTIME_MAX_PAGES, unlimited.effectiveMaximumPages());
        assertEquals(0, unlimited.grow(Memory.RUNTIME_MAX_PAGES));
        assertEquals(-1, unlimited.grow(1));
        assertEquals(0, unlimited.allocatedPages());
    }

    @Test
    @DisplayName("an initial size above the Weft limit is refused at instantiation")
    void initialAboveLimit() {
        var e =
                assertThrows(
                        UninstantiableException.class,
                        () -> new PagedMemory(new MemoryLimits(17), 16));
        assertTrue(e.getMessage().contains("17 pages"), e.getMessage());
        assertThrows(
                UninstantiableException.class,
                () -> new PagedMemory(new MemoryLimits(1, 2, true)));
        assertThrows(IllegalArgumentException.class, () -> new PagedMemory(new MemoryLimits(1), -1));
    }

    @Test
    @DisplayName("overlapping copies across pages behave like memmove, both directions")
    void overlappingCopies() {
        int size = 4 * PAGE;
        var paged = new PagedMemory(new MemoryLimits(4));
        byte[] reference = new byte[size];
        var rnd = new Random(7);
        rnd.nextBytes(reference);
        reference[0] = 0; // keep a few zero runs
        paged.write(0, reference);
        int[][] cases = {
            {100, 0, 3 * PAGE}, {0, 100, 3 * PAGE}, {PAGE + 1, PAGE - 1, 2 * PAGE},
            {PAGE - 1, PAGE + 1, 2 * PAGE}, {5, 5, PAGE}, {PAGE * 2 + 3, 7, PAGE * 2 - 3},
        };
        for (int[] c : cases) {
            paged.copy(c[0], c[1], c[2]);
            System.arraycopy(reference, c[1], reference, c[0], c[2]);
            assertArrayEquals(reference, paged.readBytes(0, size), () -> "copy " + c[0] + "," + c[1]);
        }
    }

    @Test
    @DisplayName("atomic operations (through Memory's defaults) read, modify and trap at the bound")
    void atomics() {
        // ByteArrayMemory cannot serve as the reference here: on a non-shared memory its atomics
        // report an out-of-bounds trap for any address (Chicory 1.7.5).
        var m = new PagedMemory(new MemoryLimits(1));
        assertEquals(0, m.atomicAddInt(PAGE - 4, 5));
        assertEquals(5, m.atomicCmpxchgInt(PAGE - 4, 5, 7));
        assertEquals(7, m.atomicReadInt(PAGE - 4));
        assertEquals(7L, m.atomicXchgLong(PAGE - 8, -1L) >>> 32);
        assertEquals(-1L, m.atomicReadLong(PAGE - 8));
        assertOob(() -> m.atomicAddInt(PAGE, 1), PAGE, 4, PAGE);
        assertOob(() -> m.atomicReadLong(PAGE - 4), PAGE - 4, 8, PAGE);
        assertEquals(0, m.notify(0, 1));
    }

    // ------------------------------------------------------------------ differential

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 1234})
    @DisplayName("random operation sequences behave exactly like ByteArrayMemory")
    void differentialAgainstByteArrayMemory(long seed) {
        var rnd = new Random(seed);
        int initial = rnd.nextInt(4);
        int max = initial + 1 + rnd.nextInt(8);
        var limits = new MemoryLimits(initial, max);
        var paged = new PagedMemory(limits, Memory.RUNTIME_MAX_PAGES);
        var reference = new ByteArrayMemory(limits);
        DataSegment[] segments = new DataSegment[3];
        DataSegment[] segmentsRef = new DataSegment[3];
        for (int i = 0; i < segments.length; i++) {
            byte[] d = new byte[rnd.nextInt(3 * PAGE)];
            rnd.nextBytes(d);
            segments[i] = new PassiveDataSegment(d);
            segmentsRef[i] = new PassiveDataSegment(d.clone());
        }
        paged.initialize(null, segments);
        reference.initialize(null, segmentsRef);

        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(24);
            int size = 1 << rnd.nextInt(4);
            int addr = address(rnd, reference.pages(), size);
            long value = rnd.nextLong();
            String what = "step " + step + " op " + op + " addr " + addr;
            switch (op) {
                case 0:
                    int delta = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(3);
                    same(what, paged, reference, m -> m.grow(delta));
                    break;
                case 1:
                    same(what, paged, reference, m -> m.read(addr));
                    break;
                case 2:
                    same(what, paged, reference, m -> m.readShort(addr));
                    break;
                case 3:
                    same(what, paged, reference, m -> m.readInt(addr));
                    break;
                case 4:
                    same(what, paged, reference, m -> m.readLong(addr));
                    break;
                case 5:
                    same(what, paged, reference, m -> Float.floatToRawIntBits(m.readFloat(addr)));
                    break;
                case 6:
                    same(what, paged, reference, m -> Double.doubleToRawLongBits(m.readDouble(addr)));
                    break;
                case 7:
                    same(what, paged, reference, m -> m.readU16(addr) + m.readU8(addr) + m.readU32(addr));
                    break;
                case 8:
                    same(what, paged, reference, m -> m.readF32(addr) ^ m.readF64(addr) ^ m.readI16(addr));
                    break;
                case 9:
                    same(what, paged, reference, v(m -> m.writeByte(addr, (byte) value)));
                    break;
                case 10:
                    same(what, paged, reference, v(m -> m.writeShort(addr, (short) value)));
                    break;
                case 11:
                    same(what, paged, reference, v(m -> m.writeI32(addr, (int) value)));
                    break;
                case 12:
                    same(what, paged, reference, v(m -> m.writeLong(addr, value)));
                    break;
                case 13:
                    same(what, paged, reference, v(m -> m.writeF32(addr, Float.intBitsToFloat((int) value))));
                    break;
                case 14:
                    same(what, paged, reference, v(m -> m.writeF64(addr, Double.longBitsToDouble(value))));
                    break;
                case 15: {
                    int len = rnd.nextInt(3) == 0 ? rnd.nextInt(2 * PAGE) : rnd.nextInt(20);
                    int a = address(rnd, reference.pages(), len);
                    same(what, paged, reference, m -> new Bytes(m.readBytes(a, len)));
                    break;
                }
                case 16: {
                    byte[] data = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(2 * PAGE) : rnd.nextInt(40)];
                    rnd.nextBytes(data);
                    int off = rnd.nextInt(10) == 0 ? data.length - rnd.nextInt(5) : 0;
                    int len = Math.max(0, data.length - Math.max(off, 0) + (rnd.nextInt(10) == 0 ? 1 : 0));
                    int a = address(rnd, reference.pages(), len);
                    same(what, paged, reference, v(m -> m.write(a, data, off, len)));
                    break;
                }
                case 17: {
                    int len = rnd.nextInt(3) == 0 ? rnd.nextInt(3 * PAGE) : rnd.nextInt(100);
                    int a = address(rnd, reference.pages(), len);
                    byte b = rnd.nextBoolean() ? 0 : (byte) value;
                    same(what, paged, reference, v(m -> m.fill(b, a, a + len)));
                    break;
                }
                case 18:
                case 19: {
                    int len = rnd.nextInt(3) == 0 ? rnd.nextInt(3 * PAGE) : rnd.nextInt(100);
                    int src = address(rnd, reference.pages(), len);
                    int dst = rnd.nextBoolean()
                            ? address(rnd, reference.pages(), len)
                            : src + rnd.nextInt(2 * PAGE + 1) - PAGE; // overlapping or near
                    same(what, paged, reference, v(m -> m.copy(dst, src, len)));
                    break;
                }
                case 20: {
                    int seg = rnd.nextInt(segments.length);
                    int segLen = segments[seg].data().length;
                    int off = rnd.nextInt(segLen + 2);
                    int len = rnd.nextInt(5) == 0 ? segLen + 1 : rnd.nextInt(Math.max(1, segLen - off + 1));
                    int a = address(rnd, reference.pages(), len);
                    same(what, paged, reference, v(m -> m.initPassiveSegment(seg, a, off, len)));
                    break;
                }
                case 21:
                    if (rnd.nextInt(20) == 0) {
                        int seg = rnd.nextInt(segments.length);
                        same(what, paged, reference, v(m -> m.drop(seg)));
                    }
                    break;
                case 22: {
                    String s = "weft-" + value;
                    same(what, paged, reference, v(m -> m.writeCString(addr, s)));
                    same(what, paged, reference, m -> m.readCString(addr));
                    same(what, paged, reference, m -> m.readString(addr, s.length()));
                    break;
                }
                default:
                    if (rnd.nextInt(50) == 0) {
                        same(what, paged, reference, v(Memory::zero));
                    }
            }
            assertEquals(reference.pages(), paged.pages(), what);
            if (step % 500 == 0) {
                assertContentsEqual(reference, paged, what);
            }
        }
        assertContentsEqual(reference, paged, "end");
        assertTrue(paged.allocatedPages() <= paged.pages());
    }

    private static void assertContentsEqual(Memory reference, Memory paged, String what) {
        int size = reference.pages() * PAGE;
        assertArrayEquals(reference.readBytes(0, size), paged.readBytes(0, size), what);
    }

    /** Addresses around page boundaries, the bound, inside, negative and far out. */
    private static int address(Random rnd, int pages, int size) {
        int bound = pages * PAGE;
        switch (rnd.nextInt(8)) {
            case 0:
                return bound - size + rnd.nextInt(size + 2) - 1; // at the bound
            case 1:
                return (rnd.nextInt(pages + 1)) * PAGE + rnd.nextInt(17) - 8; // at a boundary
            case 2:
                return rnd.nextInt(16) - 16; // negative
            case 3:
                return rnd.nextInt(10) == 0 ? rnd.nextInt() : bound + rnd.nextInt(3 * PAGE);
            default:
                return bound == 0 ? 0 : rnd.nextInt(bound);
        }
    }

    /** Equality for byte arrays in results. */
    private static final class Bytes {
        final byte[] b;

        Bytes(byte[] b) {
            this.b = b;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes && java.util.Arrays.equals(b, ((Bytes) o).b);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(b);
        }

        @Override
        public String toString() {
            return b.length + " bytes";
        }
    }

    private static Function<Memory, Object> v(java.util.function.Consumer<Memory> op) {
        return m -> {
            op.accept(m);
            return "ok";
        };
    }

    /**
     * Runs op on both; both must return equal results, or both throw the same exception type. An
     * out-of-bounds trap must be Chicory's WasmRuntimeException "out of bounds memory access...".
     * (ByteArrayMemory reports the failing byte's address for some straddling reads, so messages
     * are compared by their prefix only.)
     */
    private static void same(
            String what, Memory paged, Memory reference, Function<Memory, Object> op) {
        Object expected;
        RuntimeException expectedError = null;
        try {
            expected = op.apply(reference);
        } catch (RuntimeException e) {
            expected = null;
            expectedError = e;
        }
        Object actual;
        try {
            actual = op.apply(paged);
        } catch (RuntimeException e) {
            if (expectedError == null) {
                throw new AssertionError(what + ": PagedMemory threw but ByteArrayMemory returned " + expected, e);
            }
            assertEquals(expectedError.getClass(), e.getClass(), what + ": " + e + " vs " + expectedError);
            if (expectedError.getMessage() != null
                    && expectedError.getMessage().startsWith("out of bounds memory access")) {
                assertTrue(e.getMessage().startsWith("out of bounds memory access"), what + ": " + e);
            }
            return;
        }
        if (expectedError != null) {
            fail(what + ": ByteArrayMemory threw " + expectedError + " but PagedMemory returned " + actual);
        }
        assertTrue(Objects.equals(expected, actual), what + ": expected " + expected + " got " + actual);
    }
}
