package dev.weft.node;

import dev.weft.process.wasm.WasmProcess;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link Node#spawnWasm(dev.weft.process.wasm.WasmModule, WasmConfig, String, Object...)} runs
 * a Wasm process: its memory cap and its WASI (arguments, environment, preopened directories,
 * stdout and stderr). Immutable; made with {@link #builder()}. Processes the guest spawns through
 * {@code lunatic::process} get the same configuration.
 */
public final class WasmConfig {

    /** The defaults: 1 GiB of memory at most, WASI on with no arguments, System.out and System.err. */
    public static WasmConfig defaults() {
        return builder().build();
    }

    private static final long PAGE = 65536;

    private final long maxMemoryBytes;
    private final boolean wasi;
    private final List<String> args;
    private final Map<String, String> env;
    private final Map<String, Path> dirs;
    private final PrintStream stdout;
    private final PrintStream stderr;

    private WasmConfig(Builder b) {
        this.maxMemoryBytes = b.maxMemoryBytes;
        this.wasi = b.wasi;
        this.args = List.copyOf(b.args);
        this.env = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        this.dirs = Collections.unmodifiableMap(new LinkedHashMap<>(b.dirs));
        this.stdout = b.stdout;
        this.stderr = b.stderr;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The most linear memory a process may have, in bytes. */
    public long maxMemoryBytes() {
        return maxMemoryBytes;
    }

    /** {@link #maxMemoryBytes()} in whole 64 KiB pages (rounded down). */
    public int maxMemoryPages() {
        return (int) Math.min(65536, maxMemoryBytes / PAGE);
    }

    /** Whether the processes get WASI preview 1 ({@code wasi_snapshot_preview1}). */
    public boolean wasi() {
        return wasi;
    }

    /** The WASI arguments (argv, including argv[0] if wanted). */
    public List<String> args() {
        return args;
    }

    /** The WASI environment variables. */
    public Map<String, String> env() {
        return env;
    }

    /** The preopened directories: guest path to host directory. */
    public Map<String, Path> dirs() {
        return dirs;
    }

    public PrintStream stdout() {
        return stdout;
    }

    public PrintStream stderr() {
        return stderr;
    }

    /** A builder with this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxMemoryBytes = maxMemoryBytes;
        b.wasi = wasi;
        b.args.addAll(args);
        b.env.putAll(env);
        b.dirs.putAll(dirs);
        b.stdout = stdout;
        b.stderr = stderr;
        return b;
    }

    @Override
    public String toString() {
        return "WasmConfig[maxMemoryBytes=" + maxMemoryBytes + ", wasi=" + wasi + ", args=" + args
                + ", env=" + env.keySet() + ", dirs=" + dirs + "]";
    }

    /** Builds a {@link WasmConfig}. Not thread-safe. */
    public static final class Builder {
        private long maxMemoryBytes = WasmProcess.DEFAULT_MAX_MEMORY_PAGES * PAGE;
        private boolean wasi = true;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, Path> dirs = new LinkedHashMap<>();
        private PrintStream stdout = System.out;
        private PrintStream stderr = System.err;

        private Builder() {}

        /** The most linear memory per process (default 1 GiB), rounded down to 64 KiB pages; at most 4 GiB. */
        public Builder withMaxMemoryBytes(long bytes) {
            if (bytes < 0 || bytes > 65536L * PAGE) {
                throw new IllegalArgumentException("maxMemoryBytes must be within 0..4 GiB: " + bytes);
            }
            this.maxMemoryBytes = bytes;
            return this;
        }

        /** Whether to provide WASI preview 1 (default on). */
        public Builder withWasi(boolean enabled) {
            this.wasi = enabled;
            return this;
        }

        /** Replaces the WASI arguments. */
        public Builder withArgs(List<String> args) {
            this.args.clear();
            for (String a : args) {
                this.args.add(Objects.requireNonNull(a, "argument"));
            }
            return this;
        }

        /** Replaces the WASI arguments. */
        public Builder withArgs(String... args) {
            return withArgs(List.of(args));
        }

        /** Adds an environment variable. */
        public Builder withEnv(String name, String value) {
            env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Preopens {@code hostDir} as {@code guestPath}. */
        public Builder withDirectory(String guestPath, Path hostDir) {
            dirs.put(Objects.requireNonNull(guestPath, "guestPath"), Objects.requireNonNull(hostDir, "hostDir"));
            return this;
        }

        /** Where the guest's stdout goes (default System.out). */
        public Builder withStdout(PrintStream stdout) {
            this.stdout = Objects.requireNonNull(stdout, "stdout");
            return this;
        }

        /** Where the guest's stderr goes (default System.err). */
        public Builder withStderr(PrintStream stderr) {
            this.stderr = Objects.requireNonNull(stderr, "stderr");
            return this;
        }

        public WasmConfig build() {
            return new WasmConfig(this);
        }
    }
}
