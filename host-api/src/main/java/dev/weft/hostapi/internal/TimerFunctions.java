package dev.weft.hostapi.internal;

import dev.weft.hostapi.internal.abi.LunaticTimerAbi;
import dev.weft.scheduler.TimerRef;
import java.time.Duration;

/** {@code lunatic::timer}: the scratch message sent later ({@code send_after}), and its cancelling. */
public final class TimerFunctions implements LunaticTimerAbi {

    /** Past this many timers, the table forgets those that already fired. */
    private static final int SWEEP_AT = 64;

    private final GuestProcess process;
    private final ResourceTable<TimerRef> timers = new ResourceTable<>("timer");

    public TimerFunctions(GuestProcess process) {
        this.process = process;
    }

    @Override
    public long sendAfter(long processId, long delay) {
        Scratch s = process.takeScratch(SEND_AFTER);
        Duration after = Timeouts.of(delay);
        TimerRef ref = process.ctx.sendAfter(after == null ? Duration.ofDays(365L * 1000) : after,
                process.pid(processId), s.tag, s.payload());
        if (timers.size() >= SWEEP_AT) {
            timers.removeIf(TimerRef::isDone);
        }
        return timers.add(ref);
    }

    @Override
    public int cancelTimer(long timerId) {
        TimerRef ref = timers.take(timerId);
        return ref != null && ref.cancel() ? 1 : 0;
    }
}
