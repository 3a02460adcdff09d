package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ProcessRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the ABI is the JSON: read here with a JSON library, independently of the
 * generated code, {@link LunaticAbi} and {@link WeftAbi} list exactly the functions of
 * {@code lunatic-abi.json} and {@code weft-abi.json}; every implemented function links with the
 * JSON's Wasm signature, and its Java method (in the generated interface its class implements)
 * takes the Java types of the JSON's Wasm types, in order; the generated files are what
 * {@code host-api/tools/gen-abi-java.py} makes of the JSON (when python3 is on PATH).
 */
class AbiBindingsTest {

    /** One entry of the JSON. */
    private record Entry(String module, String name, List<String> paramNames, List<String> paramTypes, String ret,
            boolean blocking) {
        String qualifiedName() {
            return module + "::" + name;
        }

        FunctionType type() {
            return FunctionType.of(paramTypes.stream().map(AbiBindingsTest::valType).toList(),
                    ret.isEmpty() ? List.of() : List.of(valType(ret)));
        }
    }

    private static List<Entry> json(String resource) throws IOException {
        try (InputStream in = LunaticAbi.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            List<Entry> entries = new ArrayList<>();
            for (Object o : JSON.std.listFrom(in)) {
                Map<?, ?> e = (Map<?, ?>) o;
                List<String> names = new ArrayList<>();
                List<String> types = new ArrayList<>();
                for (Object p : (List<?>) e.get("params")) {
                    names.add((String) ((List<?>) p).get(0));
                    types.add((String) ((List<?>) p).get(1));
                }
                entries.add(new Entry((String) e.get("module"), (String) e.get("name"), names, types,
                        (String) e.get("ret"), (Boolean) e.get("blocking")));
            }
            return entries;
        }
    }

    private static List<Entry> allJson() throws IOException {
        List<Entry> all = new ArrayList<>(json("lunatic-abi.json"));
        all.addAll(json("weft-abi.json"));
        return all;
    }

    private static ValType valType(String name) {
        return switch (name) {
            case "i32" -> ValType.I32;
            case "i64" -> ValType.I64;
            case "f32" -> ValType.F32;
            case "f64" -> ValType.F64;
            default -> throw new AssertionError("unknown Wasm type " + name);
        };
    }

    private static Class<?> javaType(String wasmType) {
        return switch (wasmType) {
            case "i32" -> int.class;
            case "i64" -> long.class;
            case "f32" -> float.class;
            case "f64" -> double.class;
            case "" -> void.class;
            default -> throw new AssertionError("unknown Wasm type " + wasmType);
        };
    }

    @Test
    void theTablesListTheFunctionsOfTheJson() throws IOException {
        assertSameFunctions(json("lunatic-abi.json"), LunaticAbi.functions());
        assertSameFunctions(json("weft-abi.json"), WeftAbi.functions());
        assertEquals(140, LunaticAbi.functions().size());
    }

    private static void assertSameFunctions(List<Entry> expected, List<LunaticAbi.Function> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Entry e = expected.get(i);
            LunaticAbi.Function f = actual.get(i);
            assertEquals(e.qualifiedName(), f.qualifiedName());
            assertEquals(e.paramNames(), f.paramNames(), e.qualifiedName());
            assertEquals(e.type(), f.type(), e.qualifiedName());
            assertEquals(e.blocking(), f.blocking(), e.qualifiedName());
        }
    }

    @Test
    void everyImplementedFunctionHasTheSignatureOfTheJson() throws Exception {
        Map<String, ImportFunction> host = new HashMap<>();
        try (ProcessRuntime runtime = new ProcessRuntime(); AttachedProcess me = runtime.attach()) {
            for (ImportFunction f : LunaticHost.functions(me)) {
                host.put(f.module() + "::" + f.name(), f);
            }
        }
        int lunatic = 0;
        int weft = 0;
        for (Entry e : allJson()) {
            ImportFunction f = host.get(e.qualifiedName());
            assertNotNull(f, e.qualifiedName() + " is not bound");
            assertEquals(e.type(), f.functionType(), e.qualifiedName());
            if (!LunaticHost.isImplemented(e.module(), e.name())) {
                continue;
            }
            if (e.module().startsWith("lunatic::")) {
                lunatic++;
            } else {
                weft++;
            }
            Method m = javaMethod(e);
            List<Class<?>> params = new ArrayList<>(List.of(m.getParameterTypes()));
            if (!params.isEmpty() && params.get(0) == Instance.class) {
                params.remove(0);
            }
            assertEquals(e.paramTypes().stream().map(AbiBindingsTest::javaType).toList(), params,
                    "the parameters of " + m + " for " + e.qualifiedName());
            assertEquals(javaType(e.ret()), m.getReturnType(), "the result of " + m + " for " + e.qualifiedName());
        }
        // lunatic::message's TCP, TLS and UDP resources, node queries and certificates of
        // lunatic::distributed, lunatic::networking and lunatic::sqlite are not implemented yet
        assertEquals(66, lunatic, "implemented lunatic::* functions");
        assertEquals(16, weft, "implemented weft::* functions");
        assertTrue(LunaticHost.isImplemented("lunatic::message", "push_module"));
        assertFalse(LunaticHost.isImplemented("lunatic::message", "push_tcp_stream"));
        assertFalse(LunaticHost.isImplemented("lunatic::distributed", "exec_lookup_nodes"));
    }

    /** The method of {@code e} in the generated interface of its module, e.g. LunaticMessageAbi.writeData. */
    private static Method javaMethod(Entry e) throws ClassNotFoundException {
        StringBuilder type = new StringBuilder("dev.weft.hostapi.internal.abi.");
        for (String part : e.module().split("::|_")) {
            type.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        Class<?> abi = Class.forName(type.append("Abi").toString());
        StringBuilder name = new StringBuilder();
        for (String part : e.name().split("_")) {
            name.append(name.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        String method = name.toString().equals("catch") ? "catch_" : name.toString();
        for (Method m : abi.getDeclaredMethods()) {
            if (m.getName().equals(method) && m.isDefault()) {
                return m;
            }
        }
        throw new AssertionError(abi.getName() + " has no method " + method + " for " + e.qualifiedName());
    }

    @Test
    void theGeneratedJavaIsWhatTheGeneratorMakesOfTheJson() throws Exception {
        assumeTrue(LunaticHeaderTest.onPath("python3"), "python3 is not on PATH");
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        LunaticHeaderTest.Result r = LunaticHeaderTest.run(
                List.of("python3", module.resolve("tools/gen-abi-java.py").toString(), "--check"), module);
        assertEquals(0, r.exit(), r.output());
    }
}
