package dev.weft.mailbox;

/**
 * One message in a mailbox: a tag for selective receive (0 means untagged) and a payload.
 *
 * <p>The payload is whatever the sender handed over: a Java object between Java processes, a
 * byte buffer (with its resources) for Wasm processes, or a notification from the runtime such
 * as an exit or a monitor's down message.
 */
public record Message(long tag, Object payload) {

    /** The tag of a message that was sent without one. */
    public static final long UNTAGGED = 0;

    /** An untagged message. */
    public static Message of(Object payload) {
        return new Message(UNTAGGED, payload);
    }
}
