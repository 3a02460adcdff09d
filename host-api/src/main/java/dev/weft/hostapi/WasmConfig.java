package dev.weft.hostapi;

import dev.weft.process.wasm.WasmProcess;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a Wasm process runs: Lunatic's process config (memory cap, fuel, the permissions to compile
 * modules, create configs and spawn processes) and its WASI (arguments, environment, preopened
 * directories, stdin, stdout, stderr). Immutable; made with {@link #builder()}.
 *
 * <p>A guest's {@code lunatic::process::spawn} with {@code config_id = -1} gives the child its own
 * config; a config the guest built with {@code create_config} is first {@linkplain #limitedBy
 * limited by} the creator's, so a child never holds more than its creator.
 */
public final class WasmConfig {

    /**
     * The defaults: 1 GiB of memory at most, no fuel limit, every permission, WASI on with no
     * arguments, no environment, no directories, no stdin, System.out and System.err.
     */
    public static WasmConfig defaults() {
        return DEFAULTS;
    }

    private static final long PAGE = 65536;
    /** Lunatic's largest memory: 4 GiB, all of a 32-bit address space. */
    public static final long MAX_MEMORY_BYTES = 65536L * PAGE;
    private static final WasmConfig DEFAULTS = builder().build();

    private final long maxMemoryBytes;
    private final long maxFuel;
    private final int maxMessageBytes;
    private final int maxTableElements;
    private final boolean canCompileModules;
    private final boolean canCreateConfigs;
    private final boolean canSpawnProcesses;
    private final boolean wasi;
    private final List<String> args;
    private final Map<String, String> env;
    private final Map<String, Path> dirs;
    private final InputStream stdin;
    private final PrintStream stdout;
    private final PrintStream stderr;

    private WasmConfig(Builder b) {
        this.maxMemoryBytes = b.maxMemoryBytes;
        this.maxFuel = b.maxFuel;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxTableElements = b.maxTableElements;
        this.canCompileModules = b.canCompileModules;
        this.canCreateConfigs = b.canCreateConfigs;
        this.canSpawnProcesses = b.canSpawnProcesses;
        this.wasi = b.wasi;
        this.args = List.copyOf(b.args);
        this.env = Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        this.dirs = Collections.unmodifiableMap(new LinkedHashMap<>(b.dirs));
        this.stdin = b.stdin;
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

    /**
     * The fuel limit in Lunatic's unit (100,000 Wasm instructions); 0 for none. A process that uses
     * it up ends with {@code out of fuel}.
     */
    public long maxFuel() {
        return maxFuel;
    }

    /**
     * The largest message the process may build ({@code lunatic::message::write_data} beyond it
     * traps), in bytes; default {@link #DEFAULT_MAX_MESSAGE_BYTES}.
     */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * The most elements each of the process's tables may hold (default 100,000, Lunatic's): a
     * table that starts larger makes instantiation fail, {@code table.grow} beyond it returns -1.
     */
    public int maxTableElements() {
        return maxTableElements;
    }

    /** The default largest message a guest may build: 64 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    /** Whether the process may call {@code lunatic::process::compile_module}. */
    public boolean canCompileModules() {
        return canCompileModules;
    }

    /** Whether the process may call {@code lunatic::process::create_config}. */
    public boolean canCreateConfigs() {
        return canCreateConfigs;
    }

    /** Whether the process may spawn processes ({@code spawn}, {@code get_or_spawn}). */
    public boolean canSpawnProcesses() {
        return canSpawnProcesses;
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

    /** The guest's stdin; null for none (reads see end of file). */
    public InputStream stdin() {
        return stdin;
    }

    public PrintStream stdout() {
        return stdout;
    }

    public PrintStream stderr() {
        return stderr;
    }

    /**
     * This config with nothing its {@code creator} does not hold: the smaller memory cap and fuel
     * limit, each permission only if both have it, WASI only if the creator has it, and stdio of
     * the creator. Lunatic lets a config grant a child more than its creator holds; Weft does not.
     *
     * @throws IllegalArgumentException if this config preopens a directory the creator cannot reach
     *     (see {@link #resolveDirectory})
     */
    public WasmConfig limitedBy(WasmConfig creator) {
        Builder b = toBuilder();
        b.maxMemoryBytes = Math.min(maxMemoryBytes, creator.maxMemoryBytes);
        b.maxFuel = creator.maxFuel == 0 ? maxFuel : maxFuel == 0 ? creator.maxFuel : Math.min(maxFuel, creator.maxFuel);
        b.maxMessageBytes = Math.min(maxMessageBytes, creator.maxMessageBytes);
        b.maxTableElements = Math.min(maxTableElements, creator.maxTableElements);
        b.canCompileModules = canCompileModules && creator.canCompileModules;
        b.canCreateConfigs = canCreateConfigs && creator.canCreateConfigs;
        b.canSpawnProcesses = canSpawnProcesses && creator.canSpawnProcesses;
        b.wasi = wasi && creator.wasi;
        b.stdin = creator.stdin;
        b.stdout = creator.stdout;
        b.stderr = creator.stderr;
        for (Map.Entry<String, Path> dir : dirs.entrySet()) {
            Path reachable = creator.resolveDirectory(dir.getKey());
            if (reachable == null || !reachable.equals(dir.getValue().toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("the config preopens '" + dir.getKey()
                        + "', which its creator cannot reach");
            }
        }
        return b.build();
    }

    /**
     * The host directory behind the guest path {@code guestPath} as this config's processes see
     * it: inside one of its preopened directories ({@code "data"} under a preopened {@code "."} is
     * {@code ./data}, {@code "/srv/www"} under a preopened {@code "/srv"} is {@code /srv/www}), or
     * null if it lies in none of them or climbs out of one with {@code ..}. Symbolic links are not
     * followed.
     */
    public Path resolveDirectory(String guestPath) {
        Path wanted = Path.of(guestPath).normalize();
        for (Map.Entry<String, Path> dir : dirs.entrySet()) {
            Path root = Path.of(dir.getKey()).normalize();
            Path host = dir.getValue().toAbsolutePath().normalize();
            Path relative;
            if (root.toString().equals("") || root.toString().equals(".")) {
                if (wanted.isAbsolute()) {
                    continue;
                }
                relative = wanted;
            } else if (wanted.startsWith(root)) {
                relative = root.relativize(wanted);
            } else {
                continue;
            }
            if (relative.startsWith("..")) {
                continue;
            }
            Path resolved = host.resolve(relative).normalize();
            if (resolved.startsWith(host)) {
                return resolved;
            }
        }
        return null;
    }

    /** A builder with this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxMemoryBytes = maxMemoryBytes;
        b.maxFuel = maxFuel;
        b.maxMessageBytes = maxMessageBytes;
        b.maxTableElements = maxTableElements;
        b.canCompileModules = canCompileModules;
        b.canCreateConfigs = canCreateConfigs;
        b.canSpawnProcesses = canSpawnProcesses;
        b.wasi = wasi;
        b.args.addAll(args);
        b.env.putAll(env);
        b.dirs.putAll(dirs);
        b.stdin = stdin;
        b.stdout = stdout;
        b.stderr = stderr;
        return b;
    }

    @Override
    public String toString() {
        return "WasmConfig[maxMemoryBytes=" + maxMemoryBytes + ", maxFuel=" + maxFuel + ", maxMessageBytes=" + maxMessageBytes + ", maxTableElements=" + maxTableElements
                + ", canCompileModules=" + canCompileModules + ", canCreateConfigs=" + canCreateConfigs
                + ", canSpawnProcesses=" + canSpawnProcesses + ", wasi=" + wasi + ", args=" + args
                + ", env=" + env.keySet() + ", dirs=" + dirs + "]";
    }

    /** Builds a {@link WasmConfig}. Not thread-safe. */
    public static final class Builder {
        private long maxMemoryBytes = WasmProcess.DEFAULT_MAX_MEMORY_PAGES * PAGE;
        private long maxFuel;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int maxTableElements = WasmProcess.DEFAULT_MAX_TABLE_ELEMENTS;
        private boolean canCompileModules = true;
        private boolean canCreateConfigs = true;
        private boolean canSpawnProcesses = true;
        private boolean wasi = true;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, Path> dirs = new LinkedHashMap<>();
        private InputStream stdin;
        private PrintStream stdout = System.out;
        private PrintStream stderr = System.err;

        private Builder() {}

        /** The most linear memory per process (default 1 GiB), rounded down to 64 KiB pages; at most 4 GiB. */
        public Builder withMaxMemoryBytes(long bytes) {
            if (bytes < 0 || bytes > MAX_MEMORY_BYTES) {
                throw new IllegalArgumentException("maxMemoryBytes must be within 0..4 GiB: " + bytes);
            }
            this.maxMemoryBytes = bytes;
            return this;
        }

        /** The fuel limit in units of 100,000 instructions, 0 for none (the default). */
        public Builder withMaxFuel(long maxFuel) {
            if (maxFuel < 0) {
                throw new IllegalArgumentException("maxFuel must not be negative: " + maxFuel);
            }
            this.maxFuel = maxFuel;
            return this;
        }

        /** The largest message the process may build, in bytes (default 64 MiB). */
        public Builder withMaxMessageBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxMessageBytes must not be negative: " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** The most elements per table (default 100,000). */
        public Builder withMaxTableElements(int elements) {
            if (elements < 0) {
                throw new IllegalArgumentException("maxTableElements must not be negative: " + elements);
            }
            this.maxTableElements = elements;
            return this;
        }

        /** Whether the process may compile modules (default yes). */
        public Builder withCanCompileModules(boolean can) {
            this.canCompileModules = can;
            return this;
        }

        /** Whether the process may create configs (default yes). */
        public Builder withCanCreateConfigs(boolean can) {
            this.canCreateConfigs = can;
            return this;
        }

        /** Whether the process may spawn processes (default yes). */
        public Builder withCanSpawnProcesses(boolean can) {
            this.canSpawnProcesses = can;
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

        /** Appends a WASI argument. */
        public Builder addArg(String arg) {
            args.add(Objects.requireNonNull(arg, "arg"));
            return this;
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

        /** Where the guest's stdin comes from (default none: reads see end of file). */
        public Builder withStdin(InputStream stdin) {
            this.stdin = Objects.requireNonNull(stdin, "stdin");
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
