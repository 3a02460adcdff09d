package dev.weft.hostapi.internal;

import dev.weft.hostapi.WasmConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A config a guest made with {@code create_config}: every permission denied, no fuel limit,
 * 4 GiB of memory, no arguments, environment or directories until the guest sets them.
 */
final class GuestConfig {
    long maxMemoryBytes = WasmConfig.MAX_MEMORY_BYTES;
    long maxFuel;
    boolean canCompileModules;
    boolean canCreateConfigs;
    boolean canSpawnProcesses;
    final List<String> args = new ArrayList<>();
    final Map<String, String> env = new LinkedHashMap<>();
    final List<String> dirs = new ArrayList<>();

    /**
     * The config of a child spawned with it by a process holding {@code creator}: never more
     * than the creator holds ({@link WasmConfig#limitedBy}); directories are guest paths of the
     * creator's.
     *
     * @throws IllegalArgumentException if a directory is outside the creator's
     */
    WasmConfig toWasmConfig(WasmConfig creator) {
        WasmConfig.Builder b = WasmConfig.builder()
                .withMaxMemoryBytes(maxMemoryBytes)
                .withMaxFuel(maxFuel)
                .withCanCompileModules(canCompileModules)
                .withCanCreateConfigs(canCreateConfigs)
                .withCanSpawnProcesses(canSpawnProcesses)
                .withArgs(args);
        env.forEach(b::withEnv);
        for (String dir : dirs) {
            Path host = creator.resolveDirectory(expandHome(dir));
            if (host == null) {
                throw new IllegalArgumentException("the config preopens '" + dir
                        + "', which is not inside a directory the spawning process can reach");
            }
            b.withDirectory(dir, host);
        }
        return b.build().limitedBy(creator);
    }

    /** Lunatic expands a leading "~" to the home directory. */
    private static String expandHome(String dir) {
        if (dir.equals("~") || dir.startsWith("~/")) {
            return System.getProperty("user.home") + dir.substring(1);
        }
        return dir;
    }
}
