package dev.weft.process;

/**
 * A monitored process is gone (Erlang's {@code {'DOWN', Ref, process, Pid, Reason}}).
 *
 * @param ref the monitor that fired
 * @param pid the monitored process
 * @param reason why it exited; {@link ExitReason#NOPROC} if it did not exist when monitored
 */
public record DownMessage(MonitorRef ref, Pid pid, ExitReason reason) {}
