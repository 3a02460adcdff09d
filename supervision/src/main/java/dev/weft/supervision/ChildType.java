package dev.weft.supervision;

/** What a child is, as {@link Supervisor#countChildren} counts it. */
public enum ChildType {
    WORKER,
    SUPERVISOR
}
