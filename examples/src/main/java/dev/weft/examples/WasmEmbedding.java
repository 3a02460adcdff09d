package dev.weft.examples;

import dev.weft.hostapi.DataMessage;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.hostapi.WasmConfig;
import dev.weft.process.StartedProcess;
import dev.weft.process.AttachedProcess;
import dev.weft.process.ExitReason;
import dev.weft.process.wasm.WasmModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Embedding Weft in a Java program: load a Wasm module, spawn Wasm processes from Java, exchange
 * tagged data messages with them, and await their exits.
 *
 * <p>The guest ({@code wasm/shout.wat} in this module's resources, built to {@code shout.wasm})
 * exports {@code shout(reply_to: i64)}: it answers every data message with its bytes upper-cased,
 * under the same tag, until a message tagged {@value #STOP} arrives. Guests name processes by the
 * serial of their pid, so the Java side passes {@code me.self().serial()}.
 *
 * <p>Run it with {@code examples/run WasmEmbedding}.
 */
public final class WasmEmbedding {

    private static final long STOP = 255;
    private static final Duration WAIT = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        int guests = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        try (Node node = Node.builder().name("embedding").build();
                AttachedProcess me = node.attach()) {
            WasmModule module = node.loadModule(resource("/wasm/shout.wasm"));
            System.out.println("loaded " + module.size() + "-byte module, exports " + module.exportedFunctions());

            // small guests: 1 page of memory is all they need, so cap them at 64 KiB
            WasmConfig config = WasmConfig.builder().withMaxMemoryBytes(64 * 1024).build();
            List<StartedProcess> spawned = new ArrayList<>();
            for (int i = 0; i < guests; i++) {
                spawned.add(node.startWasm(module, config, "shout", me.self().serial()));
            }
            System.out.println("spawned " + guests + " Wasm processes");

            // each guest gets a message under its own tag; replies come back under the same tag
            for (int i = 0; i < guests; i++) {
                long tag = 10 + i;
                String text = "hello, guest " + i;
                node.sendData(spawned.get(i).pid(), tag, text.getBytes(StandardCharsets.UTF_8));
                Message reply = me.receive(MessageFilter.tags(tag), WAIT);
                if (reply == null) {
                    throw new IllegalStateException("no reply from " + spawned.get(i).pid());
                }
                String answer = new String(((DataMessage) reply.payload()).data(), StandardCharsets.UTF_8);
                System.out.println("tag " + tag + ": sent '" + text + "', got '" + answer + "'");
            }

            // stop them and await their exits
            for (StartedProcess s : spawned) {
                node.sendData(s.pid(), STOP, new byte[0]);
            }
            for (int i = 0; i < guests; i++) {
                System.out.println("guest " + i + " exited: " + spawned.get(i).awaitExit(WAIT));
            }

            // a trap is an exit reason like any other
            ExitReason crash = node.startWasm(module, config, "crash").awaitExit(WAIT);
            System.out.println("crash exited: " + crash);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WasmEmbedding.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }
}
