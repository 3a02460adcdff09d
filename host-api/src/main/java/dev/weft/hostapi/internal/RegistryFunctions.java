package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.internal.abi.LunaticRegistryAbi;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;

/**
 * {@code lunatic::registry} on the node's registry ({@link ProcessContext#register}). Names are
 * UTF-8; {@code put} overwrites, as in Lunatic. Weft's fix of Lunatic: a name is freed when its
 * process ends, so {@code get} never answers a dead process, and {@code put} of a pid that is not
 * alive only removes the name.
 */
public final class RegistryFunctions implements LunaticRegistryAbi {

    private final GuestProcess process;
    private final ProcessContext ctx;

    public RegistryFunctions(GuestProcess process) {
        this.process = process;
        this.ctx = process.ctx;
    }

    @Override
    public void put(Instance instance, int nameStrPtr, int nameStrLen, long nodeId, long processId) {
        String name = string(instance, PUT, nameStrPtr, nameStrLen);
        Pid target = process.pid(processId);
        if (!process.isThisNode(nodeId)) {
            throw trap(PUT, "registering a process of node " + Long.toUnsignedString(nodeId)
                    + " is not implemented yet (this node is " + Long.toUnsignedString(process.guestNode(ctx.self()))
                    + ", and it is not part of a cluster)");
        }
        if (name.isEmpty()) {
            throw trap(PUT, "an empty name cannot be registered");
        }
        if (target.equals(ctx.whereis(name))) {
            return;
        }
        if (!ctx.isAlive(target)) {
            ctx.unregister(name); // the entry of a dead process is gone at once
            return;
        }
        // Lunatic overwrites silently; retry if another process takes the name in between
        for (int attempt = 0; ; attempt++) {
            ctx.unregister(name);
            try {
                ctx.register(name, target);
                return;
            } catch (NameTakenException taken) {
                if (attempt >= 100) {
                    throw trap(PUT, "the name '" + name + "' keeps being taken by other processes");
                }
            } catch (IllegalArgumentException died) {
                return; // the target died in between: its names are gone with it
            }
        }
    }

    @Override
    public int get(Instance instance, int nameStrPtr, int nameStrLen, int nodeIdPtr, int processIdPtr) {
        String name = string(instance, GET, nameStrPtr, nameStrLen);
        Memory memory = range(instance, GET, nodeIdPtr, 8);
        range(instance, GET, processIdPtr, 8);
        Pid holder = ctx.whereis(name);
        if (holder == null) {
            return 1;
        }
        memory.writeLong(nodeIdPtr, process.guestNode(holder));
        memory.writeLong(processIdPtr, holder.serial());
        return 0;
    }

    @Override
    public void remove(Instance instance, int nameStrPtr, int nameStrLen) {
        ctx.unregister(string(instance, REMOVE, nameStrPtr, nameStrLen));
    }
}
