package dev.weft.supervision.internal;

import dev.weft.process.Pid;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.ChildStatus;
import java.util.List;

/** A supervisor's record of one child; owned by the supervisor's process. */
final class Child {

    final ChildSpec spec;
    /** A simple_one_for_one child's own arguments, appended to the spec's. */
    final List<Object> extraArgs;
    Pid pid;
    ChildStatus status = ChildStatus.STOPPED;

    Child(ChildSpec spec, List<Object> extraArgs) {
        this.spec = spec;
        this.extraArgs = extraArgs;
    }

    boolean running() {
        return status == ChildStatus.RUNNING;
    }

    @Override
    public String toString() {
        return "child '" + spec.id() + "'" + (pid == null ? "" : " " + pid);
    }
}
