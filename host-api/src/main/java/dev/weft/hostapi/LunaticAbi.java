package dev.weft.hostapi;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code lunatic::*} host functions of Lunatic v0.13.2 (140 of them), read once from the copy of
 * {@code lunatic-abi.json} beside this class: module, name, Wasm signature and whether Lunatic may
 * suspend the process in it.
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

    private static final String RESOURCE = "lunatic-abi.json";
    private static final List<Function> FUNCTIONS = load();

    private LunaticAbi() {}

    /** All 140 functions, in the order of the JSON. */
    public static List<Function> functions() {
        return FUNCTIONS;
    }

    private static List<Function> load() {
        try (InputStream in = LunaticAbi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE + " beside " + LunaticAbi.class.getName());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Parses the JSON list of {module, name, params: [[name, type]...], ret, blocking} objects. */
    static List<Function> parse(String json) {
        Object root = new Parser(json).document();
        if (!(root instanceof List<?> entries)) {
            throw new IllegalArgumentException(RESOURCE + ": the top level is not an array");
        }
        List<Function> functions = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> object)) {
                throw new IllegalArgumentException(RESOURCE + ": an entry is not an object: " + entry);
            }
            String module = string(object, "module");
            String name = string(object, "name");
            List<String> paramNames = new ArrayList<>();
            List<ValType> params = new ArrayList<>();
            if (!(object.get("params") instanceof List<?> ps)) {
                throw new IllegalArgumentException(RESOURCE + ": " + module + "::" + name + " has no params array");
            }
            for (Object p : ps) {
                if (!(p instanceof List<?> pair) || pair.size() != 2
                        || !(pair.get(0) instanceof String pn) || !(pair.get(1) instanceof String pt)) {
                    throw new IllegalArgumentException(RESOURCE + ": bad parameter " + p + " of " + module + "::" + name);
                }
                paramNames.add(pn);
                params.add(valType(pt));
            }
            String ret = string(object, "ret");
            List<ValType> results = ret.isEmpty() ? List.of() : List.of(valType(ret));
            boolean blocking = Boolean.TRUE.equals(object.get("blocking"));
            functions.add(new Function(module, name, List.copyOf(paramNames), FunctionType.of(params, results), blocking));
        }
        return List.copyOf(functions);
    }

    private static String string(Map<?, ?> object, String key) {
        if (!(object.get(key) instanceof String s)) {
            throw new IllegalArgumentException(RESOURCE + ": entry without a string \"" + key + "\": " + object);
        }
        return s;
    }

    private static ValType valType(String name) {
        return switch (name) {
            case "i32" -> ValType.I32;
            case "i64" -> ValType.I64;
            case "f32" -> ValType.F32;
            case "f64" -> ValType.F64;
            default -> throw new IllegalArgumentException(RESOURCE + ": unknown Wasm type " + name);
        };
    }

    /** Just enough JSON: objects, arrays, strings (with escapes), numbers, true/false/null. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Object document() {
            Object value = value();
            skip();
            if (i != s.length()) {
                throw error("trailing characters");
            }
            return value;
        }

        private Object value() {
            skip();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> map = new LinkedHashMap<>();
                    skip();
                    if (peek('}')) {
                        return map;
                    }
                    do {
                        skip();
                        String key = string();
                        skip();
                        expect(':');
                        map.put(key, value());
                        skip();
                    } while (peek(','));
                    expect('}');
                    return map;
                }
                case '[': {
                    i++;
                    List<Object> list = new ArrayList<>();
                    skip();
                    if (peek(']')) {
                        return list;
                    }
                    do {
                        list.add(value());
                        skip();
                    } while (peek(','));
                    expect(']');
                    return list;
                }
                case '"':
                    return string();
                default:
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    int start = i;
                    while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    if (start == i) {
                        throw error("unexpected '" + c + "'");
                    }
                    return Double.parseDouble(s.substring(start, i));
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> out.append(e); // \" \\ \/
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(RESOURCE + ": " + what + " at offset " + i);
        }
    }
}
