package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.in.ClaimDecision;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Sticky ownership on one lane (lane-confined): the claims of aggregates' next sequences that commits made together with
 * the previous one ({@link Committer}), held on the aggregates' states for the next batch, and given back when the lane
 * runs out of ready work, closes, or an operator acts on the aggregate.
 */
final class HeldClaims {

    private final Lane lane;
    private final Shared shared;
    /** Aggregates whose next sequence's claim this lane holds. */
    private final LinkedHashSet<AggregateKey> holding = new LinkedHashSet<>();

    HeldClaims(Lane lane) {
        this.lane = lane;
        this.shared = lane.shared;
    }

    /**
     * The queued event right after {@code work} in its aggregate's order, if it waits here already (among the first
     * few queued): then the commit of {@code work} may claim it too.
     */
    Work nextAtHand(Work work) {
        if (!work.tracked() || shared.lifecycle.closed()) {
            return null;
        }
        int scanned = 0;
        for (Work queued : lane.state(work.key()).queue) {
            if (++scanned > AggregateQueue.REORDER_WINDOW) {
                break;
            }
            if (queued.origin() == Work.Origin.SUBMITTED && queued.sequence() == work.sequence() + 1) {
                return queued;
            }
        }
        return null;
    }

    /**
     * The last committed sequence if {@code work} is a duplicate by this lane's own view, else empty. While the lane holds
     * an unexpired claim on the aggregate, its view of the last committed sequence is the store's: another worker's
     * claim meets BUSY, an {@code advance} can only raise it (a duplicate below the view stays one), and an operator's
     * reset or delete revokes the claim and waits until it has expired by the store's clock before acting (invariant
     * 10). The local deadline was taken before the claim was sent, a quarter of the lease short of it, and the clock is
     * read after the event arrived: a pause before this check can only make the answer go to the store.
     */
    java.util.OptionalLong knownDuplicate(Work work) {
        if (holding.isEmpty() || !work.tracked() || work.origin() == Work.Origin.REPLAY) {
            return java.util.OptionalLong.empty();
        }
        AggregateState state = lane.state(work.key());
        ClaimDecision held = state.held;
        if (held == null || work.sequence() > held.lastCommitted()
                || shared.scheduler.deadlineMillis() >= state.heldUntilMillis) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(held.lastCommitted());
    }

    /**
     * Per work, the held claim it may use now (taken off its aggregate's state), or null; {@code deadlines} receives
     * each used claim's local deadline.
     */
    ClaimDecision[] take(List<Work> works, long[] deadlines) {
        ClaimDecision[] held = new ClaimDecision[works.size()];
        if (holding.isEmpty()) {
            return held; // nothing held on this lane: no state to look at
        }
        long now = shared.scheduler.deadlineMillis();
        for (int n = 0; n < works.size(); n++) {
            Work work = works.get(n);
            AggregateState state = lane.state(work.key());
            if (state.held == null || work.origin() == Work.Origin.REPLAY) {
                continue;
            }
            held[n] = state.heldFor(work.sequence(), now);
            deadlines[n] = state.heldUntilMillis;
            if (held[n] != null || now >= state.heldUntilMillis) {
                // used now, or too old to trust: a new claim by this worker replaces it in the store
                state.held = null;
                holding.remove(work.key());
            }
        }
        return held;
    }

    /** Records that {@code state} now holds a claim (set by the caller). */
    void add(AggregateState state) {
        holding.add(state.key);
    }

    /** Gives a held claim back (best effort: if the store cannot answer, its lease runs out). */
    void release(AggregateState state) {
        ClaimDecision held = state.held;
        if (held == null) {
            return;
        }
        state.held = null;
        holding.remove(state.key);
        try {
            shared.tracker.release(held);
        } catch (SequenceTrackingException e) {
            shared.storeFailed();
        }
    }

    void releaseAll() {
        for (AggregateKey key : List.copyOf(holding)) {
            release(lane.state(key));
        }
    }
}
