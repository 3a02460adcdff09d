package dev.weft.scheduler.internal;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * The preemption watcher of one {@link CarrierPool}, as Go's sysmon: it looks at the carriers
 * every {@link CarrierPool#SLICE_NANOS}. A carrier that has run the same task since the last look
 * while other tasks wait is asked to give it up ({@link CarrierPool.Carrier#requestPreempt()}),
 * which code with safepoints answers. Code without safepoints never sees the request: it expires
 * after {@link #REQUEST_TICKS} looks, so that the JVM-wide hint does not stay set for a carrier
 * that cannot answer (every safepoint elsewhere would then take the slower path), and is made
 * again after {@link #REQUEST_BACKOFF_TICKS}.
 *
 * <p>Once the pool is closed, every running task counts as keeping others waiting, so tasks with
 * safepoints give their carriers back and the carriers end; the watcher ends after the last
 * carrier, withdrawing its requests on the way out.
 *
 * <p>Concurrency contract: single-threaded. {@link #run()} runs on the watcher's own thread, which
 * alone reads and writes the bookkeeping here and alone makes requests.
 */
final class PreemptionWatcher implements Runnable {

    static final int REQUEST_TICKS = 2;
    static final int REQUEST_BACKOFF_TICKS = 16;

    private final CarrierPool pool;
    private final long[] runsAtLastLook;
    private final long[] requestedAtTick;
    private long ticks;

    PreemptionWatcher(CarrierPool pool) {
        this.pool = pool;
        runsAtLastLook = new long[pool.carriers.length];
        requestedAtTick = new long[pool.carriers.length];
        Arrays.fill(runsAtLastLook, -1);
    }

    @Override
    public void run() {
        while (!pool.isClosed() || pool.anyCarrierAlive()) {
            LockSupport.parkNanos(CarrierPool.SLICE_NANOS);
            ticks++;
            look(pool.isClosed() || pool.hasWaitingWork());
        }
        for (CarrierPool.Carrier carrier : pool.carriers) {
            carrier.withdrawPreemptRequest();
        }
    }

    private void look(boolean othersWait) {
        CarrierPool.Carrier[] carriers = pool.carriers;
        for (int i = 0; i < carriers.length; i++) {
            CarrierPool.Carrier carrier = carriers[i];
            long runs = carrier.runs();
            boolean stuck = !carrier.idle && carrier.isAlive() && runs == runsAtLastLook[i];
            runsAtLastLook[i] = runs;
            if (!stuck) {
                carrier.withdrawPreemptRequest();
                requestedAtTick[i] = 0;
            } else if (carrier.isPreemptRequested() && ticks - requestedAtTick[i] >= REQUEST_TICKS) {
                carrier.withdrawPreemptRequest(); // it cannot answer: no safepoints in what it runs
            } else if (othersWait && !carrier.isPreemptRequested()
                    && (requestedAtTick[i] == 0 || ticks - requestedAtTick[i] >= REQUEST_BACKOFF_TICKS)) {
                requestedAtTick[i] = ticks;
                carrier.requestPreempt();
            }
        }
    }
}
