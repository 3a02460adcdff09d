package dev.weft.process.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportValues;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import dev.weft.process.ProcessRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** weft.wasm.fuel.slices and weft.scheduler.preemptions: what fairness cost, on Micrometer. */
@Timeout(60)
class FairnessMetersTest {

    private static double count(MeterRegistry registry, String name) {
        FunctionCounter counter = registry.find(name).functionCounter();
        assertNotNull(counter, "no " + name + " counter");
        return counter.count();
    }

    private static WasmModule spin() throws Exception {
        return new ModuleLoader(Engine.COMPILER).load(FuelInstrumenterTest.fixture("fuel/spin.wasm"));
    }

    private static ImportValues noTick() {
        return ImportValues.builder().addFunction(new com.dylibso.chicory.runtime.HostFunction("env", "tick",
                com.dylibso.chicory.wasm.types.FunctionType.of(List.of(com.dylibso.chicory.wasm.types.ValType.I64),
                        List.of()), (instance, args) -> null)).build();
    }

    @Test
    void slicesChargedToProcessesThatCountFuelAreCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime runtime = new ProcessRuntime(1, registry)) {
            assertEquals(0, count(registry, "weft.wasm.fuel.slices"));
            // about 15 million instructions: some 150 slices
            Pid p = runtime.spawn(WasmProcess.builder(spin(), "work").args(1_000_000L).maxFuel(1_000_000)
                    .hostFunctions(ctx -> noTick()).build());
            assertEquals(ExitReason.NORMAL, runtime.whenExited(p).get(30, TimeUnit.SECONDS));
            double slices = count(registry, "weft.wasm.fuel.slices");
            assertTrue(slices >= 100 && slices <= 200, slices + " slices");
        }
    }

    @Test
    void busyProcessesThatGiveUpTheirCarrierAreCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ProcessRuntime runtime = new ProcessRuntime(1, registry)) {
            double before = count(registry, "weft.scheduler.preemptions");
            List<Pid> busy = new ArrayList<>();
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
                busy.add(runtime.spawn(WasmProcess.builder(spin(), "spin").hostFunctions(ctx -> noTick()).build()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (count(registry, "weft.scheduler.preemptions") < before + 10 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(count(registry, "weft.scheduler.preemptions") >= before + 10,
                    "busy processes taking turns were preempted");
            for (Pid p : busy) {
                runtime.exit(p, ExitReason.KILL);
            }
        }
    }
}
