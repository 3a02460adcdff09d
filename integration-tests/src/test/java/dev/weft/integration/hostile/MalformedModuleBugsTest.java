package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.hostapi.WasmConfig;
import dev.weft.node.Node;
import dev.weft.process.StartedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.WasmModule;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invalid modules found by {@link MalformedModulesTest} that Chicory 1.7.5's validation lets
 * through ({@code wasm-validate}: "function variable out of range: 1 (max 1)"); Weft's loader now
 * refuses them as invalid.
 */
class MalformedModuleBugsTest {

    /**
     * One function {@code () -> i64} whose body is {@code call 0}, exported as {@code run} under the
     * function index 1, which does not exist. Hand-assembled (wat2wasm refuses to build it).
     */
    static final byte[] EXPORT_OF_A_MISSING_FUNCTION = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e,             // type: () -> i64
        0x03, 0x02, 0x01, 0x00,                                 // function: one of type 0
        0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01, // export "run" = func 1 (out of range)
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,        // code: call 0
    };

    /** An import whose type index (1) does not exist: only one type. Hand-assembled. */
    static final byte[] IMPORT_OF_A_MISSING_TYPE = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e,             // type: () -> i64
        0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x01, // import "m" "f" func of type 1 (out of range)
    };

    @Test
    @Timeout(30)
    void importOfAMissingTypeIsRefused() {
        try (Node node = Node.builder().build()) {
            for (Engine engine : new Engine[] {Engine.INTERPRETER, Engine.COMPILER}) {
                ModuleLoadException e = assertThrows(ModuleLoadException.class,
                        () -> node.loadModule(IMPORT_OF_A_MISSING_TYPE, engine), engine.toString());
                assertEquals(ModuleLoadException.Kind.INVALID, e.kind(), e.getMessage());
            }
        }
    }

    @Test
    @Timeout(30)
    void exportOfAMissingFunctionIsRefused() {
        try (Node node = Node.builder().build()) {
            for (Engine engine : Engine.values()) {
                ModuleLoadException e = assertThrows(ModuleLoadException.class,
                        () -> node.loadModule(EXPORT_OF_A_MISSING_FUNCTION, engine), engine.toString());
                assertEquals(ModuleLoadException.Kind.INVALID, e.kind(), e.getMessage());
            }
        }
    }

    /** Meanwhile, such a module must not hurt the caller when it is run. */
    @Test
    @Timeout(30)
    void exportOfAMissingFunctionDoesNotEscapeWhenRun() throws Exception {
        try (Node node = Node.builder().build()) {
            for (Engine engine : Engine.values()) {
                WasmModule module;
                try {
                    module = node.loadModule(EXPORT_OF_A_MISSING_FUNCTION, engine);
                } catch (ModuleLoadException refused) {
                    continue; // fixed
                }
                String outcome;
                try {
                    StartedProcess p = node.startWasm(module, WasmConfig.defaults(), "run");
                    ExitReason reason = p.awaitExit(Duration.ofSeconds(10));
                    outcome = "exited: " + reason;
                    assertTrue(!reason.isNormal(), "an export of a missing function cannot run: " + reason);
                } catch (IllegalArgumentException refused) {
                    outcome = "spawn refused: " + refused.getMessage();
                }
                System.out.println("[hostile] export of a missing function (" + engine + "): loaded; " + outcome);
            }
        }
    }
}
