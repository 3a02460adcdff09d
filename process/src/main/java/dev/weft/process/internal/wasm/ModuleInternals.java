package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.GlobalFactory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import dev.weft.process.wasm.WasmModule;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * What Chicory made of a {@link WasmModule}, for Weft's own code outside its package (the
 * benchmarks measure the engine's forms of a module directly). Not API: {@code WasmModule} keeps
 * these out of its public surface and grants them here once, when it is first loaded (the JDK's
 * "shared secrets" pattern).
 */
public final class ModuleInternals {

    /** The module's Chicory side; implemented by {@code WasmModule} itself. */
    public interface Access {
        /** The parsed module in the form that counts fuel, if the module counts fuel. */
        com.dylibso.chicory.wasm.WasmModule chicoryModule(WasmModule module);

        /** The machine factory instances of {@link #chicoryModule} must use. */
        Function<Instance, Machine> machineFactory(WasmModule module);

        /** An instance builder of the form a process without a fuel limit runs. */
        Instance.Builder instanceBuilder(WasmModule module);

        /** A global factory whose fuel counter calls {@code refuel} when it runs out. */
        GlobalFactory fuelGlobals(WasmModule module, LongUnaryOperator refuel);
    }

    private static volatile Access access;

    private ModuleInternals() {}

    /** Called once, by {@code WasmModule}'s static initializer. */
    public static synchronized void grant(Access granted) {
        if (access != null) {
            throw new IllegalStateException("module internals were granted already");
        }
        access = Objects.requireNonNull(granted, "granted");
    }

    private static Access access() {
        return access; // a WasmModule exists, so its class, and the grant, are initialized
    }

    /** @see Access#chicoryModule */
    public static com.dylibso.chicory.wasm.WasmModule chicoryModule(WasmModule module) {
        return access().chicoryModule(module);
    }

    /** @see Access#machineFactory */
    public static Function<Instance, Machine> machineFactory(WasmModule module) {
        return access().machineFactory(module);
    }

    /** @see Access#instanceBuilder */
    public static Instance.Builder instanceBuilder(WasmModule module) {
        return access().instanceBuilder(module);
    }

    /** @see Access#fuelGlobals */
    public static GlobalFactory fuelGlobals(WasmModule module, LongUnaryOperator refuel) {
        return access().fuelGlobals(module, refuel);
    }
}
