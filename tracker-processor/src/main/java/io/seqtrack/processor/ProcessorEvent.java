package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SkippedRange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the processor tells its {@link ProcessorListener}s. One record per kind; all carry the time and the aggregate
 * (a {@link Rejected} event only if the event names one of a registered domain).
 *
 * <p>The two that report an event leaving the flow without being handled — {@link Rejected} and {@link Parked} — also
 * carry the {@link Submission#attachment() attachment} of the submission they are about, when this processor received
 * the event from a submission with one: a listener can write a dead-letter record naming the caller's source (an input
 * line, a broker offset) without keeping a map from events to their sources.
 */
public sealed interface ProcessorEvent {

    /** The aggregate; {@code null} only for a {@link Rejected} event that names no aggregate of a registered domain. */
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

    /**
     * An event was parked; the aggregate is blocked until an operator acts.
     *
     * @param attachment the attachment of the event's submission to this processor (also when it waited in the buffer
     *                   first); empty when it was submitted without one, buffered by another worker or replayed by an
     *                   operator
     */
    record Parked(AggregateKey key, Instant at, long sequence, String reason, Optional<Object> attachment)
            implements ProcessorEvent {

        public Parked {
            attachment = Objects.requireNonNullElse(attachment, Optional.empty());
        }

        /** A parked event without an attachment. */
        public Parked(AggregateKey key, Instant at, long sequence, String reason) {
            this(key, at, sequence, reason, Optional.empty());
        }
    }

    /** A range was skipped (gap policy SKIP or an operator) and recorded durably. */
    record Skipped(AggregateKey key, Instant at, SkippedRange range) implements ProcessorEvent {
    }

    /** Buffered events were dropped by gap policy FAIL; they are listed here, so nothing disappears silently. */
    record GapFailed(AggregateKey key, Instant at, List<Long> sequences, String reason) implements ProcessorEvent {
    }

    /**
     * An invalid event was rejected: its submission completes with {@link Outcome#REJECTED}, and
     * {@link Submission#rejectionReason()} gives the same {@code error}.
     *
     * @param key        the aggregate, if the event names a valid aggregate of a registered domain; {@code null}
     *                   otherwise (a blank or oversized id, an unknown domain): never made up, and never a name that
     *                   only the input vouches for — {@link #event()} has the fields as submitted
     * @param error      why, naming the field
     * @param event      the event as submitted ({@code null} only if {@code null} was submitted)
     * @param attachment the submission's attachment, if the caller gave one
     */
    record Rejected(AggregateKey key, Instant at, String error, Event event, Optional<Object> attachment)
            implements ProcessorEvent {

        public Rejected {
            attachment = Objects.requireNonNullElse(attachment, Optional.empty());
        }
    }

    /** A worker's commit answered CLAIM_LOST: its lease had run out and another worker took over. */
    record Fenced(AggregateKey key, Instant at, long sequence, long fencingToken) implements ProcessorEvent {
    }

    /** An operator action through the admin API. */
    record AdminAction(AggregateKey key, Instant at, String action, String detail) implements ProcessorEvent {
    }
}
