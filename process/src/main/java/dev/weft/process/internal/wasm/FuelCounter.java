package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.GlobalFactory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.scheduler.Scheduler;

/**
 * The fuel counter of one instance: the global that {@link FuelInstrumenter} added, whose every
 * {@code global.set} (both Chicory engines write i64 globals through {@link #setValue(long)}) checks
 * for an empty counter and then asks its {@link Refueler} for the next slice. The check costs one
 * compare on the JVM; the guest contains no branch and no call for it.
 */
public final class FuelCounter extends GlobalInstance {

    /** Called on the process's thread when the counter reaches zero or below. */
    @FunctionalInterface
    public interface Refueler extends java.util.function.LongUnaryOperator {
        /**
         * Charges the process for a slice, yields, checks for signals; returns the counter's new
         * value (at least 1), or throws to end the process. {@code remaining} is zero or negative
         * (the overdraft of the last charge).
         */
        long refuel(long remaining);

        @Override
        default long applyAsLong(long remaining) {
            return refuel(remaining);
        }
    }

    /**
     * Refills after giving up the carrier, and stops the guest if its thread was interrupted; no
     * accounting. For instances made outside a process ({@code WasmModule.instanceBuilder()}).
     */
    public static final Refueler YIELD_ONLY = remaining -> {
        Scheduler.yieldCarrier();
        if (Thread.currentThread().isInterrupted()) {
            throw new ChicoryInterruptedException("Thread interrupted");
        }
        return refill(remaining);
    };

    /** The counter after a refill: one slice, less the overdraft of the charge that emptied it. */
    public static long refill(long remaining) {
        return Math.max(1, FuelInstrumenter.SLICE + remaining);
    }

    private final Refueler refueler;

    FuelCounter(long initial, Refueler refueler) {
        super(initial, 0, ValType.I64, MutabilityType.Var);
        this.refueler = refueler;
    }

    @Override
    public void setValue(long value) {
        if (value <= 0 && refueler != null) {
            value = refueler.refuel(value);
        }
        super.setValue(value);
    }

    /**
     * A global factory for one instantiation of a module instrumented with {@code definedGlobals}
     * defined globals (the counter is the last of them): Chicory creates the defined globals in
     * order, once each per instance.
     */
    public static GlobalFactory factory(int definedGlobals, Refueler refueler) {
        int[] calls = {0};
        return (low, high, type, mutability) -> {
            int i = calls[0]++ % definedGlobals;
            if (i == definedGlobals - 1 && type.equals(ValType.I64) && mutability == MutabilityType.Var) {
                return new FuelCounter(low, refueler);
            }
            return new GlobalInstance(low, high, type, mutability);
        };
    }
}
