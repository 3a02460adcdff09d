package dev.weft.process.internal;

import dev.weft.mailbox.MailboxClosedException;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.mailbox.ReceiveMark;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitException;
import dev.weft.process.ExitMessage;
import dev.weft.process.InitFailedException;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessCounters;
import dev.weft.process.SpawnOptions;
import dev.weft.process.Spawned;
import dev.weft.scheduler.TimerRef;
import java.time.Duration;

/** The context of a process on this node: its record plus the table's operations. */
public final class LocalContext implements AttachedProcess, ProcessCounters {

    private static final MessageFilter NOTHING = message -> false;

    private final ProcessTable table;
    private final ProcessRecord self;

    @Override
    public ProcessCounters counters() {
        return this;
    }

    @Override
    public long parks() {
        return self.mailbox.parks();
    }

    @Override
    public void chargeFuelSlice() {
        table.meters().fuelSlice();
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

    @Override
    public ReceiveMark markMailbox() {
        checkAlive();
        return self.mailbox.mark();
    }

    @Override
    public Message receiveAfter(ReceiveMark mark, MessageFilter filter, Duration timeout) {
        return receive(mark, filter, nanos(timeout));
    }

    private Message receive(MessageFilter filter, long timeoutNanos) {
        return receive(null, filter, timeoutNanos);
    }

    private Message receive(ReceiveMark mark, MessageFilter filter, long timeoutNanos) {
        checkAlive();
        Message message;
        try {
            message = mark == null ? self.mailbox.receive(filter, timeoutNanos)
                    : self.mailbox.receiveAfter(mark, filter, timeoutNanos);
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
    public Spawned spawn(ProcessBody body, SpawnOptions options) {
        checkAlive();
        if (!options.awaitsInit()) {
            return table.spawn(self, body, options, null, null);
        }
        InitWaiter.InMailbox waiter = table.mailboxWaiter(self);
        ReceiveMark beforeSpawn = self.mailbox.mark(); // the ack comes after: skip the backlog
        Spawned spawned = table.spawn(self, body, options, waiter, null);
        InitWaiter.InitAck ack;
        try {
            ack = (InitWaiter.InitAck) self.mailbox.receiveAfter(beforeSpawn,
                    m -> m.payload() instanceof InitWaiter.InitAck a && a.ref() == waiter.ref(), -1).payload();
        } catch (InterruptedException | MailboxClosedException e) {
            throw exitAfterInterrupt(e);
        }
        if (ack.failure() != null) {
            // A failed start leaves no trace: the child's last signals came before the answer.
            Pid child = spawned.pid();
            if (spawned.monitor() != null) {
                table.demonitor(self, spawned.monitor(), true);
            }
            if (options.isLinked()) {
                self.mailbox.removeIf(m -> m.payload() instanceof ExitMessage exit && exit.from().equals(child));
            }
            throw new InitFailedException(child, ack.failure());
        }
        return spawned;
    }

    @Override
    public Pid parent() {
        return self.parent;
    }

    @Override
    public void initAck() {
        checkAlive();
        table.initAck(self);
    }

    @Override
    public ExitException initFail(ExitReason reason) {
        table.initFail(self, reason);
        throw new ExitException(self.exitReason());
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
