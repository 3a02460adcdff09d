package dev.weft.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.mailbox.Message;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cap on live processes per node. */
class ProcessLimitTest {

    private static final ProcessBody WAIT_FOR_ONE_MESSAGE = ctx -> ctx.receive();

    @Test
    @Timeout(30)
    void aSpawnBeyondTheCapIsRefusedAndAFreedSlotCanBeUsedAgain() throws Exception {
        try (ProcessRuntime runtime = new ProcessRuntime(1, new SimpleMeterRegistry(), 11);
             AttachedProcess me = runtime.attach()) { // the attached process takes one of the 11
            List<Pid> pids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                pids.add(me.spawn(WAIT_FOR_ONE_MESSAGE));
            }
            ProcessLimitException refused = assertThrows(ProcessLimitException.class, () -> me.spawn(WAIT_FOR_ONE_MESSAGE));
            assertEquals(11, refused.limit());
            assertEquals("the node's limit of 11 processes is reached", refused.getMessage());
            assertThrows(ProcessLimitException.class, () -> me.spawnLink(WAIT_FOR_ONE_MESSAGE));
            assertThrows(ProcessLimitException.class, () -> runtime.spawn(WAIT_FOR_ONE_MESSAGE));
            assertEquals(11, runtime.processCount(), "a refused spawn starts nothing");

            MonitorRef ref = me.monitor(pids.get(0));
            me.send(pids.get(0), "go");
            Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(ref), Duration.ofSeconds(10));
            assertNotNull(down);
            Pid again = me.spawn(WAIT_FOR_ONE_MESSAGE); // the slot is free again
            for (Pid p : pids.subList(1, 10)) {
                me.send(p, "go");
            }
            me.send(again, "go");
        }
    }

    @Test
    @Timeout(30)
    void racingSpawnsNeverExceedTheCap() throws Exception {
        int cap = 200;
        try (ProcessRuntime runtime = new ProcessRuntime(1, new SimpleMeterRegistry(), cap)) {
            java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> spawners = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                spawners.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 100; i++) {
                        try {
                            runtime.spawn(ctx -> ctx.sleep(Duration.ofSeconds(5)));
                            started.incrementAndGet();
                        } catch (ProcessLimitException e) {
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : spawners) {
                t.join();
            }
            assertEquals(cap, started.get());
            assertEquals(400 - cap, refused.get());
            assertEquals(cap, runtime.processCount());
        }
    }

    @Test
    void theDefaultCapIsTwoMillion() {
        try (ProcessRuntime runtime = new ProcessRuntime()) {
            assertEquals(1 << 21, runtime.maxProcesses());
        }
    }
}
