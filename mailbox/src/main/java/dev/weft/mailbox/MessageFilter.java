package dev.weft.mailbox;

import java.util.Arrays;
import java.util.function.Predicate;

/** Chooses which message a selective receive takes; the others stay in the mailbox, in order. */
@FunctionalInterface
public interface MessageFilter {

    boolean matches(Message message);

    /** Matches every message. */
    static MessageFilter any() {
        return Any.INSTANCE;
    }

    /** Matches messages whose tag is one of {@code tags}. */
    static MessageFilter tags(long... tags) {
        if (tags.length == 1) {
            long only = tags[0];
            return message -> message.tag() == only;
        }
        long[] sorted = tags.clone();
        Arrays.sort(sorted);
        return message -> Arrays.binarySearch(sorted, message.tag()) >= 0;
    }

    /** Matches messages whose payload satisfies {@code predicate}. */
    static MessageFilter payload(Predicate<Object> predicate) {
        return message -> predicate.test(message.payload());
    }

    /** Matches messages whose payload is an instance of {@code type}. */
    static MessageFilter payloadOf(Class<?> type) {
        return message -> type.isInstance(message.payload());
    }

    /** The filter that matches everything; receive takes a faster path for it. */
    enum Any implements MessageFilter {
        INSTANCE;

        @Override
        public boolean matches(Message message) {
            return true;
        }
    }
}
