package dev.weft.integration.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.hostapi.LunaticAbi;
import dev.weft.hostapi.WasmConfig;
import dev.weft.hostapi.WeftAbi;
import dev.weft.node.Node;
import dev.weft.process.StartedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every pointer-taking host function ({@code lunatic::*} from {@code lunatic-abi.json}, and
 * {@code weft::supervisor}), called with pointers and lengths outside the guest's memory. For each
 * function a small module is generated that imports it with its exact signature and exports one
 * function per case; each case runs as its own process next to the echo neighbour. Every call must
 * either return, or trap the process with a message that starts with the function's qualified name
 * (a bad pointer, or {@code "... is not implemented yet"}): never a host exception escaping (a reason
 * of the form {@code "host function ... failed: java..."}), never a hang, never a JVM crash.
 */
class OutOfBoundsPointersTest {

    /** One page of memory: 65536 bytes. */
    private static final long END = 65536;

    /** (pointer, length) pairs; a pointer parameter without a length gets the pointer alone. */
    private static final long[][] CASES = {
        {0xFFFFFFF0L, 0x7FFFFFFFL}, // far out, huge
        {0xFFFFFFF0L, 16},          // far out, small: wraps past 2^32 if added in 32 bits
        {0xFFFFFFFFL, 1},           // the last 32-bit address
        {END - 4, 8},               // straddles the end
        {END, 1},                   // just past the end
        {END, 0},                   // zero bytes at the very end: fine or a clean trap
        {0, 0x7FFFFFFFL},           // from the start, far too long
        {0, 0xFFFFFFFFL},           // a length of -1 as i32
    };

    private enum Outcome { RETURNED, TRAPPED_NAMING_IT, NOT_IMPLEMENTED, HOST_EXCEPTION, UNCLEAR_TRAP, HANG }

    private record Result(String function, int caseIndex, Outcome outcome, String detail) {}

    private static boolean isPointer(String param) {
        return param.endsWith("_ptr");
    }

    private static boolean isLength(String param) {
        return param.endsWith("_len");
    }

    static List<LunaticAbi.Function> pointerFunctions() {
        List<LunaticAbi.Function> all = new ArrayList<>(LunaticAbi.functions());
        all.addAll(WeftAbi.functions());
        return all.stream()
                .filter(f -> f.paramNames().stream().anyMatch(p -> isPointer(p) || isLength(p)))
                .toList();
    }

