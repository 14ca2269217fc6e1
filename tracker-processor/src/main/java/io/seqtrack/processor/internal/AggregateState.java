package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.processor.ProcessorScheduler;
import java.time.Instant;

/** Lane-confined state of one aggregate; no I/O. Only its lane reads and writes it, so it needs no locks. */
final class AggregateState {

    final AggregateKey key;
    /** Parked events block the aggregate (sequenced dead letters): later events park behind them. */
    boolean blocked;
    /** Retries and busy waits scheduled for this aggregate; while any is, later submissions wait in {@link #queue}. */
    int deferred;
    /** Submissions not yet run, in arrival order; {@link AggregateQueue#takeNext} is the next it contributes to a batch. */
    final AggregateQueue queue = new AggregateQueue();
    /** When the current gap's clock started, or null while no gap is open. */
    Instant gapOpenedAt;
    /** The first missing sequence when the gap clock (re)started: if it moved, the gap made progress. */
    long gapFrom;
    /**
     * Sticky ownership: the claim of this aggregate's next sequence, made together with the commit of the previous one
     * because that next event was already queued here; the next batch uses it instead of claiming. Null when none.
     */
    io.seqtrack.core.port.in.ClaimDecision held;
    /**
     * Until when (scheduler clock, ms) {@link #held} may be used: taken from a clock read before the claim was sent,
     * minus a margin, so a pause or a slow answer can only shorten it — past it the claim is asked for again.
     */
    long heldUntilMillis;
    /** The buffer holds pending events of it that no gap here waits for (buffered elsewhere, or before a restart). */
    boolean pendingSeen;
    ProcessorScheduler.Cancellable gapTimer;
    ProcessorScheduler.Cancellable recheck;
    /** A gap skip sent but not answered (unknown outcome): its retry sends this very record. */
    SkippedRange pendingSkip;
    /** {@code key.toString()} for the MDC, made once per aggregate instead of once per event. */
    private String label;

    AggregateState(AggregateKey key) {
        this.key = key;
    }

    String label() {
        String l = label;
        if (l == null) {
            l = key.toString();
            label = l;
        }
        return l;
    }

    /** Whether the head of {@link #queue} may join a batch now. */
    boolean ready() {
        return deferred == 0 && !queue.isEmpty();
    }

    /** The held claim if it is for {@code sequence} and may still be used at {@code nowMillis}; else null. */
    io.seqtrack.core.port.in.ClaimDecision heldFor(long sequence, long nowMillis) {
        return held != null && held.sequence() == sequence && nowMillis < heldUntilMillis ? held : null;
    }

    boolean gapOpen() {
        return gapOpenedAt != null;
    }

    /** Nothing about it is pending: its state may be forgotten (it holds nothing the store does not know). */
    boolean idle() {
        return !blocked && gapTimer == null && recheck == null && deferred == 0 && queue.isEmpty()
                && pendingSkip == null && gapOpenedAt == null && !pendingSeen && held == null;
    }
}
