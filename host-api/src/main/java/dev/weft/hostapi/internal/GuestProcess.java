package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.WasmConfig;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.SpawnOptions;
import dev.weft.process.wasm.WasmModule;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One Wasm process as its host functions see it: its context, module and config, and the state
 * that several ABI modules share: the scratch message, the error, config and module tables, and
 * the processes it monitors. Each ABI module's class (e.g. {@link MessageFunctions}) gets this
 * object; one per process, used only from the process's own thread.
 */
public final class GuestProcess {

    final ProcessContext ctx;
    final NodeHost node;
    /** This process's module and config; module is null for a process made without a LunaticHost. */
    final WasmModule module;
    final WasmConfig config;

    private Scratch scratch;
    /** lunatic::error's table: the messages of errors host functions returned by id. */
    final ResourceTable<String> errors = new ResourceTable<>("error");
    private final ResourceTable.Ids resourceIds = new ResourceTable.Ids(); // configs and modules share ids
    final ResourceTable<GuestConfig> configs = new ResourceTable<>("config", resourceIds);
    final ResourceTable<WasmModule> modules = new ResourceTable<>("module", resourceIds);
    /** The monitors of lunatic::process::monitor, by target; receive forgets one when its DOWN arrives. */
    final Map<Pid, MonitorRef> monitors = new HashMap<>();

    /**
     * A process of {@code module} with {@code config} on {@code node}; {@code module} null for one
     * that cannot spawn, compile or name its module ({@link dev.weft.hostapi.LunaticHost#importValues}).
     */
    public GuestProcess(ProcessContext ctx, NodeHost node, WasmModule module, WasmConfig config) {
        this.ctx = ctx;
        this.node = node == null ? NodeHost.UNATTACHED : node;
        this.module = module;
        this.config = config;
    }

    /** The pid of the guest id {@code serial}: guest process ids are serials of this node's pids. */
    Pid pid(long serial) {
        return new Pid(ctx.self().node(), serial);
    }

    /** The node id a guest sees for {@code pid}'s node (see {@link NodeHost#guestNodeId()}). */
    long guestNode(Pid pid) {
        return pid.node() == ctx.self().node() ? node.guestNodeId() : pid.node();
    }

    /** Is {@code guestNode} (a node id a guest passed) this node? */
    boolean isThisNode(long guestNode) {
        return guestNode == node.guestNodeId();
    }

    /** Adds an error to lunatic::error's table (for host functions that return error ids). */
    long addError(String message) {
        return errors.add(message);
    }

    // ------------------------------------------------------------------------------ scratch message

    /** The scratch message; traps {@code function} if there is none. */
    Scratch scratch(String function) {
        if (scratch == null) {
            throw trap(function, "no message in the scratch area (create_data or receive first)");
        }
        return scratch;
    }

    /** The scratch message if it is a data message; traps {@code function} otherwise. */
    Scratch dataScratch(String function) {
        Scratch s = scratch(function);
        if (!s.isData()) {
            throw trap(function, "the message in the scratch area is not a data message");
        }
        return s;
    }

    /** The scratch message, or null. */
    Scratch scratchOrNull() {
        return scratch;
    }

    /** Takes the scratch message out to send it (it is consumed); traps {@code function} if there is none. */
    Scratch takeScratch(String function) {
        Scratch s = scratch(function);
        scratch = null;
        return s;
    }

    void setScratch(Scratch s) {
        scratch = s;
    }

    // ------------------------------------------------------------------------------ children

    /** Traps {@code function} if this process was made without a module and config to spawn from. */
    void requireModule(String function) {
        if (module == null) {
            throw trap(function, "this process was started without a module and config to spawn from"
                    + " (LunaticHost.importValues); start it with LunaticHost.processBody");
        }
    }

    /** The module a spawn names: this process's for -1, else one of its module resources. */
    WasmModule moduleOrOwn(String function, long moduleId) {
        requireModule(function);
        return moduleId == -1 ? module : modules.get(function, moduleId);
    }

    /**
     * The config of a child spawned with the config {@code configId} names (this process's for
     * -1), limited by this process's. Traps if this process may not spawn.
     *
     * @throws IllegalArgumentException if the config asks for what this process does not hold
     */
    WasmConfig childConfig(String function, long configId) {
        if (!config.canSpawnProcesses()) {
            throw trap(function, "this process may not spawn processes (its config does not allow it)");
        }
        return configId == -1 ? config : configs.get(function, configId).toWasmConfig(config);
    }

    /**
     * The body of a child running {@code export} of {@code childModule} with the config
     * {@code configId} names, or null after writing an error id at {@code idPtr}. Traps if this
     * process may not spawn.
     */
    ProcessBody childBody(String function, long configId, WasmModule childModule, String export, Object[] params,
            Memory memory, int idPtr) {
        requireModule(function);
        try {
            return node.processBody(childModule, childConfig(function, configId), export, params);
        } catch (IllegalArgumentException e) {
            spawnFailed(memory, idPtr, export, e.getMessage());
            return null;
        }
    }

    /**
     * Spawns {@code body} as a child of this process, with the options of a guest's spawn: linked
     * with the tag {@code link} unless it is 0, and registered under {@code name} unless it is null,
     * both before any child code runs (the process layer's atomic spawn; Lunatic makes the link
     * before the child runs and holds its registry's lock for get_or_spawn). Used by
     * lunatic::process spawn and get_or_spawn, and lunatic::distributed::spawn.
     *
     * @throws ProcessLimitException if the node holds its maximum number of processes
     * @throws NameTakenException if another process holds the name (nothing was spawned)
     */
    Pid spawn(ProcessBody body, long link, String name) {
        SpawnOptions options = link == 0 ? SpawnOptions.defaults() : SpawnOptions.defaults().link(link);
        return ctx.spawn(body, name == null ? options : options.register(name)).pid();
    }

    /** A spawn of {@code export} failed {@code why}: its error id goes to {@code idPtr}. */
    void spawnFailed(Memory memory, int idPtr, String export, String why) {
        memory.writeLong(idPtr, addError("cannot spawn '" + export + "': " + why));
    }

    /**
     * The bodies of a child (a supervisor's worker) running {@code export} of the module
     * {@code moduleId} names with the config {@code configId} names, given {@code params} and then
     * the extra arguments of each start. Traps if the caller may not spawn or an id is unknown.
     *
     * @throws IllegalArgumentException if the module has no such export or the config asks for
     *     what the caller does not hold
     */
    Function<List<Object>, ProcessBody> childBodies(String function, long configId, long moduleId, String export,
            Object[] params) {
        requireModule(function);
        WasmConfig childConfig = childConfig(function, configId);
        WasmModule childModule = moduleOrOwn(function, moduleId);
        if (!childModule.hasFunctionExport(export)) {
            throw new IllegalArgumentException("the module has no function export '" + export + "'");
        }
        NodeHost host = node;
        return extra -> {
            Object[] all = Arrays.copyOf(params, params.length + extra.size());
            for (int i = 0; i < extra.size(); i++) {
                all[params.length + i] = extra.get(i);
            }
            return host.processBody(childModule, childConfig, export, all);
        };
    }
}
