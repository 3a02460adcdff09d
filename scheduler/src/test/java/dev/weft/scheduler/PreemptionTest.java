package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The carrier pool's watcher asks a carrier that kept one task for a slice, while others wait, to
 * give it up; code with safepoints ({@link Scheduler#preemptionPending()} then
 * {@link Scheduler#yieldIfPreempted()}) does, and code without them does not keep the hint set.
 */
@Timeout(60)
class PreemptionTest {

    private final Scheduler scheduler = new Scheduler();

    @AfterEach
    void closeScheduler() {
        scheduler.close();
    }

    private Thread start(String name, Runnable body) {
        Thread t = scheduler.newProcessThread(name, body);
        t.start();
        return t;
    }

    @Test
    void busyThreadsWithSafepointsLetANewcomerIn() throws Exception {
        assertTrue(Scheduler.preemptsAtSafepoints(), Scheduler.carriers());
        int busy = 2 * Runtime.getRuntime().availableProcessors();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong yields = new AtomicLong();
        CountDownLatch spinning = new CountDownLatch(busy);
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < busy; i++) {
            spinners.add(start("spinner-" + i, () -> {
                spinning.countDown();
                long x = 0;
                while (!stop.get()) {
                    x = x * 31 + 7; // busy work, with a safepoint every iteration
                    if (Scheduler.preemptionPending() && Scheduler.yieldIfPreempted()) {
                        yields.incrementAndGet();
                    }
                }
            }));
        }
        try {
            assertTrue(spinning.await(10, TimeUnit.SECONDS), "the spinners take turns to start");
            for (int round = 0; round < 20; round++) {
                CountDownLatch ran = new CountDownLatch(1);
                long t0 = System.nanoTime();
                start("newcomer", ran::countDown);
                assertTrue(ran.await(5, TimeUnit.SECONDS), "a newcomer ran next to " + busy + " busy threads");
                long waited = System.nanoTime() - t0;
                assertTrue(waited < TimeUnit.SECONDS.toNanos(1), "a newcomer waited " + waited / 1e6 + " ms");
            }
        } finally {
            stop.set(true);
            for (Thread t : spinners) {
                t.join(5_000);
            }
        }
        // only now: a spinner counts its yield when it resumes, which may come after the newcomers ran
        assertTrue(yields.get() > 0, "the busy threads were preempted");
    }

    @Test
    void codeWithoutSafepointsDoesNotKeepTheHintSet() throws Exception {
        int carriers = Runtime.getRuntime().availableProcessors();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch hogging = new CountDownLatch(carriers);
        List<Thread> hogs = new ArrayList<>();
        for (int i = 0; i < carriers; i++) {
            hogs.add(start("hog-" + i, () -> {
                hogging.countDown();
                long x = 0;
                while (!stop.get()) {
                    x = x * 31 + 7; // never looks at the hint
                }
            }));
        }
        try {
            assertTrue(hogging.await(10, TimeUnit.SECONDS));
            start("waiting", () -> {}); // queued behind the hogs: the watcher asks them to yield
            int samples = 200;
            int set = 0;
            for (int i = 0; i < samples; i++) {
                Thread.sleep(1);
                set += Scheduler.preemptionPending() ? 1 : 0;
            }
            // requests live 2 looks and are made again after 16: set about an eighth of the time
            assertTrue(set < samples / 2, "the hint was set in " + set + " of " + samples + " samples");
        } finally {
            stop.set(true);
            for (Thread t : hogs) {
                t.join(5_000);
            }
        }
    }
}
