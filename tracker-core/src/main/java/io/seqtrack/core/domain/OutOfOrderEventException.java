package io.seqtrack.core.domain;

/**
 * Thrown by {@code TrackingDecision.requireInOrder()} for callers who prefer exceptions to verdicts: the event
 * arrived before its predecessor ({@code actual > expected}). Retry it once the gap is filled.
 */
public final class OutOfOrderEventException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final AggregateKey key;
    private final long expected;
    private final long actual;

    private OutOfOrderEventException(AggregateKey key, long expected, long actual) {
        super("out-of-order event: " + key + " expected sequence " + expected + " but got " + actual);
        this.key = key;
        this.expected = expected;
        this.actual = actual;
    }

    /** Creates the exception for an event whose sequence {@code actual} is beyond the {@code expected} next one. */
    public static OutOfOrderEventException of(AggregateKey key, long expected, long actual) {
        return new OutOfOrderEventException(key, expected, actual);
    }

    public AggregateKey key() {
        return key;
    }

    /** The next sequence the aggregate is waiting for. */
    public long expected() {
        return expected;
    }

    /** The sequence the event carried. */
    public long actual() {
        return actual;
    }
}
