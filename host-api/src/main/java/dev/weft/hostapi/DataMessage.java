package dev.weft.hostapi;

import java.util.Arrays;
import java.util.Objects;

/**
 * The payload of a Lunatic data message (what a guest builds with {@code create_data} /
 * {@code write_data} and sends with {@code send}); the message's tag travels as the mailbox tag.
 * Java code that talks to Wasm processes sends and receives these; a bare {@code byte[]} payload is
 * accepted by a Wasm process's {@code receive} as well.
 *
 * <p>The array is owned by the message: the host never changes it after sending, and receivers
 * must not change it either.
 */
public record DataMessage(byte[] data) {

    public DataMessage {
        Objects.requireNonNull(data, "data");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DataMessage m && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "DataMessage[" + data.length + " bytes]";
    }
}
