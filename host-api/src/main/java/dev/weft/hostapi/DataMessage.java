package dev.weft.hostapi;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The payload of a Lunatic data message (what a guest builds with {@code create_data} /
 * {@code write_data} and sends with {@code send}); the message's tag travels as the mailbox tag.
 * Java code that talks to Wasm processes sends and receives these; a bare {@code byte[]} payload is
 * accepted by a Wasm process's {@code receive} as well, and a {@code String} arrives as its UTF-8
 * bytes. Other payloads mean nothing to a guest: they are dropped, with a warning (see
 * {@link LunaticHost}).
 *
 * <p>{@code resources} are what the guest attached with {@code push_*} (today only modules,
 * {@link dev.weft.process.wasm.WasmModule}), by index; the receiver takes them with
 * {@code take_*}.
 *
 * <p>The array is owned by the message: the host never changes it after sending, and receivers
 * must not change it either.
 */
public record DataMessage(byte[] data, List<Object> resources) {

    public DataMessage {
        Objects.requireNonNull(data, "data");
        resources = List.copyOf(resources);
    }

    /** A message of bytes only. */
    public DataMessage(byte[] data) {
        this(data, List.of());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DataMessage m && Arrays.equals(m.data, data) && m.resources.equals(resources);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + resources.hashCode();
    }

    @Override
    public String toString() {
        return "DataMessage[" + data.length + " bytes" + (resources.isEmpty() ? "" : ", " + resources.size() + " resources")
                + "]";
    }
}
