package dev.weft.hostapi;

import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.List;

/**
 * The {@code lunatic::*} host functions of Lunatic v0.13.2 (140 of them) as {@code lunatic-abi.json}
 * describes them: module, name, parameter names, Wasm signature and whether Lunatic may suspend the
 * process in it. The table is Java generated from the JSON ({@code host-api/tools/gen-abi-java.py},
 * checked by a test), so nothing parses JSON at run time.
 */
public final class LunaticAbi {

    /**
     * One host function.
     *
     * @param module e.g. {@code lunatic::message}
     * @param name e.g. {@code receive}
     * @param paramNames the parameter names, as Lunatic's sources spell them
     * @param type the Wasm signature
     * @param blocking Lunatic registers it as async (the call may suspend the process)
     */
    public record Function(String module, String name, List<String> paramNames, FunctionType type,
            boolean blocking) {

        /** {@code module::name}, as traps name it. */
        public String qualifiedName() {
            return module + "::" + name;
        }
    }

    private LunaticAbi() {}

    /** All 140 functions, in the order of the JSON. */
    public static List<Function> functions() {
        return LunaticAbiTable.FUNCTIONS;
    }
}
