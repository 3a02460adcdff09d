package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.ExecutionListener;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.wasm.types.Instruction;

/**
 * The safepoints of the functions a compiled module leaves to Chicory's interpreter (too large for
 * the JVM, see {@link ChicoryCompiler}): {@link GuestSafepoint#check()} before every branch and
 * call, as compiled code has them, so that such a function stops when its process is killed and
 * gives up its carrier when asked.
 *
 * <p>Chicory's interpreter checks for interruption only when it enters a function through its own
 * call path and at a plain {@code br}: a loop closed by {@code br_if} (the usual kind) that calls
 * only compiled functions would never stop, and nothing in it yields. Chicory's interpreter calls
 * an instance's execution listener before every instruction; compiled code never does, so every
 * instance of a compiled module carries this one at no cost, whether or not any function fell back.
 */
public final class InterpretedSafepoints implements ExecutionListener {

    /** The listener ({@code Instance.Builder.withUnsafeExecutionListener}); it has no state. */
    public static final ExecutionListener LISTENER = new InterpretedSafepoints();

    private InterpretedSafepoints() {}

    @Override
    public void onExecution(Instruction instruction, MStack stack) {
        switch (instruction.opcode()) {
            case BR, BR_IF, BR_TABLE, BR_ON_NULL, BR_ON_NON_NULL, BR_ON_CAST, BR_ON_CAST_FAIL,
                    CALL, CALL_INDIRECT, CALL_REF, RETURN_CALL, RETURN_CALL_INDIRECT, RETURN_CALL_REF ->
                GuestSafepoint.check();
            default -> {
                // straight-line code: the next branch or call comes soon
            }
        }
    }
}
