package dev.weft.hostapi.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExecutionCompletedException;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.hostapi.internal.abi.LunaticTrapAbi;
import dev.weft.process.ExitException;
import java.util.List;
import java.util.Locale;

import static dev.weft.hostapi.internal.GuestMemory.trap;

/**
 * {@code lunatic::trap::catch(function: i32, pointer: i32) -> i32}: Lunatic's panic catching
 * without unwinding. Calls the guest's export {@value #EXPORT}{@code (function, pointer)} (lunatic-rs
 * exports it to call a closure through the function table) and returns its i32 result, or 0 if
 * that call trapped; the instance stays usable, and catches nest.
 *
 * <p>What counts as a trap, and is caught:
 *
 * <ul>
 *   <li>any Wasm trap: {@code unreachable}, integer divide by zero or overflow, invalid conversion,
 *       out-of-bounds memory or table access, indirect call of a null or mistyped entry, ... (Chicory's
 *       {@link com.dylibso.chicory.runtime.WasmRuntimeException WasmRuntimeException},
 *       {@link com.dylibso.chicory.runtime.TrapException TrapException} and the other
 *       {@link ChicoryException}s the engine raises while running code);
 *   <li>a trap of a host function called inside, e.g. a bad pointer given to
 *       {@code lunatic::message::write_data} or a function that is not implemented yet (in Lunatic a
 *       host function's error is a trap too, and {@code catch} catches it);
 *   <li>recursion too deep: the compiler's {@link StackOverflowError} and the interpreter's "call stack
 *       exhausted". Weft reports these as traps when they end a process, so {@code catch} treats them
 *       as traps too (as Wasmtime does for a stack overflow). By the time the error reaches this host
 *       function the deep frames are gone, so the guest continues with the stack it had.
 * </ul>
 *
 * <p>Never caught, always passed on, so that the process ends exactly as it would without
 * {@code catch}:
 *
 * <ul>
 *   <li>{@link ExitException}: the process was killed, received an exit signal, or exited
 *       ({@code proc_exit}, {@code lunatic::process::kill} of itself) inside the call;
 *   <li>{@link ChicoryInterruptedException}: the runtime interrupted the thread because an exit signal
 *       (e.g. {@code kill}) ended the process while it ran Wasm code; and any failure whatsoever once
 *       the thread's interrupt flag is set (a kill that arrived while the guest was trapping: the
 *       signal wins, as it would without {@code catch});
 *   <li>a Wasm exception ({@link com.dylibso.chicory.runtime.WasmException WasmException}, the
 *       exception-handling proposal's {@code throw}): it is not a trap, and an enclosing
 *       {@code try_table} of the guest may still catch it;
 *   <li>a failure of the host itself (a Java exception other than the above from a host function,
 *       {@link OutOfMemoryError} and other {@link Error}s): the process ends with that failure as its
 *       reason, which names the host function.
 * </ul>
 *
 * <p>The caller traps (with a message starting with {@code lunatic::trap::catch}) if the guest does
 * not export {@value #EXPORT}, or exports it with another type than {@code (i32, i32) -> i32}.
 */
public final class TrapCatch implements LunaticTrapAbi {

    /** It keeps no state: one serves every process. */
    public static final TrapCatch INSTANCE = new TrapCatch();

    /** The qualified name of the host function. */
    public static final String NAME = CATCH;
    /** The guest export that {@code catch} calls. */
    public static final String EXPORT = "_lunatic_catch_trap";

    private static final FunctionType TYPE = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I32));

    private TrapCatch() {}

    @Override
    public int catch_(Instance instance, int function, int pointer) {
        checkExport(instance);
        try {
            long[] result = instance.export(EXPORT).apply(function, pointer);
            return result == null || result.length == 0 ? 0 : (int) result[0];
        } catch (RuntimeException | StackOverflowError failure) {
            if (!isTrap(failure)) {
                throw failure;
            }
            return 0;
        }
    }

    /** True if {@code failure} is a trap of the guest that {@code catch} may swallow. */
    public static boolean isTrap(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return false; // an exit signal arrived: it ends the process, whatever the guest was doing
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ExitException || t instanceof ChicoryInterruptedException
                    || t instanceof ExecutionCompletedException) {
                return false;
            }
        }
        return failure instanceof ChicoryException || failure instanceof StackOverflowError;
    }

    private static void checkExport(Instance instance) {
        ExportSection exports = instance.module().exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (!e.name().equals(EXPORT)) {
                continue;
            }
            if (e.exportType() != ExternalType.FUNCTION) {
                throw trap(NAME, "the guest's export " + EXPORT + " is a "
                        + e.exportType().name().toLowerCase(Locale.ROOT) + ", not a function");
            }
            FunctionType type = instance.type(instance.functionType(e.index()));
            if (!TYPE.equals(type)) {
                throw trap(NAME, "the guest's export " + EXPORT + " has the type " + describe(type)
                        + ", not (i32, i32) -> i32");
            }
            return;
        }
        throw trap(NAME, "the guest does not export " + EXPORT + " (i32, i32) -> i32");
    }

    private static String describe(FunctionType type) {
        return "(" + names(type.params()) + ") -> "
                + (type.returns().size() == 1 ? names(type.returns()) : "(" + names(type.returns()) + ")");
    }

    private static String names(List<ValType> types) {
        StringBuilder sb = new StringBuilder();
        for (ValType t : types) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(t.equals(ValType.I32) ? "i32" : t.equals(ValType.I64) ? "i64" : t.equals(ValType.F32) ? "f32"
                    : t.equals(ValType.F64) ? "f64" : t.equals(ValType.V128) ? "v128" : t.toString());
        }
        return sb.toString();
    }
}
