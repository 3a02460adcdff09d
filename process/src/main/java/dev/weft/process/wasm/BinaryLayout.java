package dev.weft.process.wasm;

import dev.weft.process.wasm.ModuleLoadException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The outer layout of a Wasm binary: header and section boundaries, checked before Chicory sees
 * the bytes. Chicory's parser does not say where it failed; this scan does, for the most common
 * breakage (truncated files, wrong magic or version, bad section ids and lengths, misordered
 * sections), and gives the section boundaries that later errors are located against.
 */
final class BinaryLayout {
    static final int MAGIC_LENGTH = 4;
    static final int HEADER_LENGTH = 8;
    private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};
    private static final byte[] VERSION_1 = {0x01, 0x00, 0x00, 0x00};
    private static final String[] NAMES = {
        "custom", "type", "import", "function", "table", "memory", "global", "export", "start",
        "element", "code", "data", "data count", "tag"
    };
    /** Position of each non-custom section id in the order the spec requires. */
    private static final int[] ORDER = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};

    /** One section: its id, the offset of its id byte, and where its contents start and end. */
    record Section(int id, int start, int contentStart, int end) {
        String label() {
            return BinaryLayout.label(id);
        }
    }

    private BinaryLayout() {}

    static String label(int id) {
        return "section " + id + " (" + NAMES[id] + ")";
    }

    /** Checks header and section framing; returns the sections in file order. */
    static List<Section> scan(byte[] b) throws ModuleLoadException {
        checkHeader(b);
        List<Section> sections = new ArrayList<>();
        int pos = HEADER_LENGTH;
        int lastRank = 0;
        int lastId = -1;
        while (pos < b.length) {
            int start = pos;
            int id = b[pos++] & 0xff;
            if (id >= NAMES.length) {
                throw malformed("unknown section id " + id + " at byte " + start);
            }
            long size = 0;
            int shift = 0;
            while (true) {
                if (pos >= b.length) {
                    throw malformed(label(id) + " at byte " + start
                            + " is truncated: the input ends at byte " + b.length + " inside its size");
                }
                int x = b[pos++] & 0xff;
                size |= (long) (x & 0x7f) << shift;
                shift += 7;
                if ((x & 0x80) == 0) {
                    break;
                }
                if (shift >= 35) {
                    throw malformed(label(id) + " at byte " + start
                            + " has a size that is not a valid LEB128 u32");
                }
            }
            if (size > 0xffff_ffffL) {
                throw malformed(label(id) + " at byte " + start + " has a size that is not a valid LEB128 u32");
            }
            long end = pos + size;
            if (end > b.length) {
                throw malformed(label(id) + " at byte " + start + " is truncated: it declares "
                        + size + " bytes but the input ends at byte " + b.length);
            }
            if (id != 0) {
                int rank = ORDER[id];
                if (rank == lastRank) {
                    throw malformed(label(id) + " at byte " + start + " appears twice");
                }
                if (rank < lastRank) {
                    throw malformed(label(id) + " at byte " + start + " is out of order (it must come before "
                            + label(lastId) + ")");
                }
                lastRank = rank;
                lastId = id;
            }
            sections.add(new Section(id, start, pos, (int) end));
            pos = (int) end;
        }
        return sections;
    }

    private static void checkHeader(byte[] b) throws ModuleLoadException {
        if (b.length == 0) {
            throw new ModuleLoadException(Kind.NOT_WASM, "not a Wasm module: the input is empty (0 bytes)");
        }
        int n = Math.min(b.length, MAGIC_LENGTH);
        boolean magicPrefix = true;
        for (int i = 0; i < n; i++) {
            magicPrefix &= b[i] == MAGIC[i];
        }
        if (!magicPrefix) {
            if (looksLikeText(b)) {
                throw new ModuleLoadException(Kind.NOT_WASM, "not a Wasm module: this is WebAssembly text"
                        + " (.wat), not the binary format, at byte 0; compile it with wat2wasm first");
            }
            throw new ModuleLoadException(Kind.NOT_WASM, "not a Wasm module: bad magic number (expected \\0asm,"
                    + " found " + hex(b, 0, n) + ") at byte 0");
        }
        if (b.length < MAGIC_LENGTH) {
            throw malformed("truncated at byte " + b.length + ", inside the magic number \\0asm");
        }
        if (b.length < HEADER_LENGTH) {
            throw malformed("truncated at byte " + b.length + ", inside the version number (bytes 4 to 7)");
        }
        if (!java.util.Arrays.equals(b, 4, 8, VERSION_1, 0, 4)) {
            int version = (b[4] & 0xff) | (b[5] & 0xff) << 8;
            int layer = (b[6] & 0xff) | (b[7] & 0xff) << 8;
            if (layer == 1) {
                throw new ModuleLoadException(Kind.UNSUPPORTED, "unsupported: this is a WebAssembly component"
                        + " (layer 1, version " + version + " at byte 4), not a core module; Weft runs core"
                        + " modules only");
            }
            throw new ModuleLoadException(Kind.UNSUPPORTED, "unsupported: Wasm binary version "
                    + hex(b, 4, 4) + " at byte 4 (only version 1, 01 00 00 00, exists)");
        }
    }

    private static boolean looksLikeText(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 256), StandardCharsets.UTF_8).stripLeading();
        if (head.startsWith("\uFEFF")) {
            head = head.substring(1).stripLeading();
        }
        return head.startsWith("(module") || head.startsWith("(component") || head.startsWith(";;")
                || head.startsWith("(;");
    }

    static String hex(byte[] b, int from, int length) {
        return HexFormat.ofDelimiter(" ").formatHex(b, from, from + length);
    }

    private static ModuleLoadException malformed(String what) {
        return new ModuleLoadException(Kind.MALFORMED, "malformed module: " + what);
    }
}
