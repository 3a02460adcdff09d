package dev.weft.process.internal.wasm;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.Set;
import java.util.function.Function;

/**
 * Chicory's compiler, function by function: a function the JVM cannot take (its bytecode would
 * pass the JVM's 64 KiB per method, as in debug builds of ordinary Rust programs) is left to
 * Chicory's interpreter, calling and called by the compiled ones, and the module still loads. Says
 * which functions that was. Instances must carry {@link InterpretedSafepoints}, or an interpreted
 * function's loop would neither stop when its thread is interrupted nor ever yield.
 *
 * <p>Chicory's compile failures other than a function too large (none known) are thrown as
 * Chicory throws them.
 */
public final class ChicoryCompiler {

    /** The machine factory of a compiled module, and which functions run in the interpreter. */
    public record Compiled(Function<Instance, Machine> factory, Set<Integer> interpreted) {
        public Compiled {
            interpreted = Set.copyOf(interpreted);
        }
    }

    private ChicoryCompiler() {}

    /** Compiles {@code module}. */
    public static Compiled compile(WasmModule module) {
        Classes classes = new Classes(null);
        Function<Instance, Machine> factory = builder(module).withCache(classes).compile();
        return new Compiled(factory, classes.jar == null ? Set.of() : InterpretedFunctions.in(classes.jar));
    }

    /**
     * Compiles {@code module} and returns the classes Chicory generated, as the jar its
     * {@link Cache} holds; null if Chicory did not hand them over (a module without a digest).
     */
    static byte[] generate(WasmModule module) {
        Classes classes = new Classes(null);
        builder(module).withCache(classes).compile();
        return classes.jar;
    }

    /** Loads the classes {@link #generate} made for {@code module}, as rewritten since. */
    static Function<Instance, Machine> load(WasmModule module, byte[] jar) {
        return builder(module).withCache(new Classes(jar)).compile();
    }

    private static MachineFactoryCompiler.Builder builder(WasmModule module) {
        // SILENT: Weft reports the interpreted functions itself; WARN prints to stderr
        return MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT);
    }

    /** Chicory's cache, holding the one module it compiles. */
    private static final class Classes implements Cache {
        byte[] jar;

        Classes(byte[] jar) {
            this.jar = jar;
        }

        @Override
        public byte[] get(String key) {
            return jar;
        }

        @Override
        public void putIfAbsent(String key, byte[] value) {
            if (jar == null) {
                jar = value;
            }
        }
    }
}
