package dev.weft.process;

import java.util.Objects;
import java.util.Optional;

/**
 * How a process is spawned, beside its body: Erlang's {@code spawn_opt} options and what
 * {@code proc_lib:start_link} and {@code gen_server:start_link({local, Name}, ...)} add. Every
 * option takes effect before the child runs any code, atomically with the spawn:
 *
 * <ul>
 *   <li>{@link #link(long)}: the spawner and the child are linked (with the tag of the
 *       {@link ExitMessage} the spawner gets if it traps exits). If the spawner dies before the
 *       link is made, the child never runs its body: it gets the exit signal the link would carry.
 *   <li>{@link #monitor()}: the spawner monitors the child ({@link Spawned#monitor()}).
 *   <li>{@link #register(String)}: the child is registered under the name before it runs; if the
 *       name is taken, nothing is spawned and the spawn throws {@link NameTakenException} with the
 *       holder (get-or-spawn: Lunatic's {@code get_or_spawn}, OTP's {@code already_started}).
 *   <li>{@link #awaitInit()}: the spawn returns only once the child said it started
 *       ({@link ProcessContext#initAck()}), or throws {@link InitFailedException} with the reason it
 *       did not ({@link ProcessContext#initFail(ExitReason)}, or its exit before the ack): OTP's
 *       {@code init_ack}. A failed start leaves no trace at the spawner: no exit signal through
 *       the link, no {@code DOWN} message of the monitor.
 * </ul>
 *
 * <p>Options are data (numbers, flags and a name), so the same options can go with a spawn on
 * another node: that node creates the child, registers it in its own registry, links and monitors
 * it from the spawner's pid (signals between nodes) and starts it, in this order; the init ack is
 * a message to the spawner's pid, wherever it is, which the spawn waits for in its mailbox (see
 * {@code ProcessTable.spawn}). Immutable; each method returns a new value.
 */
public final class SpawnOptions {

    private static final SpawnOptions DEFAULTS = new SpawnOptions(false, 0, false, null, false);

    private final boolean link;
    private final long linkTag;
    private final boolean monitor;
    private final String name;
    private final boolean awaitInit;

    private SpawnOptions(boolean link, long linkTag, boolean monitor, String name, boolean awaitInit) {
        this.link = link;
        this.linkTag = linkTag;
        this.monitor = monitor;
        this.name = name;
        this.awaitInit = awaitInit;
    }

    /** No options: a plain {@code spawn}. */
    public static SpawnOptions defaults() {
        return DEFAULTS;
    }

    /** Also link the child to the spawner (an untagged link). */
    public SpawnOptions link() {
        return link(0);
    }

    /**
     * Also link the child to the spawner; {@code tag} tags the {@link ExitMessage} the spawner gets
     * from the link if it traps exits (0: untagged).
     */
    public SpawnOptions link(long tag) {
        return new SpawnOptions(true, tag, monitor, name, awaitInit);
    }

    /** Also monitor the child from the spawner. */
    public SpawnOptions monitor() {
        return new SpawnOptions(link, linkTag, true, name, awaitInit);
    }

    /**
     * Also register the child under {@code name} before it runs.
     *
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public SpawnOptions register(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a process name must not be empty");
        }
        return new SpawnOptions(link, linkTag, monitor, name, awaitInit);
    }

    /** Also wait until the child acknowledges its init (or fails to). */
    public SpawnOptions awaitInit() {
        return new SpawnOptions(link, linkTag, monitor, name, true);
    }

    public boolean isLinked() {
        return link;
    }

    /** The tag of the link's {@link ExitMessage}; 0 if untagged or not linked. */
    public long linkTag() {
        return linkTag;
    }

    public boolean isMonitored() {
        return monitor;
    }

    /** The name the child is registered under, if any. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    public boolean awaitsInit() {
        return awaitInit;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpawnOptions other && link == other.link && linkTag == other.linkTag
                && monitor == other.monitor && Objects.equals(name, other.name) && awaitInit == other.awaitInit;
    }

    @Override
    public int hashCode() {
        return Objects.hash(link, linkTag, monitor, name, awaitInit);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("SpawnOptions[");
        if (link) {
            s.append(linkTag == 0 ? "link " : "link(tag " + linkTag + ") ");
        }
        if (monitor) {
            s.append("monitor ");
        }
        if (name != null) {
            s.append("register(").append(name).append(") ");
        }
        if (awaitInit) {
            s.append("awaitInit ");
        }
        if (s.charAt(s.length() - 1) == ' ') {
            s.setLength(s.length() - 1);
        }
        return s.append(']').toString();
    }
}
