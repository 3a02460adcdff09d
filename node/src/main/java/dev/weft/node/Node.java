package dev.weft.node;

import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Weft runtime instance: the Java host API. A node spawns processes, sends them messages,
 * signals them and lets host threads take part as processes ({@link #attach()}).
 *
 * <pre>{@code
 * try (Node node = Node.builder().build();
 *      AttachedProcess me = node.attach()) {
 *     Pid echo = node.spawn(ctx -> {
 *         Message m = ctx.receive();
 *         ctx.send((Pid) m.payload(), "hello");
 *     });
 *     me.send(echo, me.self());
 *     System.out.println(me.receive().payload());
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing the node kills its processes.
 */
public final class Node implements AutoCloseable {

    private final long id;
    private final String name;
    private final MeterRegistry meterRegistry;
    private final ProcessRuntime runtime;

    private Node(Builder builder) {
        this.id = builder.id;
        this.name = builder.name != null ? builder.name : "node" + builder.id;
        this.meterRegistry = builder.meterRegistry != null ? builder.meterRegistry : new SimpleMeterRegistry();
        this.runtime = new ProcessRuntime(id, meterRegistry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The node id: the node part of every pid spawned here. */
    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Where the node's {@code weft.*} meters are. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The process layer, for modules built on it (supervision, host API). */
    public ProcessRuntime runtime() {
        return runtime;
    }

    /** Starts a Java process running {@code body}. */
    public Pid spawn(ProcessBody body) {
        return runtime.spawn(body);
    }

    /** Makes the calling thread a process until the handle is closed: it can then receive, link, monitor. */
    public AttachedProcess attach() {
        return runtime.attach();
    }

    /** Sends an untagged message from the host. */
    public void send(Pid to, Object payload) {
        runtime.send(to, payload);
    }

    /** Sends a tagged message from the host. */
    public void send(Pid to, long tag, Object payload) {
        runtime.send(to, tag, payload);
    }

    /** Sends an exit signal, as Erlang's {@code exit(Pid, Reason)}. */
    public void exit(Pid target, ExitReason reason) {
        runtime.exit(target, reason);
    }

    public void register(String name, Pid pid) {
        runtime.register(name, pid);
    }

    public boolean unregister(String name) {
        return runtime.unregister(name);
    }

    public Pid whereis(String name) {
        return runtime.whereis(name);
    }

    public boolean isAlive(Pid pid) {
        return runtime.isAlive(pid);
    }

    public int processCount() {
        return runtime.processCount();
    }

    public List<Pid> processes() {
        return runtime.processes();
    }

    /**
     * A future that completes with {@code pid}'s exit reason ({@code noproc} if it is already gone).
     * The watch is in place when this returns: an exit right after it is not missed.
     */
    public CompletableFuture<ExitReason> whenExited(Pid pid) {
        return runtime.whenExited(pid);
    }

    /**
     * Waits until {@code pid} exits and returns why ({@code noproc} if it was already gone).
     *
     * @throws TimeoutException if it is still alive after {@code timeout}
     */
    public ExitReason awaitExit(Pid pid, Duration timeout) throws TimeoutException, InterruptedException {
        CompletableFuture<ExitReason> exited = runtime.whenExited(pid);
        try {
            return exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException impossible) {
            throw new IllegalStateException(impossible);
        } catch (TimeoutException e) {
            exited.cancel(false);
            throw new TimeoutException(pid + " is still alive after " + timeout);
        }
    }

    /** Kills every process of the node and stops its timers. */
    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return "Node " + name + " (id " + id + ")";
    }

    /** Builds a {@link Node}. */
    public static final class Builder {
        private long id = 1;
        private String name;
        private MeterRegistry meterRegistry;

        private Builder() {}

        /** The node id (default 1); unique within a cluster, never 0. */
        public Builder id(long id) {
            if (id <= 0) {
                throw new IllegalArgumentException("node id must be positive, got " + id);
            }
            this.id = id;
            return this;
        }

        /** A human-readable name (default {@code node<id>}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where to register meters (default: an in-memory registry, see {@link Node#meterRegistry()}). */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        public Node build() {
            return new Node(this);
        }
    }
}
