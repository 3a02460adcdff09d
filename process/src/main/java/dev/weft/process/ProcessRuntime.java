package dev.weft.process;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.internal.LocalContext;
import dev.weft.process.internal.ProcessRecord;
import dev.weft.process.internal.ProcessTable;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The processes of one node, seen from the host program: spawn, signal, message and look up
 * processes from any thread. Code that runs as a process uses its {@link ProcessContext} instead.
 * Thread-safe.
 */
public final class ProcessRuntime implements AutoCloseable {

    private final Scheduler scheduler;
    private final ProcessTable table;

    /**
     * @param nodeId the node part of every pid spawned here
     * @param meterRegistry where the {@code weft.*} meters go
     */
    public ProcessRuntime(long nodeId, MeterRegistry meterRegistry) {
        this(nodeId, meterRegistry, DEFAULT_MAX_PROCESSES);
    }

    /**
     * @param maxProcesses the most processes (spawned and attached) alive at once; a spawn beyond it
     *     throws {@link ProcessLimitException}
     */
    public ProcessRuntime(long nodeId, MeterRegistry meterRegistry, int maxProcesses) {
        this(nodeId, meterRegistry, maxProcesses, Scheduler.DEFAULT_STACK_SIZE);
    }

    /**
     * @param maxStackSize the stack each process may use, in bytes ({@link Scheduler#DEFAULT_STACK_SIZE}
     *     by default): it bounds how deep a process may recurse; deeper, the process gets a
     *     {@link StackOverflowError} (a Wasm process ends with {@code trap: call stack exhausted ...});
     *     on the JDK's default scheduler the JVM's {@code -Xss} applies instead (see {@link Scheduler})
     * @throws IllegalArgumentException if {@code maxStackSize} is outside
     *     {@link Scheduler#MIN_STACK_SIZE}..{@link Scheduler#MAX_STACK_SIZE}
     */
    public ProcessRuntime(long nodeId, MeterRegistry meterRegistry, int maxProcesses, long maxStackSize) {
        this.scheduler = new Scheduler(maxStackSize);
        this.table = new ProcessTable(nodeId, scheduler, meterRegistry, maxProcesses);
    }

    /**
     * The default cap on live processes per node: 2,097,152 (2^21). A million Java processes fit in
     * a few GiB of heap; the cap stops a runaway spawn loop long before it fills a large one.
     */
    public static final int DEFAULT_MAX_PROCESSES = 1 << 21;

    /** The most processes alive at once on this node. */
    public int maxProcesses() {
        return table.maxProcesses();
    }

    /** The stack each process may use, in bytes. */
    public long maxStackSize() {
        return scheduler.stackSize();
    }

    /** A runtime with node id 1 and meters kept in memory. */
    public ProcessRuntime() {
        this(1, new SimpleMeterRegistry());
    }

    public long nodeId() {
        return table.nodeId();
    }

    /**
     * Starts a process running {@code body} on its own virtual thread.
     *
     * @throws ProcessLimitException if the node already runs {@link #maxProcesses()} processes
     */
    public Pid spawn(ProcessBody body) {
        return table.spawn(null, body, SpawnOptions.defaults(), null, null).pid();
    }

    /**
     * Starts a process running {@code body} with {@code options} (a name to register, an init to
     * await; the host is not a process, so it cannot link or monitor: {@link #attach()} for that),
     * and watches its exit from before it runs: {@link StartedProcess#exited()} has its real exit
     * reason even if it ends at once. With {@link SpawnOptions#awaitInit()}, returns once the
     * process acknowledged its init.
     *
     * @throws ProcessLimitException if the node already runs {@link #maxProcesses()} processes
     * @throws NameTakenException if the name to register is taken (nothing was started)
     * @throws InitFailedException if the init was awaited and the process did not start
     * @throws IllegalArgumentException if the options link or monitor
     */
    public StartedProcess start(ProcessBody body, SpawnOptions options) {
        CompletableFuture<ExitReason> exited = new CompletableFuture<>();
        Pid pid = table.spawnFromHost(body, options, exited);
        return new StartedProcess(pid, exited);
    }

    /**
     * Makes the calling thread a process, until the returned handle is closed. The usual way for a
     * host program to receive replies, link to or monitor processes.
     */
    public AttachedProcess attach() {
        return new LocalContext(table, table.attach());
    }

    /**
     * A future that completes with {@code pid}'s exit reason when it exits ({@code noproc} if it is
     * already gone). The monitor is in place when this returns, so no exit is missed. Cancelling the
     * future drops the watch.
     */
    public CompletableFuture<ExitReason> whenExited(Pid pid) {
        CompletableFuture<ExitReason> exited = new CompletableFuture<>();
        ProcessRecord watcher = table.create(ctx -> {
            Message down = ctx.receive(MessageFilter.payloadOf(DownMessage.class));
            exited.complete(((DownMessage) down.payload()).reason());
        }, table.nodePid());
        table.monitor(watcher, pid);
        table.start(watcher);
        exited.whenComplete((reason, failure) -> {
            if (failure != null) {
                table.terminate(watcher, ExitReason.NORMAL);
            }
        });
        return exited;
    }

    /** Sends an untagged message from the host (from no process). */
    public void send(Pid to, Object payload) {
        table.send(null, to, Message.UNTAGGED, payload);
    }

    /** Sends a tagged message from the host. */
    public void send(Pid to, long tag, Object payload) {
        table.send(null, to, tag, payload);
    }

    /** Sends {@code target} an exit signal from the node (its pid's serial is 0), as {@code exit/2}. */
    public void exit(Pid target, ExitReason reason) {
        table.exit(table.nodePid(), target, reason);
    }

    public void register(String name, Pid pid) {
        table.register(name, pid);
    }

    public boolean unregister(String name) {
        return table.unregister(name);
    }

    public Pid whereis(String name) {
        return table.whereis(name);
    }

    public boolean isAlive(Pid pid) {
        return table.lookup(pid) != null;
    }

    /** The number of live processes (attached ones included). */
    public int processCount() {
        return table.size();
    }

    /** A snapshot of the live processes. */
    public List<Pid> processes() {
        return table.pids();
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Kills every process (waiting up to 2 s for them to end), then closes the scheduler, which
     * stops the runtime's threads (carriers, their watcher, the timer thread): a closed runtime
     * leaves no thread behind. Killing comes first because a dying process needs its carrier to
     * unwind. Idempotent.
     */
    @Override
    public void close() {
        table.killAll(2_000);
        scheduler.close();
    }
}
