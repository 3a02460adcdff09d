package dev.weft.hostapi.internal;

import static dev.weft.hostapi.LunaticHost.TIMEOUT;
import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.string;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.internal.abi.LunaticDistributedAbi;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.wasm.WasmModule;

/**
 * {@code lunatic::distributed} with the answers of a node that is alone, as {@code lunatic run}
 * gives them outside a cluster: {@code node_id} 0, {@code nodes_count} 0, {@code get_nodes} none,
 * {@code module_id} a node-wide id per module; {@code spawn}, {@code send} and
 * {@code send_receive_skip_search} to node 0 work on this node; {@code spawn} to another node
 * returns 1 (node not found), {@code send} to another node traps. Node queries and the certificate functions are not implemented yet.
 */
public final class DistributedFunctions implements LunaticDistributedAbi {

    private final GuestProcess process;
    private final MessageFunctions messages; // sending to this node is lunatic::message's send

    public DistributedFunctions(GuestProcess process) {
        this.process = process;
        this.messages = new MessageFunctions(process);
    }

    @Override
    public long nodeId() {
        return process.guestNode(process.ctx.self());
    }

    /** No other node is known: 0, as {@code lunatic run} answers when it is not part of a cluster. */
    @Override
    public int nodesCount() {
        return 0;
    }

    @Override
    public int getNodes(Instance instance, int nodesPtr, int nodesLen) {
        return 0;
    }

    @Override
    public long moduleId() {
        process.requireModule(MODULE_ID);
        return process.node.moduleId(process.module);
    }

    @Override
    public int spawn(Instance instance, long nodeId, long configId, long moduleId, int funcStrPtr, int funcStrLen,
            int paramsPtr, int paramsLen, int idPtr) {
        process.requireModule(SPAWN);
        String export = string(instance, SPAWN, funcStrPtr, funcStrLen);
        Object[] params = GuestMemory.paramRecords(instance, SPAWN, paramsPtr, paramsLen);
        Memory memory = range(instance, SPAWN, idPtr, 8);
        if (!process.isThisNode(nodeId)) {
            return 1; // node not found: this node is alone
        }
        WasmModule childModule = process.node.moduleById(moduleId);
        if (childModule == null) {
            return 2;
        }
        ProcessBody body = process.childBody(SPAWN, configId, childModule, export, params, memory, idPtr);
        if (body == null) {
            return TIMEOUT; // Lunatic's code for an error with an error id
        }
        try {
            memory.writeLong(idPtr, process.spawn(body, 0, null).serial());
            return 0;
        } catch (ProcessLimitException full) {
            process.spawnFailed(memory, idPtr, export, full.getMessage());
            return TIMEOUT;
        }
    }

    @Override
    public int send(long nodeId, long processId) {
        onThisNode(SEND, nodeId);
        messages.sendScratch(SEND, processId);
        return 0;
    }

    @Override
    public int sendReceiveSkipSearch(long nodeId, long processId, long waitOnTag, long timeoutDuration) {
        onThisNode(SEND_RECEIVE_SKIP_SEARCH, nodeId);
        return messages.sendAndAwaitReply(SEND_RECEIVE_SKIP_SEARCH, processId, waitOnTag, timeoutDuration);
    }

    private void onThisNode(String function, long node) {
        if (!process.isThisNode(node)) {
            throw trap(function, "node " + Long.toUnsignedString(node) + " is not connected to this one"
                    + " (Weft runs one node here; clusters are not built yet)");
        }
    }
}
