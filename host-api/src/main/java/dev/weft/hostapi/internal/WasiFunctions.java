package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import dev.weft.hostapi.internal.abi.LunaticWasiAbi;

/**
 * {@code lunatic::wasi}: the WASI part of a config a guest builds (environment, arguments,
 * preopened directories) for the processes it spawns with it. WASI itself is
 * {@link dev.weft.hostapi.Wasi}.
 */
public final class WasiFunctions implements LunaticWasiAbi {

    private final GuestProcess process;

    public WasiFunctions(GuestProcess process) {
        this.process = process;
    }

    @Override
    public void configAddEnvironmentVariable(Instance instance, long configId, int keyPtr, int keyLen, int valuePtr,
            int valueLen) {
        GuestConfig config = process.configs.get(CONFIG_ADD_ENVIRONMENT_VARIABLE, configId);
        String key = string(instance, CONFIG_ADD_ENVIRONMENT_VARIABLE, keyPtr, keyLen);
        String value = string(instance, CONFIG_ADD_ENVIRONMENT_VARIABLE, valuePtr, valueLen);
        if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
            throw trap(CONFIG_ADD_ENVIRONMENT_VARIABLE,
                    "'" + key + "' is not a valid environment variable name (empty, or with '=' or NUL)");
        }
        config.env.put(key, value);
    }

    @Override
    public void configAddCommandLineArgument(Instance instance, long configId, int argumentPtr, int argumentLen) {
        GuestConfig config = process.configs.get(CONFIG_ADD_COMMAND_LINE_ARGUMENT, configId);
        config.args.add(string(instance, CONFIG_ADD_COMMAND_LINE_ARGUMENT, argumentPtr, argumentLen));
    }

    @Override
    public void configPreopenDir(Instance instance, long configId, int dirPtr, int dirLen) {
        GuestConfig config = process.configs.get(CONFIG_PREOPEN_DIR, configId);
        String dir = string(instance, CONFIG_PREOPEN_DIR, dirPtr, dirLen);
        if (dir.isEmpty() || dir.indexOf('\0') >= 0) {
            throw trap(CONFIG_PREOPEN_DIR, "'" + dir + "' is not a directory path");
        }
        config.dirs.add(dir);
    }
}
