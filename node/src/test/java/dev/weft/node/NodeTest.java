package dev.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NodeTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    @DisplayName("pids of a node carry its id; the builder rejects id 0")
    void pidsCarryTheNodeId() throws Exception {
        try (Node node = Node.builder().id(7).name("seven").build()) {
            Pid pid = node.spawn(ctx -> ctx.receive());
            assertEquals(7, pid.node());
            assertEquals("seven", node.name());
            assertEquals(ExitReason.NORMAL, awaitExitAfter(node, pid, () -> node.send(pid, "stop")));
        }
        assertThrows(IllegalArgumentException.class, () -> Node.builder().id(0));
    }

    @Test
    @DisplayName("start with options: registered before it runs, returns once the init is acknowledged")
    void startWithOptions() throws Exception {
        try (Node node = Node.builder().build()) {
            var server = node.start(ctx -> {
                ctx.initAck();
                ctx.receive();
            }, dev.weft.process.SpawnOptions.defaults().register("server").awaitInit());
            assertEquals(server.pid(), node.whereis("server"));
            var failed = assertThrows(dev.weft.process.InitFailedException.class, () -> node.start(
                    ctx -> ctx.initFail(ExitReason.custom("no")), dev.weft.process.SpawnOptions.defaults().awaitInit()));
            assertEquals(ExitReason.custom("no"), failed.reason());
            var taken = assertThrows(dev.weft.process.NameTakenException.class,
                    () -> node.start(ctx -> {}, dev.weft.process.SpawnOptions.defaults().register("server")));
            assertEquals(server.pid(), taken.holder());
            node.exit(server.pid(), ExitReason.KILL);
            assertEquals(ExitReason.KILLED, server.awaitExit(WAIT));
        }
    }

    @Test
    @DisplayName("the host thread sends to and receives from processes through an attached process")
    void hostTalksToProcesses() throws Exception {
        try (Node node = Node.builder().build(); AttachedProcess me = node.attach()) {
            Pid doubler = node.spawn(ctx -> {
                Message m = ctx.receive();
                ctx.send(me.self(), 9, 2 * (Integer) m.payload());
            });
            node.send(doubler, 21);
            Message reply = me.receive(WAIT);
            assertEquals(9, reply.tag());
            assertEquals(42, reply.payload());
        }
    }

    @Test
    @DisplayName("whenExited/awaitExit give the exit reason, noproc for a dead pid; awaitExit times out for a live one")
    void awaitExit() throws Exception {
        try (Node node = Node.builder().build()) {
            Pid failing = node.spawn(ctx -> {
                ctx.receive();
                throw new IllegalArgumentException("bad input");
            });
            ExitReason reason = awaitExitAfter(node, failing, () -> node.send(failing, "go"));
            ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason);
            assertTrue(error.message().contains("bad input"), error.message());
            assertInstanceOf(IllegalArgumentException.class, error.cause());
            assertEquals(ExitReason.NOPROC, node.awaitExit(failing, WAIT));

            Pid sleeper = node.spawn(ctx -> ctx.receive());
            assertThrows(TimeoutException.class, () -> node.awaitExit(sleeper, Duration.ofMillis(50)));
            try (AttachedProcess watcher = node.attach()) {
                var ref = watcher.monitor(sleeper);
                node.exit(sleeper, ExitReason.KILL);
                var down = (dev.weft.process.DownMessage) watcher.receive(WAIT).payload();
                assertEquals(ref, down.ref());
                assertEquals(ExitReason.KILLED, down.reason());
            }
        }
    }

    @Test
    @DisplayName("closing the node kills its processes and interrupts their threads")
    void closeKillsProcesses() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch unwound = new CountDownLatch(1);
        Node node = Node.builder().build();
        Pid pid = node.spawn(ctx -> {
            started.countDown();
            try {
                ctx.receive();
            } finally {
                unwound.countDown();
            }
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));
        assertTrue(node.isAlive(pid));
        node.close();
        assertFalse(node.isAlive(pid));
        assertEquals(0, node.processCount());
        assertTrue(unwound.await(5, TimeUnit.SECONDS), "the process's code did not unwind");
    }

    @Test
    @DisplayName("meters go to the registry given to the builder")
    void metersGoToTheGivenRegistry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Node node = Node.builder().meterRegistry(registry).build()) {
            Pid pid = node.spawn(ctx -> ctx.receive());
            awaitExitAfter(node, pid, () -> node.send(pid, "go"));
            assertEquals(1.0, registry.get("weft.messages.sent").functionCounter().count());
            assertTrue(registry.get("weft.processes.spawns").functionCounter().count() >= 1.0);
            // the process, and the attached process awaitExit uses to wait
            assertEquals(2.0, registry.get("weft.processes.exits").tag("reason", "normal").counter().count());
        }
    }

    /** Watches {@code pid}, then runs {@code trigger}, which makes it exit. */
    private static ExitReason awaitExitAfter(Node node, Pid pid, Runnable trigger) throws Exception {
        var exited = node.whenExited(pid);
        trigger.run();
        return exited.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
