package dev.weft.process.internal;

import dev.weft.mailbox.Mailbox;
import dev.weft.mailbox.Message;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The runtime's state of one process. Signals change it under the record's lock, on whatever thread
 * sends them, so a signal takes effect at once even if the process is busy.
 *
 * <p>Once {@link #isDead()} is true nothing changes any more: the thread that marked the record dead
 * reads its links, monitors and names without the lock to send the last signals.
 */
public final class ProcessRecord {

    final Pid pid;
    /** The process that spawned this one (the node's pid for processes the host started). */
    final Pid parent;
    final Mailbox mailbox;
    /** The process's code runs on a thread of the host program, not on one of ours. */
    final boolean attached;
    Thread thread;

    private volatile boolean dead;
    // Guarded by this. Collections are created on first use: most processes never link or monitor.
    private ExitReason exitReason;
    private boolean trapExit;
    private Map<Pid, Long> links; // linked pid -> tag of the ExitMessage this process gets from it
    private Map<MonitorRef, Pid> watchers; // monitors on this process: ref -> watcher
    private Map<MonitorRef, Pid> watching; // monitors this process holds: ref -> target
    private List<String> names;
    private InitWaiter initWaiter; // the spawner waiting for this process's init ack; null if none (any more)
    private CompletableFuture<ExitReason> exitWatch; // completed with the exit reason; null if none

    ProcessRecord(Pid pid, Pid parent, Mailbox mailbox, boolean attached) {
        this.pid = pid;
        this.parent = parent;
        this.mailbox = mailbox;
        this.attached = attached;
    }

    public Pid pid() {
        return pid;
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public boolean isDead() {
        return dead;
    }

    /** Why the process exited; null while it is alive. */
    public synchronized ExitReason exitReason() {
        return exitReason;
    }

    synchronized boolean markDead(ExitReason reason) {
        return markDeadLocked(reason);
    }

    private boolean markDeadLocked(ExitReason reason) {
        if (dead) {
            return false;
        }
        exitReason = reason;
        dead = true;
        return true;
    }

    synchronized boolean setTrapExit(boolean enabled) {
        boolean previous = trapExit;
        trapExit = enabled;
        return previous;
    }

    /**
     * Applies an exit signal, Erlang's rules: an untrappable kill kills with {@code killed}; a
     * process that traps exits gets a message; otherwise a normal reason is ignored (unless a
     * process sent it to itself) and any other reason kills.
     *
     * @param viaLink the signal comes from a linked process that died; ignored if the link is gone
     * @param tag the tag of the {@link ExitMessage} if the signal did not come through a link
     * @return true if the signal killed this process (the caller then finishes the termination)
     */
    synchronized boolean exitSignal(Pid from, ExitReason reason, boolean viaLink, long tag) {
        if (dead) {
            return false;
        }
        if (viaLink) {
            Long linkTag = links == null ? null : links.remove(from);
            if (linkTag == null) {
                return false;
            }
            tag = linkTag;
        } else if (reason instanceof ExitReason.Kill) {
            return markDeadLocked(ExitReason.KILLED);
        }
        if (trapExit) {
            mailbox.send(new Message(tag, new ExitMessage(from, reason)));
            return false;
        }
        if (reason.isNormal() && !(from.equals(pid) && !viaLink)) {
            return false;
        }
        return markDeadLocked(reason);
    }

    /** Delivers a DOWN message if this process still holds the monitor {@code ref}. */
    synchronized void down(MonitorRef ref, Pid target, ExitReason reason) {
        if (!dead && watching != null && watching.remove(ref) != null) {
            mailbox.send(Message.of(new DownMessage(ref, target, reason)));
        }
    }

    // ---- links (callers hold the locks of both ends) ----

    void putLinkLocked(Pid other, long tag) {
        if (links == null) {
            links = new HashMap<>(4);
        }
        links.put(other, tag);
    }

    void putLinkIfAbsentLocked(Pid other) {
        if (links == null) {
            links = new HashMap<>(4);
        }
        links.putIfAbsent(other, 0L);
    }

    void removeLinkLocked(Pid other) {
        if (links != null) {
            links.remove(other);
        }
    }

    // ---- monitors ----

    void putWatcherLocked(MonitorRef ref, Pid watcher) {
        if (watchers == null) {
            watchers = new HashMap<>(4);
        }
        watchers.put(ref, watcher);
    }

    void putWatchingLocked(MonitorRef ref, Pid target) {
        if (watching == null) {
            watching = new HashMap<>(4);
        }
        watching.put(ref, target);
    }

    synchronized void removeWatcher(MonitorRef ref) {
        if (!dead && watchers != null) {
            watchers.remove(ref);
        }
    }

    /** @return the target of the monitor, or null if this process does not hold it (any more) */
    synchronized Pid removeWatching(MonitorRef ref) {
        return dead || watching == null ? null : watching.remove(ref);
    }

    // ---- names ----

    void addNameLocked(String name) {
        if (names == null) {
            names = new ArrayList<>(1);
        }
        names.add(name);
    }

    synchronized void removeName(String name) {
        if (!dead && names != null) {
            names.remove(name);
        }
    }

    // ---- watching the exit from the host ----

    /** Completes {@code exited} with the exit reason when the process has exited (at once if it has). */
    void watchExit(CompletableFuture<ExitReason> exited) {
        ExitReason already;
        synchronized (this) {
            if (!dead) {
                exitWatch = exited;
                return;
            }
            already = exitReason;
        }
        exited.complete(already);
    }

    /** The watch to complete, taken once by the terminating thread. */
    synchronized CompletableFuture<ExitReason> exitWatchAfterDeath() {
        CompletableFuture<ExitReason> watch = exitWatch;
        exitWatch = null;
        return watch;
    }

    // ---- init ack ----

    /** Before the process starts: {@code waiter} waits for its init ack (answered at once if it is dead). */
    void awaitInit(InitWaiter waiter) {
        ExitReason already;
        synchronized (this) {
            if (!dead) {
                initWaiter = waiter;
                return;
            }
            already = exitReason;
        }
        waiter.answer(pid, already);
    }

    /**
     * Takes the waiter for the init ack if the process is alive and still owes one (so that the ack
     * and the process's death never both answer it); null otherwise.
     */
    synchronized InitWaiter takeInitWaiter() {
        InitWaiter waiter = dead ? null : initWaiter;
        initWaiter = null;
        return waiter;
    }

    /** The spawner still waiting for an init ack, if any: {@code initFail} unlinks it. */
    synchronized Pid initSpawner() {
        return dead || initWaiter == null ? null : initWaiter.spawner();
    }

    // ---- read by the terminating thread after the record is dead ----

    /** The waiter that was never answered: told of the death. */
    synchronized InitWaiter initWaiterAfterDeath() {
        InitWaiter waiter = initWaiter;
        initWaiter = null;
        return waiter;
    }

    Map<Pid, Long> linksAfterDeath() {
        return links == null ? Map.of() : links;
    }

    Map<MonitorRef, Pid> watchersAfterDeath() {
        return watchers == null ? Map.of() : watchers;
    }

    Map<MonitorRef, Pid> watchingAfterDeath() {
        return watching == null ? Map.of() : watching;
    }

    List<String> namesAfterDeath() {
        return names == null ? List.of() : names;
    }

    @Override
    public String toString() {
        return "process " + pid + (dead ? " (dead)" : "");
    }
}
