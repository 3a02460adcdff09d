package dev.weft.process;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.mailbox.ReceiveMark;
import dev.weft.scheduler.TimerRef;
import java.time.Duration;

/**
 * What a process can do: Erlang's process primitives for code running as a process.
 *
 * <p>A context belongs to its process's thread; only that thread may call it. Once the process has
 * exited (it called {@link #exit(ExitReason)}, or a signal killed it) every call except {@link #self()}
 * throws {@link ExitException}, which unwinds the process's code.
 */
public interface ProcessContext {

    /** This process's pid; the one call that still answers after the process died. */
    Pid self();

    // ---- messages ----

    /** Sends an untagged message. Sending to a dead or unknown pid does nothing, as in Erlang. */
    void send(Pid to, Object payload);

    /** Sends a tagged message (tags let the receiver select; 0 means untagged). */
    void send(Pid to, long tag, Object payload);

    /** Takes the oldest message, waiting as long as it takes. */
    Message receive();

    /** Takes the oldest message, or null if none arrives within {@code timeout}. */
    Message receive(Duration timeout);

    /** Takes the oldest message that matches {@code filter}; others stay, in order. */
    Message receive(MessageFilter filter);

    /** Takes the oldest matching message, or null if none matches within {@code timeout}. */
    Message receive(MessageFilter filter, Duration timeout);

    /**
     * Marks this process's mailbox now, for {@link #receiveAfter}: Erlang's receive optimisation for
     * a reply to a request made after a fresh reference, which need not look at the backlog.
     */
    ReceiveMark markMailbox();

    /**
     * Takes the oldest message that matches {@code filter} among those that arrived after
     * {@code mark}, or null if none matches within {@code timeout} ({@code null} waits forever).
     * The messages queued before the mark are not looked at and stay, in order; so a request made
     * after {@link #markMailbox} costs the messages that arrive while it waits, not the backlog.
     */
    Message receiveAfter(ReceiveMark mark, MessageFilter filter, Duration timeout);

    /** Sends {@code payload} to {@code to} after {@code delay}, unless the timer is cancelled first. */
    TimerRef sendAfter(Duration delay, Pid to, long tag, Object payload);

    /** Waits for {@code duration}; messages stay in the mailbox. */
    void sleep(Duration duration);

    // ---- processes ----

    /**
     * Starts a new process running {@code body} with {@code options}: linked, monitored, registered
     * and waited for as they say, all before the child runs any code (see {@link SpawnOptions}).
     *
     * @throws ProcessLimitException if the node already runs as many processes as it may
     * @throws NameTakenException if the options register a name another process holds (the holder
     *     is in the exception); nothing was spawned
     * @throws InitFailedException if the options await the child's init and it did not start
     */
    Spawned spawn(ProcessBody body, SpawnOptions options);

    /** Starts a new process running {@code body}. */
    default Pid spawn(ProcessBody body) {
        return spawn(body, SpawnOptions.defaults()).pid();
    }

    /** Starts a new process already linked to this one. */
    default Pid spawnLink(ProcessBody body) {
        return spawn(body, SpawnOptions.defaults().link()).pid();
    }

    /** Starts a new process already monitored by this one. */
    default MonitoredPid spawnMonitor(ProcessBody body) {
        Spawned spawned = spawn(body, SpawnOptions.defaults().monitor());
        return new MonitoredPid(spawned.pid(), spawned.monitor());
    }

    /**
     * The process that spawned this one ({@code proc_lib}'s parent), or the node's pid (serial 0)
     * for a process the host started or an attached thread. Answers after death, as {@link #self()}.
     */
    Pid parent();

    /**
     * Tells the spawner that waits for this process's init ({@link SpawnOptions#awaitInit()}) that
     * it started: its spawn returns. Does nothing if no spawner waits (any more): acknowledging
     * twice, or in a process spawned without the option, is harmless. OTP's {@code init_ack}.
     */
    void initAck();

    /**
     * Fails this process's init: a spawner that waits for it ({@link SpawnOptions#awaitInit()}) is
     * unlinked, so that no exit signal reaches it, and its spawn throws {@link InitFailedException}
     * with {@code reason}; then this process ends with {@code reason}. Without a waiting spawner it
     * is {@link #exit(ExitReason)}. Never returns normally. OTP's {@code proc_lib:init_fail}.
     */
    ExitException initFail(ExitReason reason);

    /** True if {@code pid} is a live process of this node. */
    boolean isAlive(Pid pid);

    // ---- links, monitors, exit signals ----

    /**
     * Links this process and {@code other}: when one dies, the other gets an exit signal. Linking to
     * a dead pid sends this process an exit signal with reason {@code noproc}. Linking twice is one link.
     */
    void link(Pid other);

    /** Links, and tags the {@link ExitMessage} this process gets if it traps exits. */
    void link(Pid other, long tag);

    /** Removes the link, if any; no exit signal from it arrives afterwards. */
    void unlink(Pid other);

    /** Monitors {@code target}: a {@link DownMessage} arrives when it exits (at once, {@code noproc}, if it is dead). */
    MonitorRef monitor(Pid target);

    /**
     * Removes a monitor; no {@link DownMessage} for it arrives afterwards.
     *
     * @param flush also remove a {@link DownMessage} for it already in the mailbox
     * @return true if the monitor was still active
     */
    boolean demonitor(MonitorRef ref, boolean flush);

    /**
     * Turns exit trapping on or off: while on, exit signals (except an untrappable {@code kill})
     * arrive as {@link ExitMessage}s instead of killing this process.
     *
     * @return the previous setting
     */
    boolean trapExit(boolean enabled);

    /** Ends this process with {@code reason} at once; never returns normally. */
    ExitException exit(ExitReason reason);

    /** Sends {@code target} an exit signal, as Erlang's {@code exit(Pid, Reason)}. */
    void exit(Pid target, ExitReason reason);

    // ---- for engines that run guest code ----

    /** This process's counters (parks, fuel slices), for the engine that runs its code. */
    ProcessCounters counters();

    // ---- registry ----

    /** Registers this process under {@code name} until it dies or unregisters. */
    void register(String name);

    /**
     * Registers the live local process {@code pid} under {@code name}, as Erlang's
     * {@code register(Name, Pid)}.
     *
     * @throws NameTakenException if another process holds the name
     * @throws IllegalArgumentException if {@code pid} is not alive
     */
    void register(String name, Pid pid);

    /** Removes {@code name} from the registry, whoever holds it. @return true if it was registered */
    boolean unregister(String name);

    /** The process registered under {@code name}, or null. */
    Pid whereis(String name);
}
