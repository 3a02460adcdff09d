package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.WasmConfig;
import dev.weft.hostapi.internal.abi.LunaticProcessAbi;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.WasmModule;
import java.time.Duration;

/**
 * {@code lunatic::process}: the process itself (id, sleep, links, monitors, kill), configs,
 * compiled modules, and {@code spawn} / {@code get_or_spawn} of children with a config and module
 * ({@code -1}: the caller's own). Where the guest's spawn options (link with a tag, a name to
 * register) meet the process layer is {@link GuestProcess#spawn(ProcessBody, long, String)}.
 */
public final class ProcessFunctions implements LunaticProcessAbi {

    private final GuestProcess process;
    private final ProcessContext ctx;

    public ProcessFunctions(GuestProcess process) {
        this.process = process;
        this.ctx = process.ctx;
    }

    // ------------------------------------------------------------------------------ the process

    @Override
    public long processId() {
        return ctx.self().serial();
    }

    @Override
    public long environmentId() {
        return ctx.self().node();
    }

    @Override
    public void sleepMs(long millis) {
        Duration d = Timeouts.of(millis);
        ctx.sleep(d == null ? Duration.ofMillis(Long.MAX_VALUE) : d);
    }

    @Override
    public void dieWhenLinkDies(int trap) {
        ctx.trapExit(trap == 0);
    }

    @Override
    public void link(long tag, long processId) {
        ctx.link(process.pid(processId), tag);
    }

    @Override
    public void unlink(long processId) {
        ctx.unlink(process.pid(processId));
    }

    @Override
    public void monitor(long processId) {
        Pid target = process.pid(processId);
        // Lunatic: monitoring a missing process does nothing (no immediate notification)
        if (!target.equals(ctx.self()) && !process.monitors.containsKey(target) && ctx.isAlive(target)) {
            process.monitors.put(target, ctx.monitor(target));
        }
    }

    @Override
    public void stopMonitoring(long processId) {
        MonitorRef ref = process.monitors.remove(process.pid(processId));
        if (ref != null) {
            ctx.demonitor(ref, false);
        }
    }

    @Override
    public void kill(long processId) {
        ctx.exit(process.pid(processId), ExitReason.KILL);
    }

    @Override
    public int exists(long processId) {
        return ctx.isAlive(process.pid(processId)) ? 1 : 0;
    }

    // ------------------------------------------------------------------------------ configs

    @Override
    public long createConfig() {
        return process.config.canCreateConfigs() ? process.configs.add(new GuestConfig()) : -1;
    }

    @Override
    public void dropConfig(long configId) {
        process.configs.remove(DROP_CONFIG, configId);
    }

    @Override
    public void configSetMaxMemory(long configId, long maxMemory) {
        process.configs.get(CONFIG_SET_MAX_MEMORY, configId).maxMemoryBytes =
                maxMemory < 0 || maxMemory > WasmConfig.MAX_MEMORY_BYTES ? WasmConfig.MAX_MEMORY_BYTES : maxMemory;
    }

    @Override
    public long configGetMaxMemory(long configId) {
        return process.configs.get(CONFIG_GET_MAX_MEMORY, configId).maxMemoryBytes;
    }

    @Override
    public void configSetMaxFuel(long configId, long maxFuel) {
        process.configs.get(CONFIG_SET_MAX_FUEL, configId).maxFuel = maxFuel < 0 ? 0 : maxFuel;
    }

    @Override
    public long configGetMaxFuel(long configId) {
        return process.configs.get(CONFIG_GET_MAX_FUEL, configId).maxFuel;
    }

    @Override
    public int configCanCompileModules(long configId) {
        return process.configs.get(CONFIG_CAN_COMPILE_MODULES, configId).canCompileModules ? 1 : 0;
    }

    @Override
    public void configSetCanCompileModules(long configId, int can) {
        process.configs.get(CONFIG_SET_CAN_COMPILE_MODULES, configId).canCompileModules = can != 0;
    }

    @Override
    public int configCanCreateConfigs(long configId) {
        return process.configs.get(CONFIG_CAN_CREATE_CONFIGS, configId).canCreateConfigs ? 1 : 0;
    }

