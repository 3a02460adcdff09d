package dev.weft.supervision.internal;

import dev.weft.process.MonitorRef;
import dev.weft.process.Pid;
import dev.weft.supervision.ChildSpec;
import java.util.List;

/** The messages between a supervisor, its callers and the children it starts. */
public final class Protocol {

    private Protocol() {}

    /** A request to a supervisor; {@code ref} (the caller's monitor on it) comes back in the {@link Reply}. */
    public record Call(MonitorRef ref, Pid from, Request request) {}

    /** The answer: a value, or a {@link dev.weft.supervision.SupervisorError}. */
    public record Reply(MonitorRef ref, Object value) {}

    /** An operation on a running supervisor. */
    public sealed interface Request {}

    public record StartChild(ChildSpec spec) implements Request {}

    public record StartDynamicChild(List<Object> args) implements Request {}

    public record TerminateChild(String id) implements Request {}

    public record TerminateDynamicChild(Pid pid) implements Request {}

    public record RestartChild(String id) implements Request {}

    public record DeleteChild(String id) implements Request {}

    public record WhichChildren() implements Request {}

    public record GetChildSpec(String id) implements Request {}

    public record CountChildren() implements Request {}

    public record Stop() implements Request {}

    /** A supervisor's note to itself: try the failed restart of {@code child} again. */
    record TryAgain(Object child) {}

    /** The empty reply of operations that return nothing. */
    public enum Ok { OK }
}
