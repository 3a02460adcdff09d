package dev.weft.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many restarts while other processes run operations on the same supervisors; bounded. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SupervisorStressTest {

    private static final int CHILDREN = 20;
    private static final int CRASHES = 1000;
    private static final int CALLERS = 4;

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
        me.trapExit(true);
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    /** A child that waits for messages; "crash" ends it abnormally. */
    private static final ProcessBody SERVER = ctx -> {
        while (true) {
            if ("crash".equals(ctx.receive().payload())) {
                throw new IllegalStateException("crash");
            }
        }
    };

    @Test
    void manyRestartsWithConcurrentOperations() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SupervisorSpec.Builder spec = SupervisorSpec.builder()
                .strategy(Strategy.ONE_FOR_ONE)
                .intensity(1_000_000).period(Duration.ofSeconds(60))
                .name("stressed").meterRegistry(registry);
        for (int i = 0; i < CHILDREN; i++) {
            spec.child(ChildSpec.worker("c" + i, SERVER));
        }
        Pid sup = Supervisor.start(me, spec.build());
        Pid inner = Supervisor.startChild(me, sup, ChildSpec.supervisor("inner",
                SupervisorSpec.builder().strategy(Strategy.SIMPLE_ONE_FOR_ONE).intensity(1_000_000)
                        .child(ChildSpec.builder("dyn").factory(args -> SERVER).restart(Restart.TEMPORARY).build())
                        .build()));

        Pid test = me.self();
        List<Pid> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            callers.add(me.spawn(ctx -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int ops = 0;
                while (ctx.receive(Duration.ZERO) == null) {
                    String id = "extra" + caller;
                    switch (random.nextInt(6)) {
                        case 0 -> Supervisor.whichChildren(ctx, sup);
                        case 1 -> Supervisor.countChildren(ctx, sup);
                        case 2 -> {
                            try {
                                Supervisor.startChild(ctx, sup, ChildSpec.worker(id, SERVER));
                            } catch (SupervisorException alreadyThere) {
                                // already_started / already_present
                            }
                        }
                        case 3 -> {
                            try {
                                Supervisor.terminateChild(ctx, sup, id);
                                Supervisor.deleteChild(ctx, sup, id);
                            } catch (SupervisorException notThere) {
                                // not_found
                            }
                        }
                        case 4 -> {
                            Pid dyn = Supervisor.startChild(ctx, inner, List.of());
                            Supervisor.terminateChild(ctx, inner, dyn);
                        }
                        default -> {
                            try {
                                Supervisor.restartChild(ctx, sup, "c" + random.nextInt(CHILDREN));
                            } catch (SupervisorException runningOrRestarting) {
                                // running (it was restarted already)
                            }
                        }
                    }
                    ops++;
                }
                ctx.send(test, "ops " + ops);
            }));
        }

        // crash a random permanent child, CRASHES times, each time once it is up again
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < CRASHES; i++) {
            Pid victim = Probe.pidOf(me, sup, "c" + random.nextInt(CHILDREN));
            Probe.tell(me, victim, "crash");
        }
        for (Pid caller : callers) {
            me.send(caller, "done");
        }
        int ops = 0;
        for (int c = 0; c < CALLERS; c++) {
            Message m = me.receive(msg -> msg.payload() instanceof String s && s.startsWith("ops "), Probe.WAIT);
            assertNotNull(m, "a caller did not finish");
            ops += Integer.parseInt(((String) m.payload()).substring(4));
        }
        assertTrue(ops > 0);

        // still standing, every permanent child running, nothing leaked
        assertTrue(me.isAlive(sup));
        assertEquals(inner, Probe.pidOf(me, sup, "inner"));
        for (int round = 0; round < 500; round++) {
            if (Supervisor.whichChildren(me, sup).stream().allMatch(c -> c.status() != ChildStatus.RESTARTING)) {
                break;
            }
            me.sleep(Duration.ofMillis(10));
        }
        List<ChildInfo> children = Supervisor.whichChildren(me, sup);
        for (ChildInfo child : children) {
            if (child.id().startsWith("c") || child.id().equals("inner")) {
                assertEquals(ChildStatus.RUNNING, child.status(), child.toString());
                assertTrue(me.isAlive(child.pid()), child.toString());
            }
        }
        assertEquals(0, Supervisor.countChildren(me, inner).active());
        double restarts = registry.get("weft.supervisor.restarts").tag("supervisor", "stressed").counter().count();
        assertEquals(CRASHES, restarts, "restarts");
        int active = Supervisor.countChildren(me, sup).active();
        // the test, the top supervisor and its children (inner among them); the callers are gone
        for (int round = 0; round < 500 && runtime.processCount() != 1 + 1 + active; round++) {
            me.sleep(Duration.ofMillis(10));
        }
        assertEquals(1 + 1 + active, runtime.processCount(), "processes: " + runtime.processes());
        assertNull(me.receive(msg -> msg.payload() instanceof dev.weft.process.ExitMessage e
                && e.from().equals(sup), Duration.ZERO));
    }
}
