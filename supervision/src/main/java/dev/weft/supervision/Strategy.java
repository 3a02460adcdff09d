package dev.weft.supervision;

/** How a supervisor restarts its children when one of them exits (OTP's restart strategies). */
public enum Strategy {
    /** Only the child that exited is restarted. */
    ONE_FOR_ONE,
    /** All children are stopped (in reverse start order) and started again (in start order). */
    ONE_FOR_ALL,
    /** The child that exited and the children started after it are stopped and started again. */
    REST_FOR_ONE,
    /**
     * One child spec, no children at start: children of that spec are started on demand with
     * {@link Supervisor#startChild(dev.weft.process.ProcessContext, dev.weft.process.Pid, java.util.List)},
     * each with its own arguments, and restarted one for one.
     */
    SIMPLE_ONE_FOR_ONE
}
