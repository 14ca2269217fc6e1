package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reorder buffer's side of a lane: early events go into the buffer, their aggregate gets a gap with a clock
 * ({@link GapTimeouts} decides when it runs out) and a recheck timer, and buffered successors are drained in order once
 * their predecessors are committed — by this worker (after its commit), by another one (a wake-up or the recheck), or
 * by a gap policy.
 */
final class Gaps {

    private static final Logger log = LoggerFactory.getLogger(Gaps.class);


    private final Lane lane;
    private final Shared shared;
    private final GapTimeouts timeouts;

    Gaps(Lane lane) {
        this.lane = lane;
        this.shared = lane.shared;
        this.timeouts = new GapTimeouts(lane, this);
    }

    /** Holds an early event in the buffer and opens (or moves) its aggregate's gap. */
    Outcome bufferEarly(Work work, ClaimDecision claim) {
        AggregateKey key = work.key();
        if (shared.gauges.buffered.get() >= shared.settings.maxBufferedTotal()) {
            shared.emitter.emit(new ProcessorEvent.BufferFull(key, shared.now(), claim.sequence()));
            return Outcome.BUFFER_FULL;
        }
        BufferResult result = shared.buffer.add(key, Parking.toBuffered(work.event(), claim.sequence(), shared.now()),
                work.registration().maxBufferedPerAggregate());
        if (result == BufferResult.FULL) {
            shared.emitter.emit(new ProcessorEvent.BufferFull(key, shared.now(), claim.sequence()));
            return Outcome.BUFFER_FULL;
        }
        if (result == BufferResult.ADDED) {
            shared.gauges.buffered.incrementAndGet();
        }
        shared.submissions.buffered(key, claim.sequence(), work.submission());
        shared.emitter.emit(new ProcessorEvent.Buffered(key, shared.now(), claim.sequence(), claim.lastCommitted() + 1));
        openGap(key, work.registration(), claim.lastCommitted() + 1, claim.sequence() - 1);
        return Outcome.BUFFERED;
    }

    void openGap(AggregateKey key, DomainRegistration registration, long from, long to) {
        AggregateState state = lane.state(key);
        if (state.gapTimer != null) {
            if (from != state.gapFrom) {
                // still waiting, but predecessors were committed since: the gap shrank. Its timeout counts from when
                // the first missing event became the next one expected, so an aggregate that is moving is never
                // parked or skipped over (found by the torture suite: early copies from a second consumer parked
                // aggregates whose events were still flowing in order)
                state.gapTimer.cancel();
                startGapClock(state, registration, from);
            }
            return;
        }
        startGapClock(state, registration, from);
        state.recheck = shared.scheduler.schedule(lane.index, shared.settings.recheckInterval(), () -> recheck(key));
        shared.emitter.emit(new ProcessorEvent.GapOpened(key, shared.now(), from, to));
        try {
            shared.settings.gapListener().missing(key, from, to);
        } catch (RuntimeException e) {
            log.warn("seqtrack: gap listener failed for {}: {}", key, e.toString());
        }
    }

    /** (Re)starts the gap timeout, counting from now, for a gap whose first missing sequence is {@code from}. */
    void startGapClock(AggregateState state, DomainRegistration registration, long from) {
        state.gapFrom = from;
        state.gapOpenedAt = shared.now();
        shared.gauges.openGaps.put(state.key, state.gapOpenedAt);
        state.gapTimer = shared.scheduler.schedule(lane.index, registration.gapTimeout(),
                () -> timeouts.gapTimedOut(state.key));
    }

    void closeGap(AggregateKey key) {
        AggregateState state = lane.state(key);
        settlePendingSkip(state);
        if (state.gapTimer != null) {
            state.gapTimer.cancel();
            state.gapTimer = null;
        }
        if (state.recheck != null) {
            state.recheck.cancel();
            state.recheck = null;
        }
        state.gapOpenedAt = null;
        Instant opened = shared.gauges.openGaps.remove(key);
        if (opened != null) {
            shared.emitter.emit(new ProcessorEvent.GapClosed(key, shared.now(), Duration.between(opened, shared.now())));
        }
    }

