package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a gap's clock runs out: first whether the gap is really stuck (it may have shrunk, its missing
 * event may be in flight or parked, the store may just have failed), then the domain's {@link GapPolicy} — PARK, SKIP
 * or FAIL, one strategy each. Whatever it decides, it acts only while the processor is open (invariant 14).
 */
final class GapTimeouts {

    private static final Logger log = LoggerFactory.getLogger(GapTimeouts.class);

    private final Lane lane;
    private final Shared shared;
    private final Gaps gaps;

    GapTimeouts(Lane lane, Gaps gaps) {
        this.lane = lane;
        this.shared = lane.shared;
        this.gaps = gaps;
    }

    void gapTimedOut(AggregateKey key) {
        if (shared.lifecycle.closed()) {
            return;
        }
        AggregateState state = lane.state(key);
        state.gapTimer = null;
        boolean drainAfter;
        try {
            drainAfter = shared.lifecycle.whileOpen(() -> decide(state));
        } catch (RuntimeException e) {
            shared.storeFailed();
            log.warn("seqtrack: gap timeout of {} could not act ({}); retrying", key, e.toString());
            retryLater(state);
            return;
        }
        if (drainAfter) {
            gaps.drain(key); // outside the lock: close() never waits for the handlers a drain runs
        }
    }

    /**
     * What the gap timer decides and does, under the lifecycle read lock; never runs a handler itself.
     *
     * @return whether the aggregate's buffered successors should be drained now
     */
    private boolean decide(AggregateState state) {
        AggregateKey key = state.key;
        DomainRegistration registration = shared.registry.lookup(key.domain());
        List<BufferedEvent> pending = shared.buffer.pending(key);
        if (pending.isEmpty()) {
            gaps.closeGap(key);
            return false;
        }
        long last = shared.tracker.lastCommitted(key);
        long from = last + 1;
        long to = pending.get(0).sequence() - 1;
        if (to < from) {
            gaps.closeGap(key);
            return true;
        }
        if (from != state.gapFrom) {
            // predecessors were committed since the timer started (seen here first when neither a wake-up nor a
            // recheck drained in between): the gap is shrinking, not stuck
            gaps.startGapClock(state, registration, from);
            return false;
        }
        Instant failure = shared.lastStoreFailure();
        if (failure != null && Duration.between(failure, shared.now()).compareTo(registration.gapTimeout()) < 0) {
            // the store failed recently: the missing event may be waiting at the broker for a redelivery that
            // failed closed. An outage is not the producer's gap — the timeout counts only time the store answered
            retryLater(state);
            return false;
        }
        if (state.deferred > 0 || shared.tracker.activeClaim(key).isPresent()) {
            // the missing event is in flight — retrying here, or held under a valid lease by another worker:
            // it is late, not lost, so the policy must not act yet
            retryLater(state);
            return false;
        }
        if (!shared.buffer.parked(key).isEmpty()) {
            // the missing sequence is parked, not lost: wait behind it instead of applying the gap policy
            lane.parking.parkAllPending(key, "blocked behind parked events");
            lane.parking.block(key);
            gaps.closeGap(key);
            return false;
        }
        String reason = "gap #" + from + ".." + to + " not filled within " + registration.gapTimeout();
        return switch (registration.gapPolicy()) {
            case SKIP -> skip(state, registration, from, to, reason);
            case FAIL -> fail(state, registration, pending, from, to, reason);
            case PARK -> park(state, registration, from, to, reason);
        };
    }

    /** Gap policy PARK: the buffered successors become parked events behind the gap, and the aggregate blocks. */
    private boolean park(AggregateState state, DomainRegistration registration, long from, long to, String reason) {
        shared.emitter.emit(new ProcessorEvent.GapTimedOut(state.key, shared.now(), from, to,
                registration.gapPolicy().name()));
        lane.parking.parkAllPending(state.key, reason + " (policy PARK)");
        lane.parking.block(state.key);
        gaps.closeGap(state.key);
        return false;
    }

    /** Gap policy FAIL: the buffered successors are dropped (and reported), the aggregate waits on. */
    private boolean fail(AggregateState state, DomainRegistration registration, List<BufferedEvent> pending,
            long from, long to, String reason) {
        AggregateKey key = state.key;
        shared.emitter.emit(new ProcessorEvent.GapTimedOut(key, shared.now(), from, to, registration.gapPolicy().name()));
        List<Long> dropped = new ArrayList<>();
        for (BufferedEvent p : pending) {
            gaps.removePending(key, p.sequence());
            shared.submissions.settleBuffered(key, p.sequence(), Outcome.SKIPPED);
            dropped.add(p.sequence());
        }
        shared.emitter.emit(new ProcessorEvent.GapFailed(key, shared.now(), dropped, reason + " (policy FAIL)"));
        gaps.closeGap(key);
        return false;
    }

    /**
     * Gap policy SKIP: one atomic store step that skips only from the {@code last} the timer saw, only while nobody
     * holds a claim (the missing event's handler cannot be running), and records the skip with it — so the audit trail
     * says exactly what happened and a failure leaves nothing half done. After an unknown outcome the retry sends the
     * very same record, which the store recognises: a skip that landed is still announced once.
     *
     * @return whether to drain the successors now
     */
    private boolean skip(AggregateState state, DomainRegistration registration, long from, long to, String reason) {
        AggregateKey key = state.key;
        boolean retry = state.pendingSkip != null && state.pendingSkip.fromSequence() == from
                && state.pendingSkip.toSequence() == to;
        SkippedRange range = retry ? state.pendingSkip
                : new SkippedRange(from, to, shared.now(), reason + " (policy SKIP)");
        if (!retry) {
            // announced before the store acts: whoever reads the events (an audit, the torture checker) knows the skip
            // can have landed from here on, until Skipped says it did
            shared.emitter.emit(new ProcessorEvent.GapTimedOut(key, shared.now(), from, to,
                    registration.gapPolicy().name()));
        }
        state.pendingSkip = range; // kept until the store answers: a retry must be recognisable as this skip
        SkipResult skip = shared.tracker.skip(key, range);
        state.pendingSkip = null;
        switch (skip.status()) {
            case SKIPPED:
                shared.emitter.emit(new ProcessorEvent.Skipped(key, shared.now(), range));
                gaps.closeGap(key);
                return true;
            case BUSY: // the missing event is being handled right now: it is late, not lost
                retryLater(state);
                return false;
            case MOVED: // committed meanwhile: the gap shrank or closed
            default:
                return true;
        }
    }

    private void retryLater(AggregateState state) {
        state.gapTimer = shared.scheduler.schedule(lane.index, shared.settings.recheckInterval(),
                () -> gapTimedOut(state.key));
    }
}
