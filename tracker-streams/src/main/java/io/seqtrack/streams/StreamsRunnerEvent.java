package io.seqtrack.streams;

import io.seqtrack.processor.Outcome;

/** What a {@link StreamsConsumerRunner} tells its listeners. */
public sealed interface StreamsRunnerEvent {

    /** The entry was acknowledged ({@code XACK}) after a safe outcome. */
    record Acknowledged(String entryId, Outcome outcome) implements StreamsRunnerEvent {
    }

    /** The entry went to the rejection handler and was acknowledged. */
    record Rejected(StreamRejection rejection) implements StreamsRunnerEvent {
    }

    /** No safe outcome ({@code BUFFER_FULL}, the store failing closed): the entry stays pending for a later takeover. */
    record LeftPending(String entryId, String reason) implements StreamsRunnerEvent {
    }

    /** An idle pending entry was taken over ({@code XCLAIM}) from {@code from}; this is delivery {@code delivery}. */
    record Claimed(String entryId, String from, long delivery) implements StreamsRunnerEvent {
    }

    /**
     * A pending entry no longer exists in the stream (trimmed or deleted before it was acknowledged): its event is lost
     * to this consumer group — a gap the aggregate's gap policy will meet. Redis drops it from the pending list.
     */
    record TrimmedWhilePending(String entryId, String consumer, long deliveries) implements StreamsRunnerEvent {
    }
}
