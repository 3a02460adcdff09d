package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    @Test
    void newProcessThreadIsVirtualNamedAndUnstarted() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Scheduler scheduler = new Scheduler()) {
                AtomicReference<Thread> ranOn = new AtomicReference<>();
                Thread thread = scheduler.newProcessThread("<1.42>", () -> ranOn.set(Thread.currentThread()));
                assertTrue(thread.isVirtual(), "virtual");
                assertEquals("<1.42>", thread.getName());
                assertEquals(Thread.State.NEW, thread.getState(), "unstarted");
                assertFalse(thread.isAlive());
                Thread.sleep(50);
                assertEquals(null, ranOn.get(), "body ran before start");
                thread.start();
                thread.join();
                assertSame(thread, ranOn.get(), "the body runs on the returned thread");
            }
        });
    }

    @Test
    void timersBelongToTheScheduler() {
        try (Scheduler scheduler = new Scheduler()) {
            assertSame(scheduler.timers(), scheduler.timers());
            assertEquals(0, scheduler.timers().pending());
        }
    }
}
