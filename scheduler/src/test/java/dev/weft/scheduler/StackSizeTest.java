package dev.weft.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A scheduler's stack size bounds how deep its process threads recurse (surefire passes the --add-opens it needs). */
class StackSizeTest {

    private static int depth;

    private static void recurse() {
        depth++;
        recurse();
    }

    /** How deep a process thread of {@code scheduler} recurses before its stack overflows. */
    private static int overflowDepth(long stackSize) throws InterruptedException {
        AtomicInteger reached = new AtomicInteger(-1);
        try (Scheduler scheduler = new Scheduler(stackSize)) {
            Thread t = scheduler.newProcessThread("deep", () -> {
                depth = 0;
                try {
                    recurse();
                } catch (StackOverflowError expected) {
                    reached.set(depth);
                }
            });
            t.start();
            t.join(30_000);
        }
        assertTrue(reached.get() > 0, "no StackOverflowError");
        return reached.get();
    }

    @Test
    void aSmallStackOverflowsAtAMuchLowerDepthThanABigOne() throws Exception {
        int small = overflowDepth(256L << 10);
        int big = overflowDepth(16L << 20);
        int usual = overflowDepth(Scheduler.DEFAULT_STACK_SIZE);
        assertTrue(big > 20 * small, "256 KiB: " + small + " frames, 16 MiB: " + big);
        assertTrue(small < usual && usual < big, "256 KiB: " + small + ", 1 MiB: " + usual + ", 16 MiB: " + big);
    }

    @Test
    void aProcessThreadKnowsItsStackSize() throws Exception {
        AtomicReference<OptionalLong> seen = new AtomicReference<>();
        try (Scheduler scheduler = new Scheduler(512L << 10)) {
            assertEquals(512L << 10, scheduler.stackSize());
            Thread t = scheduler.newProcessThread("probe", () -> seen.set(Scheduler.currentStackSize()));
            t.start();
            t.join(5_000);
        }
        assertEquals(OptionalLong.of(512L << 10), seen.get());
        assertEquals(OptionalLong.empty(), Scheduler.currentStackSize()); // a platform thread
        assertEquals(Scheduler.DEFAULT_STACK_SIZE, new Scheduler().stackSize());
    }

    @Test
    void aStackSizeOutOfRangeIsRefused() {
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class, () -> new Scheduler(1000));
        assertTrue(tooSmall.getMessage().contains("between 65536 (64 KiB) and 1073741824 (1 GiB)"), tooSmall.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Scheduler((1L << 30) + 1));
        assertThrows(IllegalArgumentException.class, () -> new Scheduler(-1));
        assertEquals(64L << 10, new Scheduler(64L << 10).stackSize());
        assertEquals(1L << 30, new Scheduler(1L << 30).stackSize());
    }
}