    private static String wasmType(ValType t) {
        return t.toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A module importing {@code f} (and what its preludes need), exporting {@code case<i>} per case. */
    static String wat(LunaticAbi.Function f) {
        StringBuilder w = new StringBuilder("(module\n");
        w.append("  (import \"").append(f.module()).append("\" \"").append(f.name()).append("\" (func $f");
        appendSignature(w, f.type().params(), f.type().returns());
        w.append("))\n");
        boolean needsConfig = f.paramNames().contains("config_id");
        boolean needsSpec = f.paramNames().contains("spec_id");
        boolean needsScratch = f.module().equals("lunatic::message");
        if (needsConfig && !f.qualifiedName().equals("lunatic::process::create_config")) {
            w.append("  (import \"lunatic::process\" \"create_config\" (func $create_config (result i64)))\n");
        }
        if (needsSpec) {
            w.append("  (import \"weft::supervisor\" \"create_spec\" (func $create_spec (param i32 i32 i64) (result i64)))\n");
        }
        if (needsScratch && !f.name().equals("create_data")) {
            w.append("  (import \"lunatic::message\" \"create_data\" (func $create_data (param i64 i64)))\n");
        }
        w.append("  (memory (export \"memory\") 1)\n");
        // for the host functions that call back into the guest
        w.append("  (func (export \"lunatic_alloc\") (param i32) (result i32) (i32.const -16))\n");
        w.append("  (func (export \"_lunatic_catch_trap\") (param i32 i32) (result i32) (i32.const 0))\n");
        for (int c = 0; c < CASES.length; c++) {
            long ptr = CASES[c][0];
            long len = CASES[c][1];
            w.append("  (func (export \"case").append(c).append("\")\n");
            if (needsScratch && !f.name().equals("create_data")) {
                w.append("    (call $create_data (i64.const 0) (i64.const 0))\n");
            }
            w.append("    (call $f");
            List<ValType> types = f.type().params();
            for (int i = 0; i < types.size(); i++) {
                String name = f.paramNames().get(i);
                String type = wasmType(types.get(i));
                w.append("\n      ");
                if (isPointer(name)) {
                    w.append("(i32.const ").append((int) ptr).append(')');
                } else if (isLength(name)) {
                    w.append("(i32.const ").append((int) len).append(')');
                } else if (name.equals("config_id") && needsConfig) {
                    w.append("(call $create_config)");
                } else if (name.equals("spec_id") && needsSpec) {
                    w.append("(call $create_spec (i32.const 0) (i32.const 3) (i64.const 1000))");
                } else if (name.equals("module_id")) {
                    w.append("(i64.const -1)");
                } else if (name.contains("timeout") || name.equals("duration")) {
                    w.append("(").append(type).append(".const 0)");
                } else if (name.equals("addr_type")) {
                    w.append("(i32.const 4)");
                } else {
                    w.append("(").append(type).append(".const 0)");
                }
            }
            w.append(")\n");
            for (int r = 0; r < f.type().returns().size(); r++) {
                w.append("    drop\n");
            }
            w.append("  )\n");
        }
        return w.append(")\n").toString();
    }

    private static void appendSignature(StringBuilder w, List<ValType> params, List<ValType> results) {
        if (!params.isEmpty()) {
            w.append(" (param");
            params.forEach(t -> w.append(' ').append(wasmType(t)));
            w.append(')');
        }
        if (!results.isEmpty()) {
            w.append(" (result");
            results.forEach(t -> w.append(' ').append(wasmType(t)));
            w.append(')');
        }
    }

    private static Result classify(LunaticAbi.Function f, int c, ExitReason reason) {
        String name = f.qualifiedName();
        if (reason.isNormal()) {
            return new Result(name, c, Outcome.RETURNED, "returned");
        }
        if (!(reason instanceof ExitReason.Error error)) {
            return new Result(name, c, Outcome.UNCLEAR_TRAP, String.valueOf(reason));
        }
        String message = error.message();
        String trap = message.startsWith("trap: ") ? message.substring(6) : message;
        if (trap.startsWith(name + " is not implemented yet")) {
            return new Result(name, c, Outcome.NOT_IMPLEMENTED, message);
        }
        if (message.startsWith("host function ")) {
            return new Result(name, c, Outcome.HOST_EXCEPTION, message);
        }
        if (trap.startsWith(name + ": ")) {
            return new Result(name, c, Outcome.TRAPPED_NAMING_IT, message);
        }
        return new Result(name, c, Outcome.UNCLEAR_TRAP, message);
    }

    @Test
    @Timeout(120)
    void everyPointerTakingFunctionSurvivesOutOfBoundsPointers(@TempDir Path tmp) throws Exception {
        assumeTrue(Hostile.onPath("wat2wasm"), "wat2wasm is not on PATH");
        List<LunaticAbi.Function> functions = pointerFunctions();
        assertTrue(functions.size() >= 60, "expected the ABI's pointer-taking functions, got " + functions.size());
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        WasmConfig config = WasmConfig.builder().withStdout(sink).withStderr(sink).build();
        List<Result> results = new ArrayList<>();
        long start = System.nanoTime();
        try (Node node = Node.builder().build()) {
            Hostile.Neighbour neighbour = new Hostile.Neighbour(node);
            int baseline = node.processCount();
            for (LunaticAbi.Function f : functions) {
                String fileName = f.qualifiedName().replace("::", "_");
                WasmModule module = node.loadModule(Hostile.wat2wasm(tmp, fileName, wat(f)));
                for (int c = 0; c < CASES.length; c++) {
                    StartedProcess p = node.startWasm(module, config, "case" + c);
                    ExitReason reason;
                    try {
                        reason = p.awaitExit(Duration.ofSeconds(5));
                    } catch (TimeoutException hang) {
                        node.exit(p.pid(), ExitReason.KILL);
                        results.add(new Result(f.qualifiedName(), c, Outcome.HANG, "still running after 5 s"));
                        continue;
                    }
                    results.add(classify(f, c, reason));
                }
                neighbour.assertAnswers(2, Hostile.WAIT);
            }
            neighbour.assertAnswers(100, Hostile.WAIT);
            long leftover = node.processCount() - baseline;
            Map<Outcome, Integer> tally = new TreeMap<>();
            results.forEach(r -> tally.merge(r.outcome(), 1, Integer::sum));
            System.out.printf("[hostile] out-of-bounds pointers: %d functions x %d cases = %d calls in %.1f s: %s; "
                    + "node survived, neighbour answered %d pings in order, %d processes left over%n",
                    functions.size(), CASES.length, results.size(), (System.nanoTime() - start) / 1e9, tally,
                    neighbour.pings, leftover);
            Map<String, List<Integer>> returned = new TreeMap<>();
            results.stream().filter(r -> r.outcome() == Outcome.RETURNED)
                    .forEach(r -> returned.computeIfAbsent(r.function(), k -> new ArrayList<>()).add(r.caseIndex()));
            System.out.println("[hostile]   returned normally (function: cases): " + returned);
            List<String> bad = new ArrayList<>();
            for (Result r : results) {
                if (r.outcome() == Outcome.HOST_EXCEPTION || r.outcome() == Outcome.UNCLEAR_TRAP
                        || r.outcome() == Outcome.HANG) {
                    bad.add(r.function() + " case " + r.caseIndex() + " " + java.util.Arrays.toString(CASES[r.caseIndex()])
                            + ": " + r.outcome() + ": " + r.detail());
                }
            }
            bad.forEach(b -> System.out.println("[hostile]   " + b));
            assertTrue(bad.isEmpty(), bad.size() + " calls ended badly:\n" + String.join("\n", bad));
            neighbour.close();
        }
    }
}
