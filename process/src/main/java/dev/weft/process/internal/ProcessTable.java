package dev.weft.process.internal;

import dev.weft.mailbox.Mailbox;
import dev.weft.mailbox.MailboxClosedException;
import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.InitFailedException;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessLimitException;
import dev.weft.process.SpawnOptions;
import dev.weft.process.Spawned;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processes of one node and the signals between them: spawn, exit, links, monitors, the
 * registry. Thread-safe; every operation may be called from any thread.
 *
 * <p>Signals are applied on the sender's thread, under the lock of the process they change. A
 * death's exit signals can kill further processes; those deaths are finished in a loop, not by
 * recursion, so a chain of 100k linked processes cannot overflow a stack.
 */
public final class ProcessTable {

    private final long nodeId;
    private final Pid nodePid;
    private final Scheduler scheduler;
    private final ProcessMeters meters;
    private final ConcurrentHashMap<Pid, ProcessRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pid> registry = new ConcurrentHashMap<>();
    private final AtomicLong nextSerial = new AtomicLong(1);
    private final AtomicLong nextRef = new AtomicLong(1);

    private final int maxProcesses;
    /** Processes created and not yet removed: at most {@link #maxProcesses}. */
    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

    public ProcessTable(long nodeId, Scheduler scheduler, MeterRegistry meterRegistry) {
        this(nodeId, scheduler, meterRegistry, Integer.MAX_VALUE);
    }

    public ProcessTable(long nodeId, Scheduler scheduler, MeterRegistry meterRegistry, int maxProcesses) {
        if (maxProcesses < 1) {
            throw new IllegalArgumentException("maxProcesses must be at least 1: " + maxProcesses);
        }
        this.maxProcesses = maxProcesses;
        this.nodeId = nodeId;
        this.nodePid = new Pid(nodeId, 0);
        this.scheduler = scheduler;
        this.meters = new ProcessMeters(meterRegistry, records::size);
    }

    public long nodeId() {
        return nodeId;
    }

