package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import java.util.Objects;

/**
 * A stream entry the runner will not process, with why. It is acknowledged ({@code XACK}) once the
 * {@link StreamRejectionHandler} completed.
 *
 * @param entry  the entry as read
 * @param reason what was wrong, for people
 * @param kind   which kind of rejection
 */
public record StreamRejection(StreamMessage<String, String> entry, String reason, Kind kind) {

    /** Why an entry was rejected. */
    public enum Kind {
        /** The mapper could not map it. */
        UNMAPPABLE,
        /** The processor answered {@code REJECTED}. */
        INVALID_EVENT,
        /** A disabled domain's handler failed on every attempt. */
        HANDLER_FAILED,
        /** Delivered {@code maxDeliveries} times without a safe outcome (the store failing for it, say). */
        DELIVERY_LIMIT
    }

    public StreamRejection {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
    }
}
