package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SkippedRange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What the processor tells its {@link ProcessorListener}s. One record per kind; all carry the aggregate and time. */
public sealed interface ProcessorEvent {

    AggregateKey key();

    Instant at();

    /** An event was handled and committed. */
    record Processed(AggregateKey key, Instant at, long sequence, int attempts, Duration handlerTime, boolean fromBuffer)
            implements ProcessorEvent {
    }

    /** A duplicate was skipped. */
    record Duplicate(AggregateKey key, Instant at, long sequence, long lastCommitted) implements ProcessorEvent {
    }

    /** An early event was buffered. */
    record Buffered(AggregateKey key, Instant at, long sequence, long expected) implements ProcessorEvent {
    }

    /** The buffer was full: the caller got {@link Outcome#BUFFER_FULL}. */
    record BufferFull(AggregateKey key, Instant at, long sequence) implements ProcessorEvent {
    }

    /** A gap opened: sequences {@code from..to} are missing. */
    record GapOpened(AggregateKey key, Instant at, long from, long to) implements ProcessorEvent {
    }

    /** The gap filled; buffered successors were drained. */
    record GapClosed(AggregateKey key, Instant at, Duration open) implements ProcessorEvent {
    }

    /** The gap outlived the domain's gap timeout and the gap policy acted. */
    record GapTimedOut(AggregateKey key, Instant at, long from, long to, String policy) implements ProcessorEvent {
    }

    /** A handler failed and will be retried after {@code delay}. */
    record Retried(AggregateKey key, Instant at, long sequence, int failedAttempt, Duration delay, String error)
            implements ProcessorEvent {
    }

    /** An event was parked; the aggregate is blocked until an operator acts. */
    record Parked(AggregateKey key, Instant at, long sequence, String reason) implements ProcessorEvent {
    }

    /** A range was skipped (gap policy SKIP or an operator) and recorded durably. */
    record Skipped(AggregateKey key, Instant at, SkippedRange range) implements ProcessorEvent {
    }

    /** Buffered events were dropped by gap policy FAIL; they are listed here, so nothing disappears silently. */
    record GapFailed(AggregateKey key, Instant at, List<Long> sequences, String reason) implements ProcessorEvent {
    }

    /** An invalid event was rejected. */
    record Rejected(AggregateKey key, Instant at, String error) implements ProcessorEvent {
    }

    /** A worker's commit answered CLAIM_LOST: its lease had run out and another worker took over. */
    record Fenced(AggregateKey key, Instant at, long sequence, long fencingToken) implements ProcessorEvent {
    }

    /** An operator action through the admin API. */
    record AdminAction(AggregateKey key, Instant at, String action, String detail) implements ProcessorEvent {
    }
}
