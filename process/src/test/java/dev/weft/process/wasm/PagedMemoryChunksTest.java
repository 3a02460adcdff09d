package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.weft.process.internal.wasm.PagedMemory;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** PagedMemory's storage granularity: chunks ({@link PagedMemory#CHUNK_SIZE}), whatever the 64 KiB Wasm page size. */
class PagedMemoryChunksTest {

    private static final int PAGE = Memory.PAGE_SIZE;
    private static final int CHUNK = PagedMemory.CHUNK_SIZE;

    @Test
    @DisplayName("a write allocates the chunk it touches, not its whole 64 KiB page")
    void writesAllocateChunks() {
        var m = new PagedMemory(new MemoryLimits(2));
        assertEquals(0, m.allocatedBytes());
        m.writeI32(PAGE + 100, 7); // like a C guest's data, just above 64 KiB
        assertEquals(CHUNK, m.allocatedBytes());
        m.writeLong(PAGE - 8, -1L); // the top of its stack, just below
        assertEquals(2 * CHUNK, m.allocatedBytes());
        assertEquals(2, m.allocatedPages());
        m.writeLong(2 * CHUNK - 4, 42L << 32 | 7); // straddles chunks 1 and 2
        assertEquals(4 * CHUNK, m.allocatedBytes());
        assertEquals(42L << 32 | 7, m.readLong(2 * CHUNK - 4));
        m.fill((byte) 0, CHUNK, 2 * CHUNK); // zeroing a whole chunk releases it
        assertEquals(3 * CHUNK, m.allocatedBytes());
        assertEquals(42L << 32, m.readLong(2 * CHUNK - 4)); // its low half was in chunk 1
        m.zero();
        assertEquals(0, m.allocatedBytes());
    }

    @Test
    @DisplayName("bulk writes, reads and copies across many chunks and pages round-trip")
    void bulkAcrossChunks() {
        var m = new PagedMemory(new MemoryLimits(1, 8));
        assertEquals(1, m.grow(3));
        byte[] data = new byte[3 * PAGE + 1234];
        new Random(3).nextBytes(data);
        m.write(777, data);
        assertArrayEquals(data, m.readBytes(777, data.length));
        m.copy(5, 777, data.length);
        assertArrayEquals(data, m.readBytes(5, data.length));
        assertEquals((long) Math.ceilDiv(777 + data.length, CHUNK) * CHUNK, m.allocatedBytes());
    }
}
