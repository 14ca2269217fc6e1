package io.seqtrack.core.domain;

/**
 * Thrown by {@code TrackingDecision.requireInOrder()} for callers who prefer exceptions to verdicts: the event's
 * sequence was already committed. The event must be skipped, not handled.
 */
public final class DuplicateEventException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final AggregateKey key;
    private final long sequence;
    private final long lastCommitted;

    private DuplicateEventException(AggregateKey key, long sequence, long lastCommitted) {
        super("duplicate event: " + key + " sequence " + sequence + " is not above the last committed "
                + lastCommitted);
        this.key = key;
        this.sequence = sequence;
        this.lastCommitted = lastCommitted;
    }

    /** Creates the exception for {@code sequence <= lastCommitted}. */
    public static DuplicateEventException of(AggregateKey key, long sequence, long lastCommitted) {
        return new DuplicateEventException(key, sequence, lastCommitted);
    }

    public AggregateKey key() {
        return key;
    }

    public long sequence() {
        return sequence;
    }

    public long lastCommitted() {
        return lastCommitted;
    }
}
