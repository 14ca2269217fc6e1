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

    /**
     * No safe outcome ({@code BUFFER_FULL}, the store failing closed, the rejection handler or the {@code XACK}
     * failing): the entry stays pending, kept fresh, and this runner tries again after {@code retryDelay} — it is not
     * left to idle into a takeover.
     */
    record LeftPending(String entryId, String reason) implements StreamsRunnerEvent {
    }

    /** An idle pending entry was taken over ({@code XCLAIM}) from {@code from}; this is delivery {@code delivery}. */
    record Claimed(String entryId, String from, long delivery) implements StreamsRunnerEvent {
    }

    /**
     * An entry this runner still worked on was taken over by consumer {@code owner} — this runner was stalled past
     * {@code claimIdle} (a GC pause, SIGSTOP) and missed its refreshes. The owner-checked refresh leaves it to the peer
     * instead of taking it back: no longer refreshed nor retried here; a submission of it still in the processor is
     * let finish and acknowledged only on a safe outcome (the event committed or a duplicate).
     */
    record TakenOverByPeer(String entryId, String owner) implements StreamsRunnerEvent {
    }

    /**
     * A pending entry no longer exists in the stream (trimmed or deleted before it was acknowledged): its event is lost
     * to this consumer group — a gap the aggregate's gap policy will meet. The takeover that found it drops it from the
     * pending list, so one consumer reports it once. An entry a peer took over, refreshed or acknowledged between this
     * runner's scan and its claim is no gap and is not reported.
     */
    record TrimmedWhilePending(String entryId, String consumer, long deliveries) implements StreamsRunnerEvent {
    }

    /**
     * The consumer group was gone ({@code NOGROUP}: deleted, or Redis restarted without persistence) and this runner
     * created it again from the start of the stream: everything in the stream is delivered again, and what was
     * handled before is answered {@code DUPLICATE} by the store.
     */
    record GroupRecreated(String group) implements StreamsRunnerEvent {
    }
}
