package dev.weft.process.internal;

import dev.weft.mailbox.MailboxClosedException;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.scheduler.TimerRef;
import java.time.Duration;

/** The context of a process on this node: its record plus the table's operations. */
public final class LocalContext implements AttachedProcess {

    private static final MessageFilter NOTHING = message -> false;

    private final ProcessTable table;
    private final ProcessRecord self;

    /** The node's process meters. */
    public ProcessMeters meters() {
        return table.meters();
    }

    /** How many times this process parked waiting in its mailbox (receive, sleep); its own thread only. */
    public long mailboxParks() {
        return self.mailbox.parks();
    }

    public LocalContext(ProcessTable table, ProcessRecord self) {
        this.table = table;
        this.self = self;
    }

    public ProcessRecord record() {
        return self;
    }

    @Override
    public Pid self() {
        return self.pid;
    }

    @Override
    public void send(Pid to, Object payload) {
        table.send(self, to, Message.UNTAGGED, payload);
    }

    @Override
    public void send(Pid to, long tag, Object payload) {
        table.send(self, to, tag, payload);
    }

    @Override
    public Message receive() {
        return receive(MessageFilter.any(), -1);
    }

    @Override
    public Message receive(Duration timeout) {
        return receive(MessageFilter.any(), nanos(timeout));
    }

    @Override
    public Message receive(MessageFilter filter) {
        return receive(filter, -1);
    }

    @Override
    public Message receive(MessageFilter filter, Duration timeout) {
        return receive(filter, nanos(timeout));
    }

    private Message receive(MessageFilter filter, long timeoutNanos) {
        checkAlive();
        Message message;
        try {
            message = self.mailbox.receive(filter, timeoutNanos);
        } catch (InterruptedException | MailboxClosedException e) {
            throw exitAfterInterrupt(e);
        }
        if (message != null) {
            table.meters().received();
        }
        return message;
    }

    @Override
    public TimerRef sendAfter(Duration delay, Pid to, long tag, Object payload) {
        checkAlive();
        return table.scheduler().timers().schedule(delay, () -> table.send(null, to, tag, payload));
    }

    @Override
    public void sleep(Duration duration) {
        checkAlive();
        try {
            self.mailbox.receive(NOTHING, nanos(duration));
        } catch (InterruptedException | MailboxClosedException e) {
            throw exitAfterInterrupt(e);
        }
    }

    @Override
    public Pid spawn(ProcessBody body) {
        checkAlive();
        ProcessRecord child = table.create(body);
        table.start(child);
        return child.pid;
    }

    @Override
    public Pid spawnLink(ProcessBody body) {
        checkAlive();
        ProcessRecord child = table.create(body);
        try {
            table.link(self, child.pid, 0);
        } catch (ExitException parentDied) {
            // Atomic with the spawn: the child gets the exit signal its dead parent's link would carry.
            if (parentDied.reason().isNormal()) {
                table.start(child);
            } else {
                table.terminate(child, parentDied.reason());
            }
            throw parentDied;
        }
        table.start(child);
        return child.pid;
    }

    @Override
    public MonitoredPid spawnMonitor(ProcessBody body) {
        checkAlive();
        ProcessRecord child = table.create(body);
        MonitorRef ref;
        try {
            ref = table.monitor(self, child.pid);
        } finally {
            table.start(child); // a monitor is one-way: the child runs even if its parent just died
        }
        return new MonitoredPid(child.pid, ref);
    }

    @Override
    public boolean isAlive(Pid pid) {
        checkAlive();
        ProcessRecord record = table.lookup(pid);
        return record != null && !record.isDead();
    }

    @Override
    public void link(Pid other) {
        link(other, 0);
    }

    @Override
    public void link(Pid other, long tag) {
        checkAlive();
        table.link(self, other, tag);
        checkAlive(); // linking to a dead pid may have killed us with noproc
    }

    @Override
    public void unlink(Pid other) {
        checkAlive();
        table.unlink(self, other);
    }

    @Override
    public MonitorRef monitor(Pid target) {
        checkAlive();
        return table.monitor(self, target);
    }

    @Override
    public boolean demonitor(MonitorRef ref, boolean flush) {
        checkAlive();
        return table.demonitor(self, ref, flush);
    }

    @Override
    public boolean trapExit(boolean enabled) {
        checkAlive();
        return self.setTrapExit(enabled);
    }

    @Override
    public ExitException exit(ExitReason reason) {
        table.terminate(self, reason);
        throw new ExitException(self.exitReason());
    }

    @Override
    public void exit(Pid target, ExitReason reason) {
        checkAlive();
        table.exit(self.pid, target, reason);
        checkAlive(); // a process may signal itself
    }

    @Override
    public void register(String name) {
        checkAlive();
        table.register(name, self.pid);
    }

    @Override
    public void register(String name, Pid pid) {
        checkAlive();
        table.register(name, pid);
    }

    @Override
    public boolean unregister(String name) {
        checkAlive();
        return table.unregister(name);
    }

    @Override
    public Pid whereis(String name) {
        checkAlive();
        return table.whereis(name);
    }

    @Override
    public void close() {
        table.terminate(self, ExitReason.NORMAL);
    }

    private void checkAlive() {
        if (self.isDead()) {
            throw new ExitException(self.exitReason());
        }
    }

    private ExitException exitAfterInterrupt(Exception cause) {
        if (!self.isDead()) {
            // Only the runtime interrupts process threads; anything else is a failure of this process.
            table.terminate(self, ExitReason.error("interrupted: " + cause));
        }
        return new ExitException(self.exitReason());
    }

    private static long nanos(Duration duration) {
        if (duration == null) {
            return -1;
        }
        try {
            return Math.max(0, duration.toNanos());
        } catch (ArithmeticException tooLong) {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "context of " + self;
    }
}
