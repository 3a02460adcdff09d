package dev.weft.examples;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.WasmConfig;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.Pid;
import dev.weft.process.wasm.WasmModule;
import dev.weft.supervision.ChildInfo;
import dev.weft.supervision.ChildSpec;
import dev.weft.supervision.Strategy;
import dev.weft.supervision.Supervisor;
import dev.weft.supervision.SupervisorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

/** The README's example: Java processes, a Wasm process, a supervisor. */
public class Readme {

    public static void main(String[] args) throws Exception {
        Path wasm = Path.of(args.length > 0 ? args[0] : "examples/wasm/pingpong/pingpong.wasm");
        try (Node node = Node.builder().build();
             AttachedProcess me = node.attach()) {             // this thread becomes a process

            // A Java process on a virtual thread: replies "hello" to the pid it is sent.
            Pid echo = node.spawn(ctx -> {
                Message m = ctx.receive();
                ctx.send((Pid) m.payload(), "hello");
            });
            me.send(echo, me.self());
            System.out.println(me.receive().payload());        // hello

            // A Wasm process: the export ponger(parent, n) of a C guest answers n messages tagged
            // PING (1), each an 8-byte counter, with the counter + 1 tagged PONG (2). A guest
            // names processes by the serial of their pid (a u64), so it gets ours as an argument.
            WasmModule module = node.loadModule(wasm);
            Pid ponger = node.spawnWasm(module, "ponger", me.self().serial(), 1);
            byte[] ping = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(41).array();
            node.sendData(ponger, 1, ping);
            Message pong = me.receive(MessageFilter.tags(2), Duration.ofSeconds(5));
            byte[] bytes = ((DataMessage) pong.payload()).data();
            System.out.println(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong()); // 42

            // A supervisor restarts its children as OTP's do; Java and Wasm children mix.
            SupervisorSpec spec = SupervisorSpec.builder()
                    .strategy(Strategy.ONE_FOR_ONE).intensity(3).periodSeconds(5)
                    .child(ChildSpec.worker("echo", ctx -> {
                        while (true) {
                            Message m = ctx.receive();
                            ctx.send((Pid) m.payload(), "still here");
                        }
                    }))
                    .child(ChildSpec.worker("ponger",
                            node.wasmBody(module, WasmConfig.defaults(), "ponger", me.self().serial(), 1000)))
                    .build();
            Pid supervisor = node.startSupervisor(spec);
            for (ChildInfo child : Supervisor.whichChildren(me, supervisor)) {
                System.out.println(child.id() + " runs as " + child.pid());
            }
        }                                                      // closing the node ends every process
    }
}
