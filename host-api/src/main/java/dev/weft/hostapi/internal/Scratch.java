package dev.weft.hostapi.internal;

import dev.weft.hostapi.DataMessage;
import dev.weft.hostapi.LunaticHost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A process's scratch message (Lunatic's "scratch area"): the data message being built after
 * {@code create_data}, or the last message {@code receive} took (data, link died or process died).
 */
final class Scratch {
    private static final byte[] EMPTY = new byte[0];

    final int kind; // LunaticHost.DATA, LINK_DIED or PROCESS_DIED
    final long tag;
    final long processId; // of the process that died, for PROCESS_DIED
    private final Object signal; // the ExitMessage / DownMessage, sent on as is if the guest sends it
    byte[] buffer;
    int size;
    int cursor;
    private boolean shared; // the buffer belongs to a received message: copy it before writing
    List<Object> resources = List.of(); // pushed (being built) or still to take (received); taken = null

    private Scratch(int kind, long tag, long processId, Object signal, byte[] buffer, int size, boolean shared) {
        this.kind = kind;
        this.tag = tag;
        this.processId = processId;
        this.signal = signal;
        this.buffer = buffer;
        this.size = size;
        this.shared = shared;
    }

    /** A new data message to build, with room for {@code capacity} bytes (a hint). */
    static Scratch building(long tag, int capacity) {
        return new Scratch(LunaticHost.DATA, tag, 0, null, new byte[capacity], 0, false);
    }

    /** A received data message of {@code bytes} (not copied: the message owns them). */
    static Scratch received(long tag, byte[] bytes, List<Object> resources) {
        Scratch s = new Scratch(LunaticHost.DATA, tag, 0, null, bytes, bytes.length, true);
        if (!resources.isEmpty()) {
            s.resources = new ArrayList<>(resources);
        }
        return s;
    }

    /** A received signal message: "link died" with the link's tag, or "process died" of {@code processId}. */
    static Scratch signal(int kind, long tag, long processId, Object signal) {
        return new Scratch(kind, tag, processId, signal, EMPTY, 0, true);
    }

    boolean isData() {
        return kind == LunaticHost.DATA;
    }

    /** Appends {@code bytes}, growing (or first copying a received) buffer. */
    void append(byte[] bytes) {
        int needed = size + bytes.length;
        if (needed < 0) {
            throw new OutOfMemoryError("message larger than 2 GiB");
        }
        if (shared || needed > buffer.length) {
            int capacity = Math.max(needed, buffer.length < (1 << 29) ? buffer.length * 2 : needed);
            buffer = Arrays.copyOf(buffer, Math.max(capacity, 16));
            shared = false;
        }
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size = needed;
    }

    /** Adds a resource to send with the message; returns its index. */
    int push(Object resource) {
        if (shared || !(resources instanceof ArrayList)) {
            resources = new ArrayList<>(resources);
        }
        resources.add(resource);
        return resources.size() - 1;
    }

    /** What sending this message sends: a {@link DataMessage}, or the signal message as received. */
    Object payload() {
        return isData() ? new DataMessage(size == buffer.length ? buffer : Arrays.copyOf(buffer, size), resources)
                : signal;
    }
}