    @Override
    public void configSetCanCreateConfigs(long configId, int can) {
        process.configs.get(CONFIG_SET_CAN_CREATE_CONFIGS, configId).canCreateConfigs = can != 0;
    }

    @Override
    public int configCanSpawnProcesses(long configId) {
        return process.configs.get(CONFIG_CAN_SPAWN_PROCESSES, configId).canSpawnProcesses ? 1 : 0;
    }

    @Override
    public void configSetCanSpawnProcesses(long configId, int can) {
        process.configs.get(CONFIG_SET_CAN_SPAWN_PROCESSES, configId).canSpawnProcesses = can != 0;
    }

    // ------------------------------------------------------------------------------ modules

    @Override
    public int compileModule(Instance instance, int moduleDataPtr, int moduleDataLen, int idPtr) {
        byte[] bytes = GuestMemory.bytes(instance, COMPILE_MODULE, moduleDataPtr, moduleDataLen);
        Memory memory = range(instance, COMPILE_MODULE, idPtr, 8);
        if (!process.config.canCompileModules()) {
            return -1;
        }
        process.requireModule(COMPILE_MODULE);
        try {
            memory.writeLong(idPtr, process.modules.add(process.node.load(bytes)));
            return 0;
        } catch (ModuleLoadException e) {
            memory.writeLong(idPtr, process.addError(e.getMessage()));
            return 1;
        }
    }

    @Override
    public void dropModule(long moduleId) {
        process.modules.remove(DROP_MODULE, moduleId);
    }

    // ------------------------------------------------------------------------------ spawning

    @Override
    public int spawn(Instance instance, long link, long configId, long moduleId, int funcStrPtr, int funcStrLen,
            int paramsPtr, int paramsLen, int idPtr) {
        String export = string(instance, SPAWN, funcStrPtr, funcStrLen);
        Object[] params = GuestMemory.paramRecords(instance, SPAWN, paramsPtr, paramsLen);
        Memory memory = range(instance, SPAWN, idPtr, 8);
        WasmModule childModule = process.moduleOrOwn(SPAWN, moduleId);
        ProcessBody body = process.childBody(SPAWN, configId, childModule, export, params, memory, idPtr);
        if (body == null) {
            return 1;
        }
        try {
            memory.writeLong(idPtr, process.spawn(body, link, null).serial());
            return 0;
        } catch (ProcessLimitException full) {
            process.spawnFailed(memory, idPtr, export, full.getMessage());
            return 1;
        }
    }

    @Override
    public int getOrSpawn(Instance instance, int nameStrPtr, int nameStrLen, long link, long configId,
            long moduleId, int funcStrPtr, int funcStrLen, int paramsPtr, int paramsLen, int nodeIdPtr, int idPtr) {
        String name = string(instance, GET_OR_SPAWN, nameStrPtr, nameStrLen);
        String export = string(instance, GET_OR_SPAWN, funcStrPtr, funcStrLen);
        Object[] params = GuestMemory.paramRecords(instance, GET_OR_SPAWN, paramsPtr, paramsLen);
        Memory memory = range(instance, GET_OR_SPAWN, nodeIdPtr, 8);
        range(instance, GET_OR_SPAWN, idPtr, 8);
        if (name.isEmpty()) {
            throw trap(GET_OR_SPAWN, "an empty name cannot be registered");
        }
        WasmModule childModule = process.moduleOrOwn(GET_OR_SPAWN, moduleId);
        Pid holder = ctx.whereis(name);
        if (holder == null) {
            ProcessBody body = process.childBody(GET_OR_SPAWN, configId, childModule, export, params, memory, idPtr);
            if (body == null) {
                return 1;
            }
            try {
                Pid child = process.spawn(body, link, name);
                memory.writeLong(nodeIdPtr, process.guestNode(child));
                memory.writeLong(idPtr, child.serial());
                return 0;
            } catch (ProcessLimitException full) {
                process.spawnFailed(memory, idPtr, export, full.getMessage());
                return 1;
            } catch (NameTakenException taken) {
                holder = taken.holder(); // another process took the name first
            }
        }
        memory.writeLong(nodeIdPtr, process.guestNode(holder));
        memory.writeLong(idPtr, holder.serial());
        return 2;
    }
}
