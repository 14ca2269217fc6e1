package io.seqtrack.processor;

/**
 * The final outcome of {@link EventProcessor#submit}. {@link #safeToAcknowledge()} tells whether the caller may ack
 * the event to its broker.
 */
public enum Outcome {
    /** Handled and committed. */
    PROCESSED(true),
    /** Already committed before; skipped, the handler was not called. */
    DUPLICATE(true),
    /**
     * Early: held in the event buffer until its predecessors arrive or the gap policy decides. Safe to ack only if the
     * buffer is durable (Redis); with the in-memory buffer a crash loses it, so keep the broker's copy.
     */
    BUFFERED(true),
    /** Parked as a sequenced dead letter (handler gave up, gap policy PARK, or the aggregate is blocked). */
    PARKED(true),
    /** Skipped by a policy (e.g. gap policy FAIL dropped it, recorded through the listener). */
    SKIPPED(true),
    /** Invalid (missing sequence, unknown domain, …); it would fail the same way again. Record it, then ack. */
    REJECTED(true),
    /** Back-pressure: the buffer for this aggregate or in total is full. Nothing was stored: redeliver later. */
    BUFFER_FULL(false);

    private final boolean safeToAcknowledge;

    Outcome(boolean safeToAcknowledge) {
        this.safeToAcknowledge = safeToAcknowledge;
    }

    /** Whether the event is now safely accounted for, so the broker may forget it. See {@link #BUFFERED}. */
    public boolean safeToAcknowledge() {
        return safeToAcknowledge;
    }
}
