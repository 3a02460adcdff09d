package dev.weft.process;

/**
 * An exit signal turned into a message, because the receiving process traps exits
 * (Erlang's {@code {'EXIT', From, Reason}}).
 *
 * @param from the process that sent the signal (the linked process that died, or the caller of exit)
 * @param reason the exit reason carried by the signal
 */
public record ExitMessage(Pid from, ExitReason reason) {}
