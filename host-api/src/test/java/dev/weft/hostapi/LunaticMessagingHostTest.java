package dev.weft.hostapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.mailbox.Message;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.MonitoredPid;
import dev.weft.process.Pid;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessRuntime;
import dev.weft.process.wasm.Engine;
import dev.weft.process.wasm.ModuleLoader;
import dev.weft.process.wasm.WasmModule;
import dev.weft.process.wasm.WasmProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * lunatic::message and lunatic::process with real WAT guests (wasm/lunatic/messaging.wat) on both
 * engines: ping-pong between two Wasm processes, selective receive with a timeout, link deaths and
 * monitors as messages, bad guest input trapping only the guest that gave it.
 */
class LunaticMessagingHostTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private ProcessRuntime runtime;
    private AttachedProcess me;

    @BeforeEach
    void start() {
        runtime = new ProcessRuntime();
        me = runtime.attach();
    }

    @AfterEach
    void stop() {
        me.close();
        runtime.close();
    }

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = LunaticMessagingHostTest.class.getResourceAsStream("/wasm/lunatic/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static ProcessBody guest(Engine engine, String export, Object... args) throws Exception {
        WasmModule module = new ModuleLoader().load(fixture("messaging.wasm"), engine);
        return WasmProcess.builder(module, export).args(args).hostFunctions(LunaticHost::importValues).build();
    }

    /** The i64 values of the next report (an untagged DataMessage) a guest sends to this process. */
    private long[] report() {
        Message m = me.receive(msg -> msg.tag() == 0 && msg.payload() instanceof DataMessage, WAIT);
        assertNotNull(m, "no report within " + WAIT);
        ByteBuffer buf = ByteBuffer.wrap(((DataMessage) m.payload()).data()).order(ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[buf.remaining() / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = buf.getLong();
        }
        return values;
    }

    private ExitReason awaitDown(MonitoredPid child) {
        Message down = me.receive(m -> m.payload() instanceof DownMessage d && d.ref().equals(child.ref()), WAIT);
        assertNotNull(down, child.pid() + " did not exit within " + WAIT);
        return ((DownMessage) down.payload()).reason();
    }

    private static String errorMessage(ExitReason reason) {
        return assertInstanceOf(ExitReason.Error.class, reason, () -> "not an error: " + reason).message();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void pingPongBetweenTwoWasmProcesses(Engine engine) throws Exception {
        int rounds = 200;
        MonitoredPid pong = me.spawnMonitor(guest(engine, "pong", rounds));
        MonitoredPid ping = me.spawnMonitor(guest(engine, "ping", pong.pid().serial(), me.self().serial(), rounds));
        assertArrayEquals(new long[] {rounds}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(ping));
        assertEquals(ExitReason.NORMAL, awaitDown(pong));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void selectiveReceiveByTagWithTimeout(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "selective", me.self().serial()));
        assertArrayEquals(new long[] {0}, report()); // ready
        me.send(guest.pid(), 5, new DataMessage(new byte[] {(byte) 0xAA, (byte) 0xBB, (byte) 0xCC}));
        me.send(guest.pid(), 7, new byte[] {0x11});
        // tag 7 first (code 0, its first byte), tag 9 times out (9027), then the tag-5 message:
        // 3 bytes, 2 of them left after seek_data(1)
        assertArrayEquals(new long[] {0, 7, 0x11, LunaticHost.TIMEOUT, 0, 5, 3, 2}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aStringArrivesAsItsUtf8BytesAndOtherJavaPayloadsAreDroppedWithOneWarning(Engine engine) throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger("dev.weft.hostapi");
        logger.addHandler(handler);
        try {
            // a host of its own: it warns once per payload class
            WasmModule module = new ModuleLoader().load(fixture("messaging.wasm"), engine);
            ProcessBody body = LunaticHost.builder().build()
                    .processBody(module, WasmConfig.defaults(), "selective", me.self().serial());
            MonitoredPid guest = me.spawnMonitor(body);
            assertArrayEquals(new long[] {0}, report()); // ready
            me.send(guest.pid(), 5, 42); // an Integer: nothing a guest can read
            me.send(guest.pid(), 7, "A");
            me.send(guest.pid(), 5, 43);
            me.send(guest.pid(), 5, "h\u00e9"); // 3 bytes of UTF-8
            // tag 7 first ("A": 0x41), tag 9 times out, then any message: both Integers are
            // dropped, the tag-5 String arrives: 3 bytes, 2 of them left after seek_data(1)
            assertArrayEquals(new long[] {0, 7, 0x41, LunaticHost.TIMEOUT, 0, 5, 3, 2}, report());
            assertEquals(ExitReason.NORMAL, awaitDown(guest));
            List<String> messages = warnings.stream().map(LogRecord::getMessage).toList();
            assertEquals(1, messages.size(), messages.toString());
            assertTrue(messages.get(0).contains("Wasm process " + guest.pid().serial() + " dropped a message whose"
                    + " payload is a java.lang.Integer"), messages.get(0));
            assertEquals(Level.WARNING, warnings.get(0).getLevel());
        } finally {
            logger.removeHandler(handler);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFailedLinkArrivesAsLinkDiedWhenTrapping(Engine engine) throws Exception {
        Pid crasher = me.spawn(ctx -> {
            ctx.receive();
            throw new IllegalStateException("crash on purpose");
        });
        MonitoredPid guest = me.spawnMonitor(guest(engine, "trap_links", crasher.serial(), me.self().serial()));
        assertArrayEquals(new long[] {0}, report()); // linked and ready
        me.send(crasher, "go");
        assertArrayEquals(new long[] {LunaticHost.LINK_DIED, 42}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aMonitoredProcessEndingArrivesAsProcessDied(Engine engine) throws Exception {
        Pid target = me.spawn(ctx -> ctx.receive());
        MonitoredPid guest = me.spawnMonitor(guest(engine, "monitors", target.serial(), me.self().serial()));
        assertArrayEquals(new long[] {0}, report());
        me.send(target, "stop");
        assertArrayEquals(new long[] {LunaticHost.PROCESS_DIED, 0, target.serial()}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void badPointersTrapOnlyTheGuestThatGaveThem(Engine engine) throws Exception {
        int rounds = 50;
        MonitoredPid pong = me.spawnMonitor(guest(engine, "pong", rounds));

        String write = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "write_out_of_bounds"))));
        assertTrue(write.contains("lunatic::message::write_data: pointer 0x20000 + length 8 is outside the guest's"
                + " memory of 65536 bytes"), write);
        String tags = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "receive_tags_out_of_bounds"))));
        assertTrue(tags.contains("lunatic::message::receive: pointer 0xfff8 + length 16 is outside"), tags);
        String send = errorMessage(awaitDown(me.spawnMonitor(guest(engine, "send_nothing"))));
        assertTrue(send.contains("lunatic::message::send: no message in the scratch area"), send);

        // the neighbour keeps working
        MonitoredPid ping = me.spawnMonitor(guest(engine, "ping", pong.pid().serial(), me.self().serial(), rounds));
        assertArrayEquals(new long[] {rounds}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(ping));
        assertEquals(ExitReason.NORMAL, awaitDown(pong));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void sendReceiveSkipSearchWaitsForTheReplyTag(Engine engine) throws Exception {
        Pid server = me.spawn(ctx -> {
            for (int i = 0; i < 2; i++) {
                Message request = ctx.receive();
                long from = ByteBuffer.wrap(((DataMessage) request.payload()).data())
                        .order(ByteOrder.LITTLE_ENDIAN).getLong();
                byte[] reply = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(from * 10).array();
                ctx.send(new Pid(ctx.self().node(), from), 77, new DataMessage(reply));
            }
        });
        MonitoredPid guest = me.spawnMonitor(guest(engine, "request", server.serial(), me.self().serial()));
        assertArrayEquals(new long[] {0, guest.pid().serial() * 10, LunaticHost.TIMEOUT}, report());
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void timersSendTheScratchMessageLaterUnlessCancelled(Engine engine) throws Exception {
        MonitoredPid guest = me.spawnMonitor(guest(engine, "timers", me.self().serial()));
        assertArrayEquals(new long[] {1, 0, 1, 0}, report());
        Message later = me.receive(m -> m.tag() == 3 || m.tag() == 4, WAIT);
        assertNotNull(later);
        assertEquals(3, later.tag());
        assertEquals(new DataMessage(new byte[0]), later.payload());
        assertEquals(null, me.receive(m -> m.tag() == 4, Duration.ofMillis(100)));
        assertEquals(ExitReason.NORMAL, awaitDown(guest));
    }
}
