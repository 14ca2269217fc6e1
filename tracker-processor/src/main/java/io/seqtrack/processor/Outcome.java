package io.seqtrack.processor;

/**
 * The outcome of {@link EventProcessor#submit}. {@link #safeToAcknowledge()} tells whether the caller may ack the
 * event to its broker, assuming a durable buffer; {@link Submission#acknowledgeable()} is the future to wait for:
 * where the buffer is not durable it waits past {@link #BUFFERED} for the final outcome.
 */
public enum Outcome {
    /** Handled and committed. */
    PROCESSED(true),
    /** Already committed before; skipped, the handler was not called. */
    DUPLICATE(true),
    /**
     * Early: held in the event buffer until its predecessors arrive or the gap policy decides. Safe to ack only if the
     * buffer is durable (Redis); with the in-memory buffer a crash loses it, so keep the broker's copy.
     *
     * <p>{@link #safeToAcknowledge()} is nevertheless {@code true}: a constant cannot know the buffer, and an outcome
     * answers as if the buffer were durable (ADR 0008). Wait for {@link Submission#acknowledgeable()} instead of
     * {@link Submission#accepted()}: on a buffer that is not durable it completes only with the final outcome, never
     * with {@code BUFFERED}.
     */
    BUFFERED(true),
    /**
     * Parked as a sequenced dead letter (handler gave up, gap policy PARK, or the aggregate is blocked). Like
     * {@link #BUFFERED} it is in the buffer, so only as durable as the buffer ({@link EventProcessor#durableBuffer()}).
     */
    PARKED(true),
    /** Skipped by a policy (e.g. gap policy FAIL dropped it, recorded through the listener). */
    SKIPPED(true),
    /**
     * Invalid (missing sequence, unknown domain, …); it would fail the same way again. Record it, then ack;
     * {@link Submission#rejectionReason()} says why.
     */
    REJECTED(true),
    /** Back-pressure: the buffer for this aggregate or in total is full. Nothing was stored: redeliver later. */
    BUFFER_FULL(false);

    private final boolean safeToAcknowledge;

    Outcome(boolean safeToAcknowledge) {
        this.safeToAcknowledge = safeToAcknowledge;
    }

    /**
     * Whether the event is now safely accounted for, so the broker may forget it — if the buffer is durable: it is
     * {@code true} for {@link #BUFFERED} and {@link #PARKED} whatever the buffer. Apply it to the outcome of
     * {@link Submission#acknowledgeable()}, which waits for the final outcome where the buffer is not durable (ADR 0008
     * records why this stays a property of the outcome rather than becoming {@code false} there).
     */
    public boolean safeToAcknowledge() {
        return safeToAcknowledge;
    }
}
