package dev.weft.hostapi.internal;

import static dev.weft.hostapi.LunaticHost.DATA;
import static dev.weft.hostapi.LunaticHost.LINK_DIED;
import static dev.weft.hostapi.LunaticHost.PROCESS_DIED;
import static dev.weft.hostapi.LunaticHost.TIMEOUT;
import static dev.weft.hostapi.internal.GuestMemory.range;
import static dev.weft.hostapi.internal.GuestMemory.trap;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.internal.abi.LunaticMessageAbi;
import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.mailbox.ReceiveMark;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.wasm.WasmModule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code lunatic::message}: data messages built in the process's scratch message and sent, and
 * {@code receive} (selective by tags, with a timeout) into it. Modules travel in messages; TCP, TLS
 * and UDP resources do not yet (no networking), so their {@code push_*} and {@code take_*} trap as
 * not implemented.
 *
 * <p>What a guest receives: {@link DataMessage} and {@code byte[]} payloads as data, a
 * {@code String} as a data message of its UTF-8 bytes, a trapped exit signal from a failed link as
 * "link died" (links that ended normally are dropped, as in Lunatic), a {@link DownMessage} as
 * "process died". Any other payload means nothing to a guest: it is dropped, with one warning per
 * payload class and node ({@link NodeHost#droppedUnreadable}).
 */
public final class MessageFunctions implements LunaticMessageAbi {

    private final GuestProcess process;

    public MessageFunctions(GuestProcess process) {
        this.process = process;
    }

    @Override
    public void createData(long tag, long bufferCapacity) {
        int initial = bufferCapacity <= 0 ? 16 : (int) Math.min(bufferCapacity, 1 << 20);
        process.setScratch(Scratch.building(tag, initial));
    }

    @Override
    public int writeData(Instance instance, int dataPtr, int dataLen) {
        long len = Integer.toUnsignedLong(dataLen);
        Memory memory = range(instance, WRITE_DATA, dataPtr, len);
        Scratch s = process.dataScratch(WRITE_DATA);
        int limit = process.config.maxMessageBytes();
        if (s.size + len > limit) {
            throw trap(WRITE_DATA, "the message would be " + (s.size + len) + " bytes, more than the limit of "
                    + limit + " bytes");
        }
        s.append(memory.readBytes(dataPtr, (int) len));
        return (int) len;
    }

    @Override
    public int readData(Instance instance, int dataPtr, int dataLen) {
        long len = Integer.toUnsignedLong(dataLen);
        Memory memory = range(instance, READ_DATA, dataPtr, len);
        Scratch s = process.dataScratch(READ_DATA);
        int n = (int) Math.min(len, s.size - s.cursor);
        if (n > 0) {
            memory.write(dataPtr, s.buffer, s.cursor, n);
            s.cursor += n;
        }
        return n;
    }

    @Override
    public void seekData(long index) {
        Scratch s = process.dataScratch(SEEK_DATA);
        s.cursor = index < 0 || index > s.size ? s.size : (int) index;
    }

    @Override
    public long getTag() {
        Scratch s = process.scratchOrNull();
        return s == null ? 0 : s.tag;
    }

    @Override
    public long getProcessId() {
        Scratch s = process.scratchOrNull();
        return s == null || s.kind != PROCESS_DIED ? 0 : s.processId;
    }

    @Override
    public long dataSize() {
        Scratch s = process.scratch(DATA_SIZE);
        return s.isData() ? s.size : 0;
    }

    @Override
    public long pushModule(long moduleId) {
        Scratch s = process.dataScratch(PUSH_MODULE);
        return s.push(process.modules.get(PUSH_MODULE, moduleId));
    }

    @Override
    public long takeModule(long index) {
        Scratch s = process.dataScratch(TAKE_MODULE);
        if (index < 0 || index >= s.resources.size() || !(s.resources.get((int) index) instanceof WasmModule module)) {
            throw trap(TAKE_MODULE, "the message carries no module at index " + Long.toUnsignedString(index));
        }
        s.resources.set((int) index, null); // taken: moved into this process
        return process.modules.add(module);
    }

    @Override
    public int send(long processId) {
        sendScratch(SEND, processId);
        return 0;
    }

    @Override
    public int sendReceiveSkipSearch(long processId, long waitOnTag, long timeoutDuration) {
        return sendAndAwaitReply(SEND_RECEIVE_SKIP_SEARCH, processId, waitOnTag, timeoutDuration);
    }

    @Override
    public int receive(Instance instance, int tagPtr, int tagLen, long timeoutDuration) {
        long count = Integer.toUnsignedLong(tagLen);
        Memory memory = range(instance, RECEIVE, tagPtr, count * 8);
        long[] tags = new long[(int) count];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = memory.readLong(tagPtr + 8 * i);
        }
        return receive(tags, Timeouts.of(timeoutDuration));
    }

    /** Consumes the scratch message and sends it to the guest id {@code to}; traps {@code function} if none. */
    void sendScratch(String function, long to) {
        Scratch s = process.takeScratch(function);
        process.ctx.send(process.pid(to), s.tag, s.payload());
    }

    /**
     * Sends the scratch message to {@code to}, then waits for the first message tagged
     * {@code replyTag} that arrives after the send (Lunatic's skip search: the messages queued
     * before are not looked at, so a flood in the mailbox does not slow a request); 0, or TIMEOUT.
     */
    int sendAndAwaitReply(String function, long to, long replyTag, long timeoutMillis) {
        ReceiveMark beforeSend = process.ctx.markMailbox();
        sendScratch(function, to);
        int code = receive(beforeSend, new long[] {replyTag}, Timeouts.of(timeoutMillis));
        return code == TIMEOUT ? TIMEOUT : 0;
    }

    /**
     * Takes the first message (matching one of {@code tags}, if any are given; untagged messages
     * never match a tag) into the scratch area and returns its code, or TIMEOUT.
     */
    private int receive(long[] tags, Duration timeout) {
        return receive(null, tags, timeout);
    }

    /** The same, among the messages that arrived after {@code mark} if it is not null. */
    private int receive(ReceiveMark mark, long[] tags, Duration timeout) {
        MessageFilter filter;
        if (tags.length == 0) {
            filter = MessageFilter.any();
        } else {
            long[] sorted = tags.clone();
            Arrays.sort(sorted);
            filter = msg -> msg.tag() != Message.UNTAGGED && Arrays.binarySearch(sorted, msg.tag()) >= 0;
        }
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        while (true) {
            Message msg;
            Duration left = timeout == null ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (mark != null) {
                msg = process.ctx.receiveAfter(mark, filter, left);
            } else {
                msg = left == null ? process.ctx.receive(filter) : process.ctx.receive(filter, left);
            }
            if (msg == null) {
                return TIMEOUT;
            }
            int code = take(msg);
            if (code >= 0) {
                return code;
            }
        }
    }

    /** Puts {@code msg} into the scratch area and returns its receive code, or -1 if the guest does not see it. */
    private int take(Message msg) {
        Object payload = msg.payload();
        if (payload instanceof DataMessage data) {
            process.setScratch(Scratch.received(msg.tag(), data.data(), data.resources()));
            return DATA;
        }
        if (payload instanceof byte[] bytes) {
            process.setScratch(Scratch.received(msg.tag(), bytes, List.of()));
            return DATA;
        }
        if (payload instanceof String text) {
            process.setScratch(Scratch.received(msg.tag(), text.getBytes(StandardCharsets.UTF_8), List.of()));
            return DATA;
        }
        if (payload instanceof ExitMessage exit) {
            if (exit.reason().isNormal()) {
                return -1; // Lunatic ignores links that end normally
            }
            process.setScratch(Scratch.signal(LINK_DIED, msg.tag(), 0, exit));
            return LINK_DIED;
        }
        if (payload instanceof DownMessage down) {
            process.monitors.remove(down.pid(), down.ref());
            process.setScratch(Scratch.signal(PROCESS_DIED, Message.UNTAGGED, down.pid().serial(), down));
            return PROCESS_DIED;
        }
        process.node.droppedUnreadable(process.ctx.self().serial(), payload);
        return -1;
    }
}
