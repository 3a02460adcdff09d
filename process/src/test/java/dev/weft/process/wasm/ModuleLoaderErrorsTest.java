package dev.weft.process.wasm;

import static dev.weft.process.wasm.ModuleLoaderTest.bytes;
import static dev.weft.process.wasm.ModuleLoaderTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.process.wasm.ModuleLoadException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModuleLoaderErrorsTest {
    private static final byte[] HEADER = {0, 'a', 's', 'm', 1, 0, 0, 0};

    /** Loads and expects a refusal: only ModuleLoadException, one line, no Java class names. */
    static ModuleLoadException refused(ModuleLoader loader, byte[] bytes, Engine engine) {
        try {
            WasmModule m = loader.load(bytes, engine);
            return fail("loaded " + m + " from " + BinaryLayout.hex(bytes, 0, Math.min(bytes.length, 32)));
        } catch (ModuleLoadException e) {
            String msg = e.getMessage();
            assertFalse(msg.contains("\n"), msg);
            assertFalse(msg.contains("Exception"), msg);
            assertFalse(msg.contains("section size mismatch, unexpected end"), msg); // Chicory's spec-test wrapper
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected a ModuleLoadException, got " + t, t);
        }
    }

    static ModuleLoadException refused(byte[] bytes) {
        return refused(new ModuleLoader(), bytes, Engine.COMPILER);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void empty() {
        ModuleLoadException e = refused(new byte[0]);
        assertEquals(Kind.NOT_WASM, e.kind());
        assertEquals("not a Wasm module: the input is empty (0 bytes)", e.getMessage());
    }

    @Test
    void randomBytes() {
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[1 + r.nextInt(300)];
            r.nextBytes(b);
            if (b[0] == 0) b[0] = 1;
            ModuleLoadException e = refused(b);
            assertEquals(Kind.NOT_WASM, e.kind());
            assertTrue(e.getMessage().startsWith("not a Wasm module: bad magic number (expected \\0asm, found "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith(") at byte 0"), e.getMessage());
        }
    }

    @Test
    void randomBytesAfterAValidHeader() {
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            byte[] body = new byte[1 + r.nextInt(64)];
            r.nextBytes(body);
            byte[] b = concat(HEADER, body);
            try {
                new ModuleLoader().load(b, Engine.INTERPRETER);
            } catch (ModuleLoadException e) {
                assertTrue(e.getMessage().matches("^(malformed module|invalid module|unsupported): .*"),
                        e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("expected a ModuleLoadException for " + BinaryLayout.hex(b, 0, b.length)
                        + ", got " + t, t);
            }
        }
    }

    @Test
    void randomCorruptionOfARealModuleNeverLeaksAnotherException() throws Exception {
        byte[] add = bytes("add.wasm");
        Random r = new Random(11);
        ModuleLoader loader = new ModuleLoader(Engine.INTERPRETER);
        for (int i = 0; i < 1500; i++) {
            byte[] b = add.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                b[8 + r.nextInt(b.length - 8)] = (byte) r.nextInt(256);
            }
            try {
                loader.load(b);
            } catch (ModuleLoadException e) {
                assertTrue(e.getMessage().matches("^(malformed module|invalid module|unsupported): [^\\n]*"),
                        e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("expected a ModuleLoadException for " + BinaryLayout.hex(b, 0, b.length)
                        + ", got " + t, t);
            }
        }
    }

    @Test
    void aBrokenNameSectionIsIgnored() throws Exception {
        byte[] b = bytes("add.wasm");
        assertEquals("name", new String(b, 0x56, 4, java.nio.charset.StandardCharsets.US_ASCII));
        b[0x5b] = 0x30; // the module-name subsection claims more bytes than the section has
        WasmModule m = new ModuleLoader().load(b);
        assertTrue(m.functionNames().isEmpty());
        assertEquals(5, m.instanceBuilder().build().export("add").apply(2, 3)[0]);
    }

    @Test
    void wrongMagic() throws Exception {
        byte[] b = bytes("add.wasm");
        b[1] = 'b';
        ModuleLoadException e = refused(b);
        assertEquals(Kind.NOT_WASM, e.kind());
        assertEquals("not a Wasm module: bad magic number (expected \\0asm, found 00 62 73 6d) at byte 0",
                e.getMessage());
    }

    @Test
    void anElfFile() {
        ModuleLoadException e = refused(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
        assertEquals("not a Wasm module: bad magic number (expected \\0asm, found 7f 45 4c 46) at byte 0",
                e.getMessage());
    }

    @Test
    void watTextInsteadOfBinary() throws Exception {
        ModuleLoadException e = refused(bytes("add.wat"));
        assertEquals(Kind.NOT_WASM, e.kind());
        assertEquals("not a Wasm module: this is WebAssembly text (.wat), not the binary format, at byte 0;"
                + " compile it with wat2wasm first", e.getMessage());
    }

    @Test
    void wrongVersion() throws Exception {
        byte[] b = bytes("add.wasm");
        b[4] = 2;
        ModuleLoadException e = refused(b);
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertEquals("unsupported: Wasm binary version 02 00 00 00 at byte 4 (only version 1, 01 00 00 00, exists)",
                e.getMessage());
    }

    @Test
    void aComponentIsNotACoreModule() {
        ModuleLoadException e = refused(new byte[] {0, 'a', 's', 'm', 0x0d, 0, 1, 0});
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().startsWith("unsupported: this is a WebAssembly component"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"add.wasm", "imports.wasm", "simd.wasm"})
    void everyTruncationIsRefusedUnlessItEndsOnASectionBoundary(String name) throws Exception {
        byte[] full = bytes(name);
        Set<Integer> boundaries = new HashSet<>();
        boundaries.add(BinaryLayout.HEADER_LENGTH);
        for (BinaryLayout.Section s : BinaryLayout.scan(full)) boundaries.add(s.end());
        ModuleLoader loader = new ModuleLoader(Engine.INTERPRETER);
        int refusedCount = 0;
        for (int n = 0; n < full.length; n++) {
            byte[] prefix = Arrays.copyOf(full, n);
            try {
                loader.load(prefix);
                assertTrue(boundaries.contains(n), "a prefix of " + n + " bytes loaded but ends inside a section");
            } catch (ModuleLoadException e) {
                refusedCount++;
                String msg = e.getMessage();
                assertTrue(msg.matches("^(not a Wasm module|malformed module|unsupported): .*"), msg);
                if (n > BinaryLayout.HEADER_LENGTH && !boundaries.contains(n)) {
                    assertTrue(msg.contains(" is truncated: ") && msg.contains(" at byte ")
                            && msg.contains("the input ends at byte " + n), n + ": " + msg);
                }
                if (n > 0 && n < BinaryLayout.MAGIC_LENGTH) {
                    assertEquals("malformed module: truncated at byte " + n + ", inside the magic number \\0asm", msg);
                }
                if (n >= BinaryLayout.MAGIC_LENGTH && n < BinaryLayout.HEADER_LENGTH) {
                    assertEquals("malformed module: truncated at byte " + n
                            + ", inside the version number (bytes 4 to 7)", msg);
                }
            } catch (Throwable t) {
                throw new AssertionError("prefix of " + n + " bytes: expected a ModuleLoadException, got " + t, t);
            }
        }
        assertTrue(refusedCount >= full.length - boundaries.size(), "refused " + refusedCount);
    }

    @Test
    void aTruncatedCodeSectionSaysWhere() throws Exception {
        byte[] b = Arrays.copyOf(bytes("add.wasm"), 60);
        ModuleLoadException e = refused(b);
        assertEquals(Kind.MALFORMED, e.kind());
        assertEquals("malformed module: section 10 (code) at byte 51 is truncated: it declares 30 bytes"
                + " but the input ends at byte 60", e.getMessage());
    }

    @Test
    void aSectionLengthTooLarge() throws Exception {
        byte[] b = bytes("add.wasm");
        assertEquals(10, b[51]); // the code section's id, then its size
        b[52] = 0x7f;
        ModuleLoadException e = refused(b);
        assertEquals("malformed module: section 10 (code) at byte 51 is truncated: it declares 127 bytes"
                + " but the input ends at byte 151", e.getMessage());
    }

    @Test
    void aSectionLengthTooSmall() throws Exception {
        byte[] b = bytes("add.wasm");
        b[9] = 0x05; // the type section declares 5 of its 12 bytes
        ModuleLoadException e = refused(b);
        assertEquals(Kind.MALFORMED, e.kind());
        assertTrue(e.getMessage().startsWith("malformed module: "), e.getMessage());
        assertTrue(e.getMessage().contains(" at byte "), e.getMessage());
    }

    @Test
    void aSectionSizeThatIsNotLeb128() {
        ModuleLoadException e = refused(concat(HEADER, new byte[] {1, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 0}));
        assertEquals("malformed module: section 1 (type) at byte 8 has a size that is not a valid LEB128 u32",
                e.getMessage());
    }

    @Test
    void anUnknownSectionId() throws Exception {
        byte[] b = bytes("add.wasm");
        b[51] = 14;
        assertEquals("malformed module: unknown section id 14 at byte 51", refused(b).getMessage());
    }

    @Test
    void sectionsOutOfOrderOrTwice() {
        byte[] emptyType = {1, 1, 0};
        byte[] emptyExport = {7, 1, 0};
        assertEquals("malformed module: section 1 (type) at byte 11 is out of order (it must come before"
                + " section 7 (export))", refused(concat(HEADER, emptyExport, emptyType)).getMessage());
        assertEquals("malformed module: section 1 (type) at byte 11 appears twice",
                refused(concat(HEADER, emptyType, emptyType)).getMessage());
    }

    @Test
    void garbageInsideASectionNamesTheSection() throws Exception {
        byte[] b = bytes("add.wasm");
        b[11] = 0x55; // the first type's form: should be 0x60 (func)
        ModuleLoadException e = refused(b);
        assertEquals(Kind.MALFORMED, e.kind());
        assertTrue(e.getMessage().startsWith("malformed module: section 1 (type), bytes 8 to 21: "), e.getMessage());
        assertTrue(e.getCause() instanceof com.dylibso.chicory.wasm.ChicoryException, String.valueOf(e.getCause()));
    }

    @Test
    void functionWithoutCode() throws Exception {
        byte[] b = Arrays.copyOf(bytes("add.wasm"), 28); // type and function sections, no code section
        ModuleLoadException e = refused(b);
        assertEquals("malformed module: function and code section have inconsistent lengths", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void invalidCode(Engine engine) throws Exception {
        ModuleLoadException e = refused(new ModuleLoader(), bytes("invalid-type.wasm"), engine);
        assertEquals(Kind.INVALID, e.kind());
        assertEquals("invalid module: function 1 (bad) at bytes 39 to 41: type mismatch: instruction requires [i32]"
                + " but stack has [i64]", e.getMessage());
        assertTrue(e.getCause() instanceof com.dylibso.chicory.wasm.InvalidException, String.valueOf(e.getCause()));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void simdIsUnsupportedOnBothEngines(Engine engine) throws Exception {
        ModuleLoadException e = refused(new ModuleLoader(), bytes("simd.wasm"), engine);
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertEquals("unsupported: SIMD instruction i32x4.splat at byte 38 in function 0 (splat);"
                + " Weft does not run the SIMD proposal", e.getMessage());
    }

    @Test
    void aMissingFile(@TempDir Path dir) {
        Path missing = dir.resolve("app.wasm");
        try {
            new ModuleLoader().load(missing);
            fail();
        } catch (ModuleLoadException e) {
            assertEquals(Kind.UNREADABLE, e.kind());
            assertEquals("cannot read " + missing + ": no such file", e.getMessage());
        }
    }

    @Test
    void aDirectory(@TempDir Path dir) {
        try {
            new ModuleLoader().load(dir);
            fail();
        } catch (ModuleLoadException e) {
            assertEquals(Kind.UNREADABLE, e.kind());
            assertEquals("cannot read " + dir + ": it is a directory", e.getMessage());
        }
    }

    @Test
    void aBadFileIsNamedInTheMessage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.wasm");
        Files.writeString(file, "#!/bin/sh\necho hello\n");
        try {
            new ModuleLoader().load(file);
            fail();
        } catch (ModuleLoadException e) {
            assertEquals(file + ": not a Wasm module: bad magic number (expected \\0asm, found 23 21 2f 62) at byte 0",
                    e.getMessage());
        }
        try {
            new ModuleLoader().load(fixture("simd.wasm"));
            fail();
        } catch (ModuleLoadException e) {
            assertTrue(e.getMessage().startsWith(fixture("simd.wasm") + ": unsupported: SIMD"), e.getMessage());
        }
    }
}
