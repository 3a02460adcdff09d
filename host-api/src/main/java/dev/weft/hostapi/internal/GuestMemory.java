package dev.weft.hostapi.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checked access to a guest's linear memory for host functions. Every failure is a trap of the
 * calling process whose message starts with the host function's name.
 */
public final class GuestMemory {

    private GuestMemory() {}

    /** A trap of the calling process: {@code "function: message"}. */
    public static WasmRuntimeException trap(String function, String message) {
        return new WasmRuntimeException(function + ": " + message);
    }

    /** The guest's exported memory; traps if it exports none. */
    public static Memory memory(Instance instance, String function) {
        Memory memory = instance.memory();
        if (memory == null) {
            throw trap(function, "the guest exports no memory");
        }
        return memory;
    }

    /** The guest's memory, after checking that [ptr, ptr + len) lies in it; ptr is unsigned. */
    public static Memory range(Instance instance, String function, int ptr, long len) {
        Memory memory = memory(instance, function);
        long size = memory.pages() * 65536L;
        long start = Integer.toUnsignedLong(ptr);
        if (len < 0 || start + len > size) {
            throw trap(function, "pointer 0x" + Long.toHexString(start) + " + length " + len
                    + " is outside the guest's memory of " + size + " bytes");
        }
        return memory;
    }

    /** The bytes at [ptr, ptr + len), both unsigned; traps if outside the memory. */
    public static byte[] bytes(Instance instance, String function, int ptr, int len) {
        long n = Integer.toUnsignedLong(len);
        return range(instance, function, ptr, n).readBytes(ptr, (int) n);
    }

    /** The UTF-8 string at [ptr, ptr + len); traps if outside the memory or not valid UTF-8. */
    public static String string(Instance instance, String function, int ptr, int len) {
        byte[] bytes = bytes(instance, function, ptr, len);
        if (isAscii(bytes)) {
            return new String(bytes, StandardCharsets.ISO_8859_1); // the common case, without a decoder
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw trap(function, "the string at 0x" + Integer.toHexString(ptr) + " (length "
                    + Integer.toUnsignedLong(len) + ") is not valid UTF-8");
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** The size of one of Lunatic's spawn parameter records: a type byte and a 16-byte value. */
    public static final int PARAM_RECORD = 17;

    /**
     * The arguments in Lunatic's 17-byte parameter records at [ptr, ptr + len): an {@link Integer}
     * for an i32 (0x7F), a {@link Long} for an i64 (0x7E); traps on a v128 (0x7B), an unknown type or
     * a length that is not a multiple of 17.
     */
    public static Object[] paramRecords(Instance instance, String function, int ptr, int len) {
        long n = Integer.toUnsignedLong(len);
        if (n % PARAM_RECORD != 0) {
            throw trap(function, "the parameter records are " + n + " bytes long, not a multiple of "
                    + PARAM_RECORD);
        }
        byte[] bytes = range(instance, function, ptr, n).readBytes(ptr, (int) n);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Object[] args = new Object[(int) (n / PARAM_RECORD)];
        for (int i = 0; i < args.length; i++) {
            int at = i * PARAM_RECORD;
            int type = bytes[at] & 0xFF;
            long low = buf.getLong(at + 1);
            switch (type) {
                case 0x7F -> args[i] = (int) low;
                case 0x7E -> args[i] = low;
                case 0x7B -> throw trap(function, "parameter " + (i + 1) + " is a v128, which Weft cannot pass"
                        + " to a process");
                default -> throw trap(function, "parameter " + (i + 1) + " has the unknown type 0x"
                        + Integer.toHexString(type) + " (0x7F i32, 0x7E i64, 0x7B v128)");
            }
        }
        return args;
    }
}