    /**
     * A gap skip whose answer was lost (unknown outcome) may have happened: once the gap is over, the very same record is
     * sent again, and the store answers {@code SKIPPED} only if it did happen — through the write path, so a store with
     * replicas confirms it as durably as the skip itself (reading the records would believe a master that a failover
     * is about to discard). A skip that happened is announced once, as if its answer had arrived; any other answer means
     * it did not. If the store cannot answer now, the next close of a gap on this aggregate asks again.
     *
     * <p>The confirmation must never <em>apply</em> the skip: the gap closed for a reason the skip did not check (its
     * missing event arrived and was parked, another worker parked the successors, an operator acted), and the policy
     * decided on a state that is gone. So it expects a last committed sequence no aggregate has: the store recognises
     * the record ({@code SKIPPED}) or answers {@code MOVED}, never skips.
     */
    private void settlePendingSkip(AggregateState state) {
        SkippedRange pending = state.pendingSkip;
        if (pending == null) {
            return;
        }
        boolean happened;
        try {
            happened = shared.tracker.skipHappened(state.key, pending);
        } catch (RuntimeException e) { // any failure is an unknown outcome
            log.warn("seqtrack: could not confirm the skip of {} ({}); asking again later", state.key,
                    e.toString());
            return;
        }
        state.pendingSkip = null;
        if (happened) {
            // its GapTimedOut came before the attempt
            shared.emitter.emit(new ProcessorEvent.Skipped(state.key, shared.now(), pending));
        }
    }

    /** A wake-up from the store (another worker committed): try the buffered successors now. */
    void recheckNow(AggregateKey key) {
        if (shared.lifecycle.closed()) {
            return;
        }
        try {
            drain(key);
        } catch (RuntimeException e) {
            log.warn("seqtrack: drain of {} after a wake-up failed: {}", key, e.toString());
        }
    }

    /** The fallback wake-up: a predecessor committed by another worker releases our buffered events here. */
    private void recheck(AggregateKey key) {
        if (shared.lifecycle.closed()) {
            return;
        }
        AggregateState state = lane.state(key);
        state.recheck = null;
        try {
            drain(key);
        } catch (RuntimeException e) {
            log.warn("seqtrack: recheck of {} failed: {}", key, e.toString());
        }
        if (state.gapTimer != null && state.recheck == null) {
            state.recheck = shared.scheduler.schedule(lane.index, shared.settings.recheckInterval(), () -> recheck(key));
        }
    }

    /**
     * Handles buffered successors that are now in order, oldest first, and removes each from the buffer only after it
     * was committed (a crash in between leaves it buffered; the next drain sees it as a duplicate and drops it).
     */
    void drain(AggregateKey key) {
        DomainRegistration registration = shared.registry.lookup(key.domain());
        while (!shared.lifecycle.closed()) {
            if (lane.state(key).blocked) {
                return;
            }
            List<BufferedEvent> pending = shared.buffer.pending(key);
            if (pending.isEmpty()) {
                lane.state(key).pendingSeen = false;
                closeGap(key);
                return;
            }
            long last = shared.tracker.lastCommitted(key);
            BufferedEvent next = pending.get(0);
            if (next.sequence() <= last) {
                removePending(key, next.sequence());
                shared.submissions.settleBuffered(key, next.sequence(), Outcome.DUPLICATE);
                continue;
            }
            if (next.sequence() != last + 1 && registration.mode() == TrackingMode.STRICT) {
                openGap(key, registration, last + 1, next.sequence() - 1); // still (or again) waiting
                return;
            }
            io.seqtrack.processor.Event event = Parking.fromBuffered(key, registration, next);
            TrackedSubmission submission = shared.submissions.takeBuffered(key, next.sequence(), event);
            Result result = lane.runOne(Work.of(event, key, registration, Work.Origin.BUFFER, submission));
            if (result.kind() == Result.Kind.STILL_EARLY || result.kind() == Result.Kind.FAILED) {
                shared.submissions.buffered(key, next.sequence(), submission); // still buffered, fate still open
                result.complete();
                return;
            }
            if (result.is(Outcome.PROCESSED) || result.is(Outcome.DUPLICATE)) {
                removePending(key, next.sequence());
                result.complete();
                continue;
            }
            result.complete(); // deferred (a retry or busy wait drains again when it finishes), parked, rejected
            return;
        }
    }

    void removePending(AggregateKey key, long sequence) {
        if (shared.buffer.removePending(key, sequence)) {
            shared.gauges.bufferedRemoved();
        }
    }
}
