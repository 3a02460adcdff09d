package dev.weft.process.wasm;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Optional;

/**
 * Finds which function a validation error is in. Chicory's validator does not say; it checks
 * function bodies in order and stops at the first bad one. So: parse without validation, then
 * validate copies of the module in which a prefix of the bodies is real and the rest are stubs
 * ({@code unreachable}, valid for any signature), and binary-search the shortest failing prefix.
 * Error path only; O(log n) validations.
 */
final class InvalidFunctionLocator {
    private InvalidFunctionLocator() {}

    /** " in function 3 (name) at bytes 120 to 180", or empty when the error is not in a body. */
    static Optional<String> locate(byte[] bytes) {
        try {
            WasmModule m = ModuleLoader.parser(false).parse(() -> new ByteArrayInputStream(bytes));
            FunctionBody[] bodies = m.codeSection().functionBodies();
            if (bodies.length == 0 || !validates(m, bodies, 0)) {
                return Optional.empty(); // the problem is outside the function bodies
            }
            if (validates(m, bodies, bodies.length)) {
                return Optional.empty();
            }
            int lo = 0; // validates with lo real bodies
            int hi = bodies.length; // fails with hi real bodies
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (validates(m, bodies, mid)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            int defined = hi - 1;
            int index = m.importSection().count(ExternalType.FUNCTION) + defined;
            List<AnnotatedInstruction> code = bodies[defined].instructions();
            String name = m.nameSection() == null ? null : m.nameSection().nameOfFunction(index);
            String where = "function " + index + (name == null ? "" : " (" + name + ")");
            if (!code.isEmpty()) {
                where += " at bytes " + code.get(0).address() + " to " + code.get(code.size() - 1).address();
            }
            return Optional.of(where);
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            return Optional.empty(); // a best effort: the message stays, without the function
        }
    }

    private static boolean validates(WasmModule m, FunctionBody[] bodies, int realPrefix) {
        try {
            copy(m, bodies, realPrefix);
            return true;
        } catch (ChicoryException | AssertionError e) {
            return false;
        }
    }

    private static void copy(WasmModule m, FunctionBody[] bodies, int realPrefix) {
        CodeSection.Builder code = CodeSection.builder().setRequiresDataCount(m.codeSection().isRequiresDataCount());
        FunctionBody stub = null;
        for (int i = 0; i < bodies.length; i++) {
            if (i < realPrefix) {
                code.addFunctionBody(bodies[i]);
            } else {
                if (stub == null) {
                    // the parser gives a function's final END itself as its scope
                    Instruction end = new Instruction(-1, OpCode.END, Instruction.EMPTY_OPERANDS);
                    stub = new FunctionBody(List.of(), List.of(
                            AnnotatedInstruction.builder().from(
                                    new Instruction(-1, OpCode.UNREACHABLE, Instruction.EMPTY_OPERANDS)).build(),
                            AnnotatedInstruction.builder().from(end).withScope(end).build()));
                }
                code.addFunctionBody(stub);
            }
        }
        var b = WasmModule.builder()
                .setTypeSection(m.typeSection())
                .setImportSection(m.importSection())
                .setFunctionSection(m.functionSection())
                .setTableSection(m.tableSection())
                .setGlobalSection(m.globalSection())
                .setExportSection(m.exportSection())
                .setElementSection(m.elementSection())
                .setCodeSection(code.build())
                .setDataSection(m.dataSection());
        m.memorySection().ifPresent(b::setMemorySection);
        m.startSection().ifPresent(b::setStartSection);
        m.dataCountSection().ifPresent(b::setDataCountSection);
        m.tagSection().ifPresent(b::setTagSection);
        for (CustomSection c : m.customSections()) {
            b.addCustomSection(c.name(), c);
        }
        b.withValidation(true).build();
    }
}
