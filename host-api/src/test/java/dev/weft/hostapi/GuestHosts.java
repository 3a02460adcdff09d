package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.hostapi.internal.GuestMetrics;
import dev.weft.hostapi.internal.TrapCatch;
import dev.weft.hostapi.internal.abi.LunaticMetricsAbi;
import dev.weft.hostapi.internal.abi.LunaticTrapAbi;
import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Host functions for tests of standalone lunatic functions ({@link TrapCatch}, {@link GuestMetrics})
 * before they are part of {@link LunaticHost}: those, with their ABI types, plus test-only
 * {@code weft_test::*} functions (report an i64 to the test process, sleep, exit like WASI
 * {@code proc_exit}, fail like a broken host).
 */
final class GuestHosts {

    static final Duration WAIT = Duration.ofSeconds(30);

    private GuestHosts() {}

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = GuestHosts.class.getResourceAsStream("/wasm/lunatic/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    /** lunatic::trap::catch, lunatic::metrics::* on {@code metrics}, and weft_test::* reporting to {@code test}. */
    static ImportValues imports(ProcessContext ctx, Pid test, GuestMetrics metrics) {
        List<ImportFunction> functions = new ArrayList<>();
        for (LunaticAbi.Function f : LunaticAbi.functions()) {
            WasmFunctionHandle handle = switch (f.module()) {
                case LunaticTrapAbi.MODULE -> LunaticTrapAbi.handle(TrapCatch.INSTANCE, f.name());
                case LunaticMetricsAbi.MODULE -> LunaticMetricsAbi.handle(metrics, f.name());
                default -> null;
            };
            if (handle != null) {
                functions.add(new HostFunction(f.module(), f.name(), f.type(), handle));
            }
        }
        functions.addAll(testFunctions(ctx, test));
        return ImportValues.builder().withFunctions(functions).build();
    }

    /** The test-only weft_test::* functions, reporting to {@code test}. */
    static List<ImportFunction> testFunctions(ProcessContext ctx, Pid test) {
        List<ImportFunction> functions = new ArrayList<>();
        FunctionType i64 = FunctionType.of(List.of(ValType.I64), List.of());
        functions.add(new HostFunction("weft_test", "report", i64, (inst, args) -> {
            ctx.send(test, args[0]);
            return null;
        }));
        functions.add(new HostFunction("weft_test", "sleep_ms", i64, (inst, args) -> {
            ctx.sleep(Duration.ofMillis(args[0]));
            return null;
        }));
        functions.add(new HostFunction("weft_test", "exit", FunctionType.of(List.of(ValType.I32), List.of()),
                (inst, args) -> {
                    throw new ExitException(ExitReason.exitCode((int) args[0]));
                }));
        functions.add(new HostFunction("weft_test", "host_failure", FunctionType.empty(), (inst, args) -> {
            throw new IllegalStateException("a broken host");
        }));
        return functions;
    }

    /** The next i64 a guest reported to {@code me}, or null if none within {@code timeout}. */
    static Long report(AttachedProcess me, Duration timeout) {
        Message m = me.receive(msg -> msg.payload() instanceof Long, timeout);
        return m == null ? null : (Long) m.payload();
    }

    static ExitReason awaitDown(AttachedProcess me, MonitoredPid child) {
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), WAIT);
        assertNotNull(down, child.pid() + " did not exit within " + WAIT);
        return ((DownMessage) down.payload()).reason();
    }

    static String errorMessage(ExitReason reason) {
        return assertInstanceOf(ExitReason.Error.class, reason, () -> "not an error: " + reason).message();
    }
}
