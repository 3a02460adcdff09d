package dev.weft.process.internal;

import dev.weft.mailbox.Mailbox;
import dev.weft.mailbox.MailboxClosedException;
import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.NameTakenException;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.scheduler.Scheduler;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** A new process record on a virtual thread that will run {@code body}; call {@link #start} next. */
    public ProcessRecord create(ProcessBody body) {
        reserve();
        Pid pid = new Pid(nodeId, nextSerial.getAndIncrement());
        ProcessRecord record = new ProcessRecord(pid, new Mailbox(scheduler.timers()), false);
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
        meters.spawned();
        return record;
    }

    public int maxProcesses() {
        return maxProcesses;
    }

    /** Takes a slot for a new process. @throws ProcessLimitException if there is none */
    private void reserve() {
        while (true) {
            int n = count.get();
            if (n >= maxProcesses) {
                throw new dev.weft.process.ProcessLimitException(maxProcesses);
            }
            if (count.compareAndSet(n, n + 1)) {
                return;
            }
        }
    }

    public void start(ProcessRecord record) {
        record.thread.start();
    }

    /** A process whose code is the calling thread. */
    public ProcessRecord attach() {
        reserve();
        Pid pid = new Pid(nodeId, nextSerial.getAndIncrement());
        ProcessRecord record = new ProcessRecord(pid, new Mailbox(scheduler.timers()), true);
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
