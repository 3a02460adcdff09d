package dev.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import dev.weft.process.wasm.WasmModule;
import dev.weft.supervision.ChildInfo;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorError;
import dev.weft.supervision.SupervisorException;
import dev.weft.supervision.SupervisorSpec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Node#startSupervisor}: OTP supervisors of Java and Wasm children, from the host. */
@Timeout(30)
class NodeSupervisorTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void aSupervisorOfAJavaAndAWasmChildRestartsTheWasmChildWhenItEnds() throws Exception {
        try (Node node = Node.builder().name("supervising").build(); AttachedProcess me = node.attach()) {
            WasmModule module;
            try (InputStream in = NodeSupervisorTest.class.getResourceAsStream("/wasm/guest.wasm")) {
                module = node.loadModule(in.readAllBytes());
            }
            Pid test = me.self();
            SupervisorSpec spec = SupervisorSpec.builder().name("app").intensity(5)
                    .child(ChildSpec.worker("java", ctx -> {
                        ctx.send(test, "java started");
                        ctx.receive();
                    }))
                    // echo(pid, add): replies to one data message, then ends normally (restarted: permanent)
                    .child(ChildSpec.worker("wasm",
                            node.wasmBody(module, WasmConfig.defaults(), "echo", test.serial(), 1)))
                    .build();
            Pid sup = node.startSupervisor(spec);
            assertEquals(sup, node.whereis("app"));
            assertEquals("java started", me.receive(MessageFilter.payloadOf(String.class), WAIT).payload());

            List<ChildInfo> children = Supervisor.whichChildren(me, sup);
            assertEquals(List.of("java", "wasm"), children.stream().map(ChildInfo::id).toList());
            Pid wasm = children.get(1).pid();
            var wasmExited = node.whenExited(wasm); // before it can end
            node.sendData(wasm, 41, "ping".getBytes(StandardCharsets.UTF_8));
            Message reply = me.receive(MessageFilter.tags(42), WAIT);
            assertNotNull(reply);
            assertEquals("ping", new String(((DataMessage) reply.payload()).data(), StandardCharsets.UTF_8));

            // it ended after one reply: the supervisor started another
            assertEquals(ExitReason.NORMAL, wasmExited.get(5, java.util.concurrent.TimeUnit.SECONDS));
            Pid again = waitForRestart(me, sup, wasm);
            assertNotEquals(wasm, again);

            SupervisorException taken = assertThrows(SupervisorException.class, () -> node.startSupervisor(spec));
            assertEquals(new SupervisorError.AlreadyStarted(sup), taken.error());

            var supExited = node.whenExited(sup);
            node.exit(sup, ExitReason.SHUTDOWN);
            assertEquals(ExitReason.SHUTDOWN, supExited.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void aChildThatCannotStartFailsTheSupervisorsStartWithItsReason() {
        try (Node node = Node.builder().name("failing").build()) {
            SupervisorSpec spec = SupervisorSpec.builder()
                    .child(ChildSpec.builder("broken").factory(args -> {
                        throw new IllegalStateException("no config");
                    }).build())
                    .build();
            SupervisorException failed = assertThrows(SupervisorException.class, () -> node.startSupervisor(spec));
            SupervisorError.StartFailed start = assertInstanceOf(SupervisorError.StartFailed.class, failed.error());
            ExitReason.Shutdown shutdown = assertInstanceOf(ExitReason.Shutdown.class, start.reason());
            assertEquals(true, shutdown.term().startsWith("failed to start child 'broken': "), shutdown.term());
        }
    }

    private static Pid waitForRestart(AttachedProcess me, Pid sup, Pid old) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Pid now = Supervisor.whichChildren(me, sup).get(1).pid();
            if (now != null && !now.equals(old)) {
                return now;
            }
            me.sleep(Duration.ofMillis(5));
        }
        throw new AssertionError("the Wasm child was not restarted within " + WAIT);
    }
}
