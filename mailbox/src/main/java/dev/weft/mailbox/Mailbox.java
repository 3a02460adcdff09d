package dev.weft.mailbox;

import dev.weft.scheduler.TimerRef;
import dev.weft.scheduler.Timers;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A process's mailbox: many senders, one owner.
 *
 * <p>Concurrency contract: {@link #send} may be called by any thread at any time and never blocks.
 * Every other method belongs to the owner thread (see {@link #bindOwner}) and must only be called
 * from it. Messages from one sender are received in the order that sender sent them.
 *
 * <p>Receive is selective, as in Erlang: it takes the oldest message that matches the filter and
 * leaves the others, in arrival order, for later receives. A blocked owner parks at once (no spin:
 * spinning held the carrier and cost the thread ring 2.5 µs a hop) and is woken by the next send
 * (or its timeout). Internally, new messages arrive on an
 * intrusive multi-producer single-consumer linked queue (one atomic swap per send); messages that a
 * receive looked at but did not take move to a private "saved" list, which later receives scan
 * first so each message is tested against a given receive's filter only once.
 */
public final class Mailbox {

    private static final VarHandle TAIL;
    private static final VarHandle PARKED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(Mailbox.class, "tail", Node.class);
            PARKED = lookup.findVarHandle(Mailbox.class, "parked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Node {
        Message message;
        volatile Node next;
        /** Owner only: the mark taken when this node was the last arrival (fits the node's padding). */
        ReceiveMark mark;

        Node(Message message) {
            this.message = message;
        }
    }

    private final Timers timers;

    // Inbox: producers swap the tail, the owner consumes from head.next. head is a consumed stub.
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Node tail;
    private Node head;

    // Saved list (owner only): taken off the inbox, not yet matched by any receive.
    private Node savedFirst;
    private Node savedLast;
    private int savedCount;

    /** 1 while the owner is parked or about to park; a sender that flips it to 0 unparks the owner. */
    @SuppressWarnings("unused") // accessed through PARKED
    private volatile int parked;

    private Thread owner;

    /** Set once when the owner is gone: receives fail from then on. */
    private volatile boolean closed;

    public Mailbox(Timers timers) {
        this.timers = timers;
        Node stub = new Node(null);
        head = stub;
        tail = stub;
    }

    /** Makes {@code thread} the owner: the only thread that receives. Call before the owner starts. */
    public void bindOwner(Thread thread) {
        this.owner = thread;
    }

    /** Adds a message. Any thread; never blocks; wakes the owner if it waits. */
    public void send(Message message) {
        Node node = new Node(message);
        Node previous = (Node) TAIL.getAndSet(this, node);
        previous.next = node; // volatile write: ordered before the read of parked below
        if ((int) PARKED.getVolatile(this) == 1 && PARKED.compareAndSet(this, 1, 0)) {
            LockSupport.unpark(owner);
        }
    }

    /** Takes the oldest message, waiting as long as it takes. */
    public Message receive() throws InterruptedException {
        return receive(MessageFilter.any(), -1);
    }

    /** Takes the oldest matching message, waiting as long as it takes. */
    public Message receive(MessageFilter filter) throws InterruptedException {
        return receive(filter, -1);
    }

    /**
     * Takes the oldest matching message, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; {@code null} waits forever, zero only looks
     * @return the message, or null if none matched in time
     */
    public Message receive(MessageFilter filter, Duration timeout) throws InterruptedException {
        return receive(filter, timeout == null ? -1 : Math.max(0, saturatedNanos(timeout)));
    }

    /** Takes the oldest matching message if there is one, without waiting. */
    public Message poll(MessageFilter filter) {
        checkOwner();
        checkOpen();
        Message found = takeSaved(filter);
        return found != null ? found : takeArrived(filter);
    }

    /**
     * Takes the oldest matching message, waiting at most {@code timeoutNanos}.
     *
     * @param timeoutNanos negative waits forever, zero only looks
     * @return the message, or null if none matched in time
     * @throws InterruptedException if the owner is interrupted while it waits
     * @throws MailboxClosedException if the mailbox is closed, before or while the owner waits
     */
    public Message receive(MessageFilter filter, long timeoutNanos) throws InterruptedException {
        Message found = poll(filter);
        if (found != null || timeoutNanos == 0) {
            return found;
        }
        return await(null, filter, timeoutNanos);
    }

    /**
     * Marks the arrival order now: {@link #receiveAfter} with the mark looks only at messages that
     * arrive after this call. Owner only.
     */
    public ReceiveMark mark() {
        checkOwner();
        Node last = (Node) TAIL.getVolatile(this);
        if (last == head) {
            return new ReceiveMark(this, true); // every arrival is taken already: nothing to skip
        }
        if (last.mark == null) {
            last.mark = new ReceiveMark(this, false);
        }
        return last.mark;
    }

    /**
     * Takes the oldest matching message among those that arrived after {@code mark}, waiting at most
     * {@code timeoutNanos}; the messages that were there before the mark are neither tested nor
     * taken, and stay in the mailbox, in order. Owner only. Arrivals that another kind of receive
     * took off the inbox between the mark and this call count as the backlog too; receives after
     * the same mark with the same filter see every later arrival exactly once.
     *
     * @param timeoutNanos negative waits forever, zero only looks
     * @return the message, or null if none matched in time
     * @throws IllegalArgumentException if the mark is another mailbox's
     * @throws InterruptedException if the owner is interrupted while it waits
     * @throws MailboxClosedException if the mailbox is closed, before or while the owner waits
     */
    public Message receiveAfter(ReceiveMark mark, MessageFilter filter, long timeoutNanos) throws InterruptedException {
        if (mark.mailbox != this) {
            throw new IllegalArgumentException("the mark belongs to another mailbox");
        }
        checkOwner();
        checkOpen();
        return await(mark, filter, timeoutNanos);
    }

    /** The waiting part of a receive: new arrivals (after {@code mark}, if given) until one matches. */
    private Message await(ReceiveMark mark, MessageFilter filter, long timeoutNanos) throws InterruptedException {
        Message found;
        boolean timed = timeoutNanos > 0;
        long deadline = timed ? System.nanoTime() + timeoutNanos : 0;
        TimerRef timer = null;
        try {
            while (true) {
                found = mark == null || skipTo(mark) ? takeArrived(filter) : null;
                if (found != null || timeoutNanos == 0) {
                    return found;
                }
                if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    if (timer == null) {
                        timer = timers.unparkAfter(left, owner);
                    }
                }
                PARKED.setVolatile(this, 1);
                if (head.next == null) { // re-check after announcing: a send in between sees parked == 1
                    parks++;
                    LockSupport.park(this);
                }
                PARKED.setVolatile(this, 0);
                checkOpen();
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while receiving");
                }
            }
        } finally {
            if (timer != null) {
                timer.cancel();
            }
        }
    }

    /**
     * How many times the owner parked waiting for a message (its frames then left the carrier).
     * Owner's thread only.
     */
    public long parks() {
        return parks;
    }

    private long parks; // the owner's only

    /**
     * Closes the mailbox: the owner's current and future receives throw {@link MailboxClosedException}.
     * Any thread; used when the owning process dies while its thread may still be waiting.
     */
    public void close() {
        closed = true;
        PARKED.setVolatile(this, 0);
        Thread thread = owner;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** True once {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Removes every message that matches, wherever it is in the mailbox. Owner only.
     *
     * @return how many were removed
     */
    public int removeIf(MessageFilter filter) {
        checkOwner();
        drainArrivedToSaved();
        int removed = 0;
        Node previous = null;
        for (Node node = savedFirst; node != null; node = node.next) {
            if (filter.matches(node.message)) {
                unlinkSaved(previous, node);
                removed++;
            } else {
                previous = node;
            }
        }
        return removed;
    }

    /** The number of messages waiting. Owner only (others get a racy estimate). */
    public int size() {
        int count = savedCount;
        for (Node node = head.next; node != null; node = node.next) {
            count++;
        }
        return count;
    }

    private Message takeSaved(MessageFilter filter) {
        Node previous = null;
        for (Node node = savedFirst; node != null; previous = node, node = node.next) {
            if (filter.matches(node.message)) {
                unlinkSaved(previous, node);
                return node.message;
            }
        }
        return null;
    }

    /** Takes new arrivals off the inbox until one matches; those that do not match are saved. */
    private Message takeArrived(MessageFilter filter) {
        Node next;
        while ((next = head.next) != null) {
            Message message = advance(next); // the taken node becomes the new stub
            if (filter.matches(message)) {
                return message;
            }
            save(message);
        }
        return null;
    }

    /**
     * Saves, untested, the arrivals up to the mark's node; true once the mark is passed. A sender
     * that swapped the tail may not have linked its node yet: then false, and the owner waits for
     * the link like any arrival.
     */
    private boolean skipTo(ReceiveMark mark) {
        while (!mark.passed) {
            Node next = head.next;
            if (next == null) {
                return false;
            }
            save(advance(next));
        }
        return true;
    }

    /** Makes {@code next} (the inbox's first) the consumed stub, passing its mark; returns its message. */
    private Message advance(Node next) {
        head = next;
        Message message = next.message;
        next.message = null;
        if (next.mark != null) {
            next.mark.passed = true; // receives after it test every later arrival
            next.mark = null;
        }
        return message;
    }

    private void drainArrivedToSaved() {
        Node next;
        while ((next = head.next) != null) {
            save(advance(next));
        }
    }

    private void save(Message message) {
        // A fresh node: the inbox node stays the stub until the next arrival replaces it.
        Node node = new Node(message);
        if (savedLast == null) {
            savedFirst = node;
        } else {
            savedLast.next = node;
        }
        savedLast = node;
        savedCount++;
    }

    private void unlinkSaved(Node previous, Node node) {
        Node after = node.next;
        if (previous == null) {
            savedFirst = after;
        } else {
            previous.next = after;
        }
        if (savedLast == node) {
            savedLast = previous;
        }
        savedCount--;
    }

    private void checkOpen() {
        if (closed) {
            throw new MailboxClosedException();
        }
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(
                    "only the owner thread may receive from a mailbox (owner: " + owner
                            + ", caller: " + Thread.currentThread() + ")");
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }
}
