package dev.weft.supervision;

import dev.weft.process.Pid;

/**
 * One child of a supervisor, as OTP's {@code which_children} reports it.
 *
 * @param id the child's id; null for the children of a {@link Strategy#SIMPLE_ONE_FOR_ONE} supervisor
 * @param pid its process, or null unless {@code status} is {@link ChildStatus#RUNNING}
 * @param status running, restarting or stopped
 * @param type worker or supervisor
 */
public record ChildInfo(String id, Pid pid, ChildStatus status, ChildType type) {}