    /** The pid that stands for the node itself, as the sender of signals from outside any process. */
    public Pid nodePid() {
        return nodePid;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public ProcessMeters meters() {
        return meters;
    }

    /** The live process {@code pid} names, or null (dead, unknown, or on another node). */
    public ProcessRecord lookup(Pid pid) {
        return pid.node() == nodeId ? records.get(pid) : null;
    }

    public int size() {
        return records.size();
    }

    /** A snapshot of the live processes' pids. */
    public List<Pid> pids() {
        List<Pid> pids = new ArrayList<>(records.size());
        for (ProcessRecord record : records.values()) {
            pids.add(record.pid);
        }
        return pids;
    }

    // ---- lifecycle ----

    /**
     * A new process record on a virtual thread that will run {@code body}, spawned by
     * {@code parent}; call {@link #start} next (or {@link #discard}).
     */
    public ProcessRecord create(ProcessBody body, Pid parent) {
        reserve();
        Pid pid = new Pid(nodeId, nextSerial.getAndIncrement());
        ProcessRecord record = new ProcessRecord(pid, parent, new Mailbox(scheduler.timers()), false);
        Thread thread;
        try {
            thread = scheduler.newProcessThread(pid.toString(), () -> run(record, body));
        } catch (RuntimeException | Error e) {
            count.decrementAndGet();
            throw e;
        }
        record.thread = thread;
        record.mailbox.bindOwner(thread);
        records.put(pid, record);
        return record;
    }

    /** Forgets a record that was created and never started: its slot is free again (its pid is never reused). */
    private void discard(ProcessRecord record) {
        record.markDead(ExitReason.NORMAL);
        if (records.remove(record.pid, record)) {
            count.decrementAndGet();
        }
        record.mailbox.close();
    }

    public int maxProcesses() {
        return maxProcesses;
    }

    /** Takes a slot for a new process. @throws ProcessLimitException if there is none */
    private void reserve() {
        while (true) {
            int n = count.get();
            if (n >= maxProcesses) {
                throw new ProcessLimitException(maxProcesses);
            }
            if (count.compareAndSet(n, n + 1)) {
                return;
            }
        }
    }

    public void start(ProcessRecord record) {
        meters.spawned();
        record.thread.start();
    }

    /**
     * Spawns {@code body} as {@code options} say, atomically: the child is registered, linked and
     * monitored before it runs any code (see {@link SpawnOptions}). Waiting for the init ack is the
     * caller's: {@code waiter} is told once, when the child acknowledges or exits.
     *
     * @param spawner the spawning process, or null for the host (which can neither link nor monitor)
     * @param waiter told of the init ack, or null if the options do not await it
     * @param exited completed with the child's exit reason when it exits (watched from before it
     *     runs), or null
     * @throws ProcessLimitException if the node runs as many processes as it may (nothing spawned)
     * @throws NameTakenException if the name to register is taken (nothing spawned)
     * @throws ExitException if the spawner died meanwhile; a linked child then never runs its body
     */
    public Spawned spawn(ProcessRecord spawner, ProcessBody body, SpawnOptions options, InitWaiter waiter,
            CompletableFuture<ExitReason> exited) {
        if (spawner == null && (options.isLinked() || options.isMonitored())) {
            throw new IllegalArgumentException("the host is not a process: it cannot link or monitor (" + options
                    + "); attach a thread to spawn linked or monitored processes");
        }
        ProcessRecord child = create(body, spawner == null ? nodePid : spawner.pid);
        String name = options.name().orElse(null);
        if (name != null) {
            Pid holder = registry.putIfAbsent(name, child.pid);
            if (holder != null) {
                discard(child);
                throw new NameTakenException(name, holder);
            }
            synchronized (child) {
                child.addNameLocked(name);
            }
        }
        if (waiter != null) {
            child.awaitInit(waiter);
        }
        if (exited != null) {
            child.watchExit(exited);
        }
        if (options.isLinked()) {
            try {
                link(spawner, child.pid, options.linkTag());
            } catch (ExitException spawnerDied) {
                // atomic with the spawn: the child gets the exit signal its dead spawner's link carries
                // (a child that is dead before it starts ends at once, without running its body)
                if (!spawnerDied.reason().isNormal()) {
                    terminate(child, spawnerDied.reason());
                }
                start(child);
                throw spawnerDied;
            }
        }
        MonitorRef ref = null;
        if (options.isMonitored()) {
            try {
                ref = monitor(spawner, child.pid);
            } catch (ExitException spawnerDied) {
                start(child); // a monitor is one-way: the child runs even if its spawner just died
                throw spawnerDied;
            }
        }
        start(child);
        return new Spawned(child.pid, ref);
    }

    /**
     * Spawns from the host (see {@link #spawn}, with no spawner) and, if the options say so, waits
     * on this thread for the child's init ack.
     *
     * @throws InitFailedException if the init was awaited and the child did not start
     */
    public Pid spawnFromHost(ProcessBody body, SpawnOptions options, CompletableFuture<ExitReason> exited) {
        InitWaiter.OnFuture waiter = options.awaitsInit() ? new InitWaiter.OnFuture(nodePid) : null;
        Pid pid = spawn(null, body, options, waiter, exited).pid();
        if (waiter != null) {
            ExitReason failure = waiter.answered.join();
            if (failure != null) {
                throw new InitFailedException(pid, failure);
            }
        }
        return pid;
    }

    /** A waiter for the init ack of a child spawned by {@code spawner}, answered in its mailbox. */
    InitWaiter.InMailbox mailboxWaiter(ProcessRecord spawner) {
        return new InitWaiter.InMailbox(this, spawner.pid, nextRef.getAndIncrement());
    }

    /** The process acknowledges its init: a spawner waiting for it learns that it started. */
    public void initAck(ProcessRecord record) {
        InitWaiter waiter = record.takeInitWaiter();
        if (waiter != null) {
            waiter.answer(record.pid, null);
        }
    }

    /**
     * The process failed its init: if a spawner waits for the ack, it is unlinked (no exit signal
     * follows) and learns {@code reason}; then the process ends with {@code reason}.
     */
    public void initFail(ProcessRecord record, ExitReason reason) {
        Pid spawner = record.initSpawner();
        if (spawner != null) {
            unlink(record, spawner);
        }
        terminate(record, reason);
    }

    /** A process whose code is the calling thread. */
    public ProcessRecord attach() {
        reserve();
        Pid pid = new Pid(nodeId, nextSerial.getAndIncrement());
        ProcessRecord record = new ProcessRecord(pid, nodePid, new Mailbox(scheduler.timers()), true);
        record.thread = Thread.currentThread();
        record.mailbox.bindOwner(record.thread);
        records.put(pid, record);
        meters.spawned();
        return record;
    }

    private void run(ProcessRecord record, ProcessBody body) {
        ExitReason reason;
        try {
            if (record.isDead()) {
                return; // killed before it started
            }
            body.run(new LocalContext(this, record));
            reason = ExitReason.NORMAL;
        } catch (ExitException exit) {
            reason = exit.reason();
        } catch (MailboxClosedException | InterruptedException closed) {
            reason = record.isDead() ? record.exitReason() : ExitReason.error(closed);
        } catch (Throwable failure) {
            reason = ExitReason.error(failure);
        }
        terminate(record, reason);
    }

    /** Ends {@code record} with {@code reason} and sends its last signals; does nothing if it is dead. */
    public void terminate(ProcessRecord record, ExitReason reason) {
        if (record.markDead(reason)) {
            finishDeaths(record);
        }
    }

    /** Finishes the death of {@code first}, already marked dead, and of every process it takes along. */
    private void finishDeaths(ProcessRecord first) {
        ArrayDeque<ProcessRecord> dying = null;
        ProcessRecord record = first;
        while (record != null) {
            dying = finishDeath(record, dying);
            record = dying == null ? null : dying.poll();
        }
    }

    private ArrayDeque<ProcessRecord> finishDeath(ProcessRecord record, ArrayDeque<ProcessRecord> dying) {
        ExitReason reason = record.exitReason();
        if (records.remove(record.pid, record)) {
            count.decrementAndGet();
        }
        meters.exited(reason); // before the signals: whoever sees the DOWN or EXIT sees the count
        record.mailbox.close();
        if (!record.attached && record.thread != Thread.currentThread()) {
            record.thread.interrupt(); // wakes blocking calls in Java process code
        }
        for (String name : record.namesAfterDeath()) {
            registry.remove(name, record.pid);
        }
        for (Map.Entry<MonitorRef, Pid> held : record.watchingAfterDeath().entrySet()) {
            ProcessRecord target = lookup(held.getValue());
            if (target != null) {
                target.removeWatcher(held.getKey());
            }
        }
        for (Pid linked : record.linksAfterDeath().keySet()) {
            ProcessRecord other = lookup(linked);
            if (other != null && other.exitSignal(record.pid, reason, true, 0)) {
                if (dying == null) {
                    dying = new ArrayDeque<>();
                }
                dying.add(other);
            }
        }
        for (Map.Entry<MonitorRef, Pid> watcher : record.watchersAfterDeath().entrySet()) {
            ProcessRecord other = lookup(watcher.getValue());
            if (other != null) {
                other.down(watcher.getKey(), record.pid, reason);
            }
        }
        // last: a spawner told of the failed start finds the link's EXIT and the DOWN already there
        InitWaiter waiter = record.initWaiterAfterDeath();
        if (waiter != null) {
            waiter.answer(record.pid, reason);
        }
        CompletableFuture<ExitReason> watch = record.exitWatchAfterDeath();
        if (watch != null) {
            watch.complete(reason);
        }
        return dying;
    }

    // ---- messages ----

    /**
     * Sends a message. With a sender, the send is ordered with the sender's death: a message sent
     * before the sender died arrives before its exit signals.
     *
     * @param from the sending process, or null for the host
     */
    public void send(ProcessRecord from, Pid to, long tag, Object payload) {
        ProcessRecord target = lookup(to);
        // Counted before delivery: whoever sees the message (or a reply to it) sees the count.
        if (from == null) {
            meters.sent();
            if (target != null) {
                target.mailbox.send(new Message(tag, payload));
            }
        } else {
            synchronized (from) {
                if (from.isDead()) {
                    throw new ExitException(from.exitReason());
                }
                meters.sent();
                if (target != null) {
                    target.mailbox.send(new Message(tag, payload));
                }
            }
        }
    }

    // ---- exit signals ----

    /** Sends {@code target} an exit signal from {@code from} (Erlang's {@code exit/2}). */
    public void exit(Pid from, Pid target, ExitReason reason) {
        ProcessRecord record = lookup(target);
        if (record != null) {
            deliverExit(record, from, reason, false, 0);
        }
    }

    private void deliverExit(ProcessRecord target, Pid from, ExitReason reason, boolean viaLink, long tag) {
        if (target.exitSignal(from, reason, viaLink, tag)) {
            finishDeaths(target);
        }
    }

    // ---- links ----

    public void link(ProcessRecord self, Pid other, long tag) {
        if (other.equals(self.pid)) {
            return;
        }
        ProcessRecord target = lookup(other);
        boolean linked = false;
        if (target != null) {
            ProcessRecord first = self.pid.serial() < target.pid.serial() ? self : target;
            ProcessRecord second = first == self ? target : self;
            synchronized (first) {
                synchronized (second) {
                    if (self.isDead()) {
                        throw new ExitException(self.exitReason());
                    }
                    if (!target.isDead()) {
                        self.putLinkLocked(other, tag);
                        target.putLinkIfAbsentLocked(self.pid);
                        linked = true;
                    }
                }
            }
        }
        if (!linked) {
            deliverExit(self, other, ExitReason.NOPROC, false, tag);
        }
    }

    public void unlink(ProcessRecord self, Pid other) {
        ProcessRecord target = lookup(other);
        if (target == null || target == self) {
            synchronized (self) {
                self.removeLinkLocked(other);
            }
            return;
        }
        ProcessRecord first = self.pid.serial() < target.pid.serial() ? self : target;
        ProcessRecord second = first == self ? target : self;
        synchronized (first) {
            synchronized (second) {
                if (!self.isDead()) {
                    self.removeLinkLocked(other);
                }
                if (!target.isDead()) {
                    target.removeLinkLocked(self.pid);
                }
            }
        }
    }

    // ---- monitors ----

    public MonitorRef monitor(ProcessRecord self, Pid targetPid) {
        MonitorRef ref = new MonitorRef(nodeId, nextRef.getAndIncrement());
        ProcessRecord target = lookup(targetPid);
        boolean added = false;
        if (target != null) {
            ProcessRecord first = self.pid.serial() <= target.pid.serial() ? self : target;
            ProcessRecord second = first == self ? target : self;
            synchronized (first) {
                synchronized (second) {
                    if (self.isDead()) {
                        throw new ExitException(self.exitReason());
                    }
                    if (!target.isDead()) {
                        target.putWatcherLocked(ref, self.pid);
                        self.putWatchingLocked(ref, targetPid);
                        added = true;
                    }
                }
            }
        }
        if (!added) {
            self.mailbox.send(Message.of(new DownMessage(ref, targetPid, ExitReason.NOPROC)));
        }
        return ref;
    }

    /** Removes a monitor held by {@code self}; with {@code flush}, also its DOWN message. Owner thread only. */
    public boolean demonitor(ProcessRecord self, MonitorRef ref, boolean flush) {
        Pid targetPid = self.removeWatching(ref);
        if (targetPid != null) {
            ProcessRecord target = lookup(targetPid);
            if (target != null) {
                target.removeWatcher(ref);
            }
        }
        if (flush) {
            self.mailbox.removeIf(m -> m.payload() instanceof DownMessage down && down.ref().equals(ref));
        }
        return targetPid != null;
    }

    // ---- registry ----

    public void register(String name, Pid pid) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a process name must not be empty");
        }
        ProcessRecord record = lookup(pid);
        if (record == null) {
            throw new IllegalArgumentException("cannot register '" + name + "': " + pid + " is not alive");
        }
        synchronized (record) {
            if (record.isDead()) {
                throw new IllegalArgumentException("cannot register '" + name + "': " + pid + " is not alive");
            }
            Pid holder = registry.putIfAbsent(name, pid);
            if (holder != null) {
                throw new NameTakenException(name, holder);
            }
            record.addNameLocked(name);
        }
    }

    public boolean unregister(String name) {
        Pid pid = registry.remove(name);
        if (pid == null) {
            return false;
        }
        ProcessRecord record = lookup(pid);
        if (record != null) {
            record.removeName(name);
        }
        return true;
    }

    public Pid whereis(String name) {
        return registry.get(name);
    }

    /** Kills every process (reason {@code killed}) and waits up to {@code waitMillis} for their threads. */
    public void killAll(long waitMillis) {
        List<Thread> threads = new ArrayList<>();
        for (ProcessRecord record : records.values()) {
            if (!record.attached) {
                threads.add(record.thread);
            }
            terminate(record, ExitReason.KILLED);
        }
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(java.time.Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
