package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.processor.ProcessorScheduler;
import java.time.Instant;
import java.util.ArrayDeque;

/** Lane-confined state of one aggregate; no I/O. Only its lane reads and writes it, so it needs no locks. */
final class AggregateState {

    final AggregateKey key;
    /** Parked events block the aggregate (sequenced dead letters): later events park behind them. */
    boolean blocked;
    /** Retries and busy waits scheduled for this aggregate; while any is, later submissions wait in {@link #queue}. */
    int deferred;
    /** Submissions not yet run, in arrival order; the head is the next this aggregate contributes to a batch. */
    final ArrayDeque<Work> queue = new ArrayDeque<>();
    /** When the current gap's clock started, or null while no gap is open. */
    Instant gapOpenedAt;
    /** The first missing sequence when the gap clock (re)started: if it moved, the gap made progress. */
    long gapFrom;
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

    boolean gapOpen() {
        return gapOpenedAt != null;
    }

    /** Nothing about it is pending: its state may be forgotten (it holds nothing the store does not know). */
    boolean idle() {
        return !blocked && gapTimer == null && recheck == null && deferred == 0 && queue.isEmpty()
                && pendingSkip == null && gapOpenedAt == null && !pendingSeen;
    }
}
