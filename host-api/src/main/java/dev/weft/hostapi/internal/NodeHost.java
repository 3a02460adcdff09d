package dev.weft.hostapi.internal;

import dev.weft.hostapi.WasmConfig;
import dev.weft.process.ProcessBody;
import dev.weft.process.wasm.ModuleLoadException;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the host functions of all processes of one node share (one per
 * {@link dev.weft.hostapi.LunaticHost}): the module loader, node-wide module ids, the guests'
 * metrics, how a child's body is made, and which unreadable payloads were already reported.
 * Thread-safe.
 */
public final class NodeHost {

    /** Makes the body of a Wasm process (LunaticHost's processBody). */
    @FunctionalInterface
    public interface Bodies {
        /** @throws IllegalArgumentException if the export is missing or the arguments do not fit it */
        ProcessBody processBody(WasmModule module, WasmConfig config, String export, Object... args);
    }

    /** The host of processes started without a LunaticHost: no loader, no children; metrics in memory. */
    static final NodeHost UNATTACHED = new NodeHost(null, new GuestMetrics(new SimpleMeterRegistry()), null);

    private static final System.Logger LOG = System.getLogger("dev.weft.hostapi");

    private final ModuleLoader loader;
    private final GuestMetrics metrics;
    private final Bodies bodies;
    private final Map<Long, WasmModule> modulesById = new ConcurrentHashMap<>();
    private final Map<WasmModule, Long> moduleIds = new ConcurrentHashMap<>();
    private final AtomicLong nextModuleId = new AtomicLong(1);
    private final Set<Class<?>> reportedPayloads = ConcurrentHashMap.newKeySet();

    public NodeHost(ModuleLoader loader, GuestMetrics metrics, Bodies bodies) {
        this.loader = loader;
        this.metrics = metrics;
        this.bodies = bodies;
    }

    /**
     * The id guests see for this node ({@code lunatic::distributed::node_id}, the node half of the
     * pids that {@code lunatic::registry} hands out): 0, what {@code lunatic run} answers for a
     * node that is not part of a cluster; lunatic-rs compares it with a process's node to choose
     * between a local and a remote send, and registers its processes with it.
     */
    long guestNodeId() {
        return 0;
    }

    /** The node-wide id of {@code module}: the same module always gets the same id. */
    public long moduleId(WasmModule module) {
        return moduleIds.computeIfAbsent(module, m -> {
            long id = nextModuleId.getAndIncrement();
            modulesById.put(id, m);
            return id;
        });
    }

    /** The module with node-wide id {@code id}, or null. */
    WasmModule moduleById(long id) {
        return modulesById.get(id);
    }

    WasmModule load(byte[] bytes) throws ModuleLoadException {
        return loader.load(bytes);
    }

    GuestMetrics metrics() {
        return metrics;
    }

    ProcessBody processBody(WasmModule module, WasmConfig config, String export, Object[] args) {
        return bodies.processBody(module, config, export, args);
    }

    /**
     * Reports that process {@code serial} dropped a message whose payload a guest cannot read: one
     * warning per payload class on this node, so that a flood of them does not flood the log.
     */
    void droppedUnreadable(long serial, Object payload) {
        Class<?> type = payload == null ? Void.class : payload.getClass();
        if (reportedPayloads.add(type)) {
            LOG.log(System.Logger.Level.WARNING, "Wasm process " + serial + " dropped a message whose payload is a "
                    + type.getName() + ", which a guest cannot read (send it a DataMessage, a byte[] or a String);"
                    + " further " + type.getName() + " payloads to this node's Wasm processes are dropped without a warning");
        }
    }
}
