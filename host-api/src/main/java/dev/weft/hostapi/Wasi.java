package dev.weft.hostapi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import dev.weft.hostapi.internal.WasiPathGuard;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** WASI preview 1 for Wasm processes, with {@code proc_exit} ending the process with the guest's exit code. */
public final class Wasi {

    private Wasi() {}

    /** The WASI host functions of one process, from Chicory's WASI options. */
    public static List<ImportFunction> functions(WasiOptions options) {
        return functions(WasiPreview1.builder().withOptions(Objects.requireNonNull(options, "options")).build());
    }

    /**
     * The host functions of {@code wasi}, with {@code proc_exit(n)} ending the process with
     * {@link ExitReason#exitCode(int)} instead of Chicory's exception.
     */
    public static List<ImportFunction> functions(WasiPreview1 wasi) {
        List<ImportFunction> functions = new ArrayList<>();
        for (HostFunction f : wasi.toHostFunctions()) {
            if (f.name().equals("proc_exit")) {
                functions.add(new HostFunction(f.module(), f.name(), f.functionType(), (instance, args) -> {
                    throw new ExitException(ExitReason.exitCode((int) args[0]));
                }));
            } else {
                functions.add(f);
            }
        }
        return functions;
    }

    /**
     * The host functions of {@code wasi} made from {@code config} ({@link #options}): as
     * {@link #functions(WasiPreview1)}, and the {@code path_*} functions kept inside the config's
     * preopened directories when symbolic links point out of them
     * ({@link WasiPathGuard}).
     */
    public static List<ImportFunction> functions(WasiPreview1 wasi, WasmConfig config) {
        return new WasiPathGuard(List.copyOf(config.dirs().values()))
                .guard(functions(wasi));
    }

    /** Chicory's WASI options for a {@link WasmConfig}. */
    public static WasiOptions options(WasmConfig config) {
        WasiOptions.Builder options = WasiOptions.builder()
                .withArguments(config.args())
                .withStdout(config.stdout())
                .withStderr(config.stderr());
        if (config.stdin() != null) {
            options.withStdin(config.stdin());
        }
        for (Map.Entry<String, String> e : config.env().entrySet()) {
            options.withEnvironment(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Path> e : config.dirs().entrySet()) {
            options.withDirectory(e.getKey(), e.getValue());
        }
        return options.build();
    }
}
