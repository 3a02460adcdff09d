package dev.weft.process.wasm;

import static dev.weft.process.wasm.ModuleLoaderTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WasmModuleTest {
    @Test
    void exportsAndNameSection() throws Exception {
        WasmModule m = new ModuleLoader(Engine.INTERPRETER).load(fixture("add.wasm"));
        assertEquals(List.of("add", "add_squares"), m.exportedFunctions());
        assertEquals(List.of("add", "add_squares"), m.exportNames());
        assertTrue(m.hasExport("add"));
        assertTrue(m.hasFunctionExport("add_squares"));
        assertFalse(m.hasExport("square")); // defined, named, but not exported
        assertFalse(m.hasExport("_start"));
        assertEquals(Map.of(0, "add", 1, "square", 2, "add_squares"), m.functionNames());
        assertEquals(Optional.of("square"), m.functionName(1));
        assertEquals(Optional.empty(), m.functionName(3));
        assertEquals(Optional.of("adder"), m.moduleName());
        assertTrue(m.imports().isEmpty());
        assertEquals(0, m.importedFunctionCount());
    }

    @Test
    void importsOfEveryKindAsText() throws Exception {
        WasmModule m = new ModuleLoader().load(fixture("imports.wasm"));
        assertEquals(List.of(
                new WasmModule.Import("lunatic::process", "process_id", "func (result i64)"),
                new WasmModule.Import("env", "log", "func (param i32 i32)"),
                new WasmModule.Import("env", "memory", "memory 1 16"),
                new WasmModule.Import("env", "table", "table 2 funcref"),
                new WasmModule.Import("env", "counter", "global (mut i32)"),
                new WasmModule.Import("env", "seed", "global i64")), m.imports());
        assertEquals(2, m.importedFunctionCount());
        assertEquals(List.of("self", "hello", "memory"), m.exportNames());
        assertEquals(List.of("self", "hello"), m.exportedFunctions());
        assertTrue(m.hasExport("memory"));
        assertFalse(m.hasFunctionExport("memory"));
        // built without --debug-names: no name section
        assertTrue(m.functionNames().isEmpty());
        assertEquals(Optional.empty(), m.functionName(2));
        assertEquals(Optional.empty(), m.moduleName());
        assertEquals("lunatic::process::process_id func (result i64)", m.imports().get(0).toString());
    }
}
