package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * All 140 lunatic::* functions link with their exact signatures (wasm/lunatic/all_lunatic_imports.wat
 * imports every one); implemented ones work, the others trap with "... is not implemented yet".
 */
class LunaticImportsHostTest {

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    private ExitReason run(Engine engine, String export) throws Exception {
        WasmModule module = new ModuleLoader().load(LunaticMessagingHostTest.fixture("all_lunatic_imports.wasm"), engine);
        MonitoredPid child = me.spawnMonitor(
                WasmProcess.builder(module, export).hostFunctions(LunaticHost::importValues).build());
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()),
                java.time.Duration.ofSeconds(10));
        assertNotNull(down);
        return ((DownMessage) down.payload()).reason();
    }

    @Test
    void theAbiHas140FunctionsAndTheHostProvidesEachWithItsSignatureThenWeftsOwn() {
        assertEquals(140, LunaticAbi.functions().size());
        List<LunaticAbi.Function> abi = new java.util.ArrayList<>(LunaticAbi.functions());
        abi.addAll(WeftAbi.functions());
        List<ImportFunction> host = LunaticHost.functions(me);
        assertEquals(abi.size(), host.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < abi.size(); i++) {
            LunaticAbi.Function f = abi.get(i);
            ImportFunction h = host.get(i);
            assertEquals(f.module(), h.module());
            assertEquals(f.name(), h.name());
            assertEquals(f.type(), h.functionType(), f.qualifiedName());
            assertTrue(names.add(f.qualifiedName()));
        }
        assertEquals(FunctionType.of(List.of(com.dylibso.chicory.wasm.types.ValType.I32,
                        com.dylibso.chicory.wasm.types.ValType.I32, com.dylibso.chicory.wasm.types.ValType.I64),
                List.of(com.dylibso.chicory.wasm.types.ValType.I32)), LunaticHost.type("lunatic::message", "receive"));
        assertTrue(LunaticHost.isImplemented("lunatic::message", "receive"));
        assertTrue(!LunaticHost.isImplemented("lunatic::networking", "tcp_bind"));
        for (LunaticAbi.Function f : WeftAbi.functions()) {
            assertTrue(LunaticHost.isImplemented(f.module(), f.name()), f.qualifiedName());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aModuleImportingAll140FunctionsInstantiatesAndRuns(Engine engine) throws Exception {
        assertEquals(ExitReason.NORMAL, run(engine, "run"));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anUnimplementedFunctionTrapsWithItsName(Engine engine) throws Exception {
        ExitReason reason = run(engine, "tcp_bind");
        String message = assertInstanceOf(ExitReason.Error.class, reason, reason::toString).message();
        assertTrue(message.startsWith("trap: lunatic::networking::tcp_bind is not implemented yet"), message);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void resourcesThatDoNotExistTrapNamingTheFunction(Engine engine) throws Exception {
        ExitReason push = run(engine, "push_module");
        String message = assertInstanceOf(ExitReason.Error.class, push, push::toString).message();
        assertTrue(message.startsWith("trap: lunatic::message::push_module: no message in the scratch area"), message);
        ExitReason error = run(engine, "error_string_size");
        message = assertInstanceOf(ExitReason.Error.class, error, error::toString).message();
        assertTrue(message.startsWith("trap: lunatic::error::string_size: unknown error id 5"), message);
    }
}
