package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.weft.process.ExitReason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A Wasm linear memory for Chicory that allocates its storage one 1 KiB chunk at a time, on the
 * first write to that chunk, and traps exactly at the Wasm bound ({@code pages() * 65536}).
 *
 * <p>Untouched chunks are backed by one shared, never-written zero chunk, so reading them costs
 * nothing and allocates nothing; a 17-page module that touches three chunks holds three 1 KiB
 * arrays plus a 1,088-slot chunk table (64 per 64 KiB Wasm page). Chunks, not whole Wasm pages,
 * because a small guest touches a few KiB of its memory (the top of its stack, its data): with
 * 64 KiB pages an idle C process held 128 KiB, with 4 KiB chunks 8 to 12 KiB, with 1 KiB chunks
 * a few KiB.
 * {@link #zero()} (which Chicory calls before applying data segments) releases all chunks, and
 * filling a whole chunk with zeros releases that chunk.
 *
 * <p>Out-of-bounds accesses throw {@link WasmRuntimeException} with the same message shape as
 * Chicory's {@code ByteArrayMemory} ({@code "out of bounds memory access: attempted to access
 * address: A but limit is: L and size: S"}); out-of-bounds active data segments throw
 * {@link UninstantiableException}, as there.
 *
 * <p>Not thread-safe: like a Chicory {@code Instance}, a memory must be used by one thread at a
 * time (hand-offs between threads need a happens-before edge, as any scheduler provides). Shared
 * memories (the threads proposal) are refused.
 */
public final class PagedMemory implements Memory {

    /**
     * Storage is allocated in chunks of 1 KiB: 64 per 64 KiB Wasm page. A small C guest touches a
     * few hundred bytes of data and stack: with 4 KiB chunks each spawn zeroed 8 KiB, with 1 KiB
     * about 2 KiB (the Wasm spawn benchmark: about 5.7 to 4.9 µs per process).
     */
    private static final int CHUNK_SHIFT = 10;
    /** The size of the chunks storage is allocated in. */
    public static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    private static final int CHUNKS_PER_PAGE = PAGE_SIZE >> CHUNK_SHIFT;

    private static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    /** Backs every untouched chunk. Never written: every write path goes through {@link #writable}. */
    private static final byte[] ZERO_CHUNK = new byte[CHUNK_SIZE];

    private final MemoryLimits limits;
    private final int maxPages;
    private DataSegment[] dataSegments;

    /** Chunk table; slots below {@code nPages * CHUNKS_PER_PAGE} hold {@link #ZERO_CHUNK} or a private chunk. */
    private byte[][] chunks;

    private int nPages;
    /** {@code nPages * PAGE_SIZE}; at most {@code 32767 * 65536 < 2^31}, so never overflows. */
    private int limit;

    private int allocated;

    /** The data segments' bytes, shared by every instance of the module; never written. */
    private final byte[][] segmentData;

    /** A memory with no limit beyond the module's declared maximum and Chicory's runtime maximum. */
    public PagedMemory(MemoryLimits limits) {
        this(limits, RUNTIME_MAX_PAGES);
    }

    /**
     * @param limits the module's declared limits
     * @param maxPagesLimit Weft's own cap on this memory, in 64 KiB pages; {@code memory.grow}
     *     beyond it (or beyond the declared maximum) returns -1
     * @throws UninstantiableException when the module's initial size already exceeds {@code
     *     maxPagesLimit}
     */
    public PagedMemory(MemoryLimits limits, int maxPagesLimit) {
        this(limits, maxPagesLimit, null);
    }

    /**
     * As {@link #PagedMemory(MemoryLimits, int)}, with the bytes of the module's data segments read
     * once ({@code segmentData[i]} for segment {@code i}; Chicory's {@code DataSegment.data()} copies
     * them on every call, that is on every instantiation). Null: read them from the segments.
     */
    public PagedMemory(MemoryLimits limits, int maxPagesLimit, byte[][] segmentData) {
        this.segmentData = segmentData;
        if (maxPagesLimit < 0) {
            throw new IllegalArgumentException("maxPagesLimit must be >= 0: " + maxPagesLimit);
        }
        if (limits.shared()) {
            throw new UninstantiableException("shared memories are not supported");
        }
        this.limits = limits;
        this.maxPages = Math.min(Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES), maxPagesLimit);
        int initial = limits.initialPages();
        if (initial > maxPages) {
            throw new LimitExceededException(ExitReason.Limit.MEMORY_BYTES, (long) maxPages * PAGE_SIZE,
                    "memory of "
                            + initial
                            + " pages ("
                            + ((long) initial * PAGE_SIZE)
                            + " bytes) exceeds the limit of "
                            + maxPages
                            + " pages ("
                            + ((long) maxPages * PAGE_SIZE)
                            + " bytes)");
        }
        this.chunks = new byte[initial * CHUNKS_PER_PAGE][];
        Arrays.fill(chunks, ZERO_CHUNK);
        this.nPages = initial;
        this.limit = initial * PAGE_SIZE;
    }

    /** How many 64 KiB Wasm pages have storage (at least one chunk written) right now. */
    public int allocatedPages() {
        int count = 0;
        for (int page = 0; page < nPages; page++) {
            for (int c = page * CHUNKS_PER_PAGE, end = c + CHUNKS_PER_PAGE; c < end; c++) {
                if (chunks[c] != ZERO_CHUNK) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    /** How many bytes of storage this memory holds right now (allocated chunks). */
    public long allocatedBytes() {
        return (long) allocated * CHUNK_SIZE;
    }

    /** The most pages {@code memory.grow} may reach: the least of the declared, runtime and Weft limits. */
    public int effectiveMaximumPages() {
        return maxPages;
    }

    // ---------------------------------------------------------------- size

    @Override
    public int pages() {
        return nPages;
    }

    @Override
    public int grow(int size) {
        int prev = nPages;
        int next = prev + size;
        if (size < 0 || next > maxPages || next < prev) {
            return -1;
        }
        if ((long) next * CHUNKS_PER_PAGE > chunks.length) {
            int tablePages = chunks.length / CHUNKS_PER_PAGE;
            int cap = (int) Math.min(maxPages, Math.max((long) next, 2L * tablePages)) * CHUNKS_PER_PAGE;
            byte[][] table = Arrays.copyOf(chunks, cap);
            Arrays.fill(table, chunks.length, cap, ZERO_CHUNK);
            chunks = table;
        }
        nPages = next;
        limit = next * PAGE_SIZE;
        return prev;
    }

    @Override
    public int initialPages() {
        return limits.initialPages();
    }

    /** The declared maximum (capped at Chicory's runtime maximum), as ByteArrayMemory reports it. */
    @Override
    public int maximumPages() {
        return Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
    }

    @Override
    public boolean shared() {
        return false;
    }

    // ---------------------------------------------------------------- threads proposal

    @Override
    @Deprecated
    public Object lock(int address) {
        // Used by Memory's default atomic operations; a non-shared memory has one user at a time.
        return this;
    }

    @Override
    public int waitOn(int address, int expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int waitOn(int address, long expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int notify(int address, int maxThreads) {
        return 0;
    }

    // ---------------------------------------------------------------- pages and bounds

    private byte[] writable(int chunkIdx) {
        byte[] chunk = chunks[chunkIdx];
        if (chunk == ZERO_CHUNK) {
            chunk = new byte[CHUNK_SIZE];
            chunks[chunkIdx] = chunk;
            allocated++;
        }
        return chunk;
    }

    private void release(int chunkIdx) {
        if (chunks[chunkIdx] != ZERO_CHUNK) {
            chunks[chunkIdx] = ZERO_CHUNK;
            allocated--;
        }
    }

    private WasmRuntimeException oob(int addr, int size) {
        return new WasmRuntimeException(message(addr, size, limit));
    }

    private static String message(int addr, int size, int limit) {
        return "out of bounds memory access: attempted to access address: "
                + addr
                + " but limit is: "
                + limit
                + " and size: "
                + size;
    }

    /** Traps unless [addr, addr + size) lies within [0, limit); same rule as ByteArrayMemory. */
    private static void check(int addr, int size, int limit, boolean instantiation) {
        if (addr < 0 || size < 0 || addr > limit || (size > 0 && addr > limit - size)) {
            String msg = message(addr, size, limit);
            throw instantiation ? new UninstantiableException(msg) : new WasmRuntimeException(msg);
        }
    }

    // ---------------------------------------------------------------- data segments

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments) {
        initialize(instance, dataSegments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
        this.dataSegments = dataSegments;
        if (dataSegments == null) {
            return;
        }
        for (int i = 0; i < dataSegments.length; i++) {
            DataSegment s = dataSegments[i];
            if (s instanceof ActiveDataSegment) {
                ActiveDataSegment segment = (ActiveDataSegment) s;
                if (segment.index() != memoryIndex) {
                    continue;
                }
                byte[] data = segmentData(i);
                int offset =
                        (int)
                                ConstantEvaluators.computeConstantValue(
                                        instance, segment.offsetInstructions())[0];
                check(offset, data.length, limit, true);
                write(offset, data, 0, data.length);
            } else if (!(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("Data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        write(dest, dataSegments[segmentId] == PassiveDataSegment.EMPTY ? new byte[0] : segmentData(segmentId), offset,
                size);
    }

    private byte[] segmentData(int i) {
        return segmentData != null && i < segmentData.length ? segmentData[i] : dataSegments[i].data();
    }

    @Override
    public void drop(int segment) {
        dataSegments[segment] = PassiveDataSegment.EMPTY;
    }

    // ---------------------------------------------------------------- bulk

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        check(offset, size, data.length, false);
        check(addr, size, limit, false);
        while (size > 0) {
            int off = addr & CHUNK_MASK;
            int chunk = Math.min(size, CHUNK_SIZE - off);
            System.arraycopy(data, offset, writable(addr >>> CHUNK_SHIFT), off, chunk);
            addr += chunk;
            offset += chunk;
            size -= chunk;
        }
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        check(addr, len, limit, false);
        byte[] result = new byte[len];
        int done = 0;
        while (done < len) {
            int a = addr + done;
            int off = a & CHUNK_MASK;
            int chunk = Math.min(len - done, CHUNK_SIZE - off);
            byte[] page = chunks[a >>> CHUNK_SHIFT];
            if (page != ZERO_CHUNK) {
                System.arraycopy(page, off, result, done, chunk);
            }
            done += chunk;
        }
        return result;
    }

    @Override
    public void zero() {
        if (allocated == 0) {
            return; // a fresh memory: nothing to release (every instantiation calls this)
        }
        for (int i = 0, n = nPages * CHUNKS_PER_PAGE; i < n; i++) {
            release(i);
        }
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        int addr = fromIndex;
        int remaining = toIndex - fromIndex;
        check(addr, remaining, limit, false);
        while (remaining > 0) {
            int idx = addr >>> CHUNK_SHIFT;
            int off = addr & CHUNK_MASK;
            int chunk = Math.min(remaining, CHUNK_SIZE - off);
            if (value == 0 && chunk == CHUNK_SIZE) {
                release(idx);
            } else if (value != 0 || chunks[idx] != ZERO_CHUNK) {
                Arrays.fill(writable(idx), off, off + chunk, value);
            }
            addr += chunk;
            remaining -= chunk;
        }
    }

    @Override
    public void copy(int dest, int src, int size) {
        check(dest, size, limit, false);
        check(src, size, limit, false);
        if (dest > src && dest < src + size) {
            // Overlapping, destination above source: copy chunks from the end, like memmove.
            int end = size;
            while (end > 0) {
                int d = dest + end;
                int s = src + end;
                int chunk = Math.min(end, Math.min(((d - 1) & CHUNK_MASK) + 1, ((s - 1) & CHUNK_MASK) + 1));
                copyChunk(d - chunk, s - chunk, chunk);
                end -= chunk;
            }
        } else {
            int done = 0;
            while (done < size) {
                int d = dest + done;
                int s = src + done;
                int chunk =
                        Math.min(size - done, CHUNK_SIZE - Math.max(d & CHUNK_MASK, s & CHUNK_MASK));
                copyChunk(d, s, chunk);
                done += chunk;
            }
        }
    }

    /** Copies within one source chunk and one destination chunk. */
    private void copyChunk(int d, int s, int chunk) {
        int dIdx = d >>> CHUNK_SHIFT;
        int sIdx = s >>> CHUNK_SHIFT;
        if (chunks[sIdx] == ZERO_CHUNK && chunks[dIdx] == ZERO_CHUNK) {
            return; // zeros onto zeros
        }
        byte[] dst = writable(dIdx); // before reading the source: they may be the same page
        System.arraycopy(chunks[sIdx], s & CHUNK_MASK, dst, d & CHUNK_MASK, chunk);
    }

    // ---------------------------------------------------------------- bytes

    @Override
    public byte read(int addr) {
        if (addr < 0 || addr >= limit) {
            throw oob(addr, 1);
        }
        return chunks[addr >>> CHUNK_SHIFT][addr & CHUNK_MASK];
    }

    @Override
    public void writeByte(int addr, byte data) {
        if (addr < 0 || addr >= limit) {
            throw oob(addr, 1);
        }
        writable(addr >>> CHUNK_SHIFT)[addr & CHUNK_MASK] = data;
    }

    // ---------------------------------------------------------------- 16 bit

    @Override
    public short readShort(int addr) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 2 && off <= CHUNK_SIZE - 2) {
            return (short) SHORT.get(chunks[addr >>> CHUNK_SHIFT], off);
        }
        return (short) readSlow(addr, 2);
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeShort(int addr, short data) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 2 && off <= CHUNK_SIZE - 2) {
            SHORT.set(writable(addr >>> CHUNK_SHIFT), off, data);
        } else {
            writeSlow(addr, data, 2);
        }
    }

    // ---------------------------------------------------------------- 32 bit

    @Override
    public int readInt(int addr) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 4 && off <= CHUNK_SIZE - 4) {
            return (int) INT.get(chunks[addr >>> CHUNK_SHIFT], off);
        }
        return (int) readSlow(addr, 4);
    }

    @Override
    public void writeI32(int addr, int data) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 4 && off <= CHUNK_SIZE - 4) {
            INT.set(writable(addr >>> CHUNK_SHIFT), off, data);
        } else {
            writeSlow(addr, data, 4);
        }
    }

    @Override
    public float readFloat(int addr) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 4 && off <= CHUNK_SIZE - 4) {
            return (float) FLOAT.get(chunks[addr >>> CHUNK_SHIFT], off);
        }
        return Float.intBitsToFloat((int) readSlow(addr, 4));
    }

    @Override
    public long readF32(int addr) {
        return readInt(addr);
    }

    @Override
    public void writeF32(int addr, float data) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 4 && off <= CHUNK_SIZE - 4) {
            FLOAT.set(writable(addr >>> CHUNK_SHIFT), off, data);
        } else {
            writeSlow(addr, Float.floatToRawIntBits(data), 4);
        }
    }

    // ---------------------------------------------------------------- 64 bit

    @Override
    public long readLong(int addr) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 8 && off <= CHUNK_SIZE - 8) {
            return (long) LONG.get(chunks[addr >>> CHUNK_SHIFT], off);
        }
        return readSlow(addr, 8);
    }

    @Override
    public void writeLong(int addr, long data) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 8 && off <= CHUNK_SIZE - 8) {
            LONG.set(writable(addr >>> CHUNK_SHIFT), off, data);
        } else {
            writeSlow(addr, data, 8);
        }
    }

    @Override
    public double readDouble(int addr) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 8 && off <= CHUNK_SIZE - 8) {
            return (double) DOUBLE.get(chunks[addr >>> CHUNK_SHIFT], off);
        }
        return Double.longBitsToDouble(readSlow(addr, 8));
    }

    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    @Override
    public void writeF64(int addr, double data) {
        int off = addr & CHUNK_MASK;
        if (addr >= 0 && addr <= limit - 8 && off <= CHUNK_SIZE - 8) {
            DOUBLE.set(writable(addr >>> CHUNK_SHIFT), off, data);
        } else {
            writeSlow(addr, Double.doubleToRawLongBits(data), 8);
        }
    }

    // ---------------------------------------------------------------- slow paths

    /** Out of bounds (traps) or straddling a chunk boundary: little-endian, byte by byte. */
    private long readSlow(int addr, int size) {
        if (addr < 0 || addr > limit - size) {
            throw oob(addr, size);
        }
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            int a = addr + i;
            v = (v << 8) | (chunks[a >>> CHUNK_SHIFT][a & CHUNK_MASK] & 0xFFL);
        }
        return v;
    }

    private void writeSlow(int addr, long data, int size) {
        if (addr < 0 || addr > limit - size) {
            throw oob(addr, size);
        }
        for (int i = 0; i < size; i++) {
            int a = addr + i;
            writable(a >>> CHUNK_SHIFT)[a & CHUNK_MASK] = (byte) (data >>> (8 * i));
        }
    }
}
