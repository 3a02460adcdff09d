package dev.weft.process;

/** What {@code spawn_monitor} returns: the new process and the monitor on it. */
public record MonitoredPid(Pid pid, MonitorRef ref) {}
