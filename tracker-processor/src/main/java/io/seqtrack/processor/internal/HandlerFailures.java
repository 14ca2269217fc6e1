package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.processor.HandlerFailedException;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed handler run leads to: the claim goes back, then a retry after the domain's backoff (the work keeps
 * its place ahead of its aggregate's later events), and after the last attempt a parked event — or, in a disabled
 * domain, which has no order to protect, the failure handed back to the submitter.
 */
final class HandlerFailures {

    private static final Logger log = LoggerFactory.getLogger(HandlerFailures.class);

    private final Lane lane;
    private final Shared shared;

    HandlerFailures(Lane lane) {
        this.lane = lane;
        this.shared = lane.shared;
    }

    Result handlerFailed(Work work, ClaimDecision claim, Throwable error) {
        AggregateKey key = work.key();
        String description = error.getClass().getSimpleName() + ": " + error.getMessage();
        int maxAttempts = work.origin() == Work.Origin.REPLAY ? 1 : work.registration().retryPolicy().maxAttempts();
        if (work.attempt() < maxAttempts) {
            release(work, claim); // during the backoff another worker may take the event over
            Duration delay = work.registration().retryPolicy().backoff(work.attempt(), shared.settings.random()
                    .getAsDouble());
            shared.emitter.emit(new ProcessorEvent.Retried(key, shared.now(), claim.sequence(), work.attempt(), delay,
                    description));
            log.info("seqtrack: {} #{} attempt {} failed ({}); retrying in {}", key, claim.sequence(), work.attempt(),
                    description, delay);
            lane.defer(work.nextAttempt(), delay);
            return Result.deferred(work);
        }
        if (!work.tracked()) {
            // a disabled domain has no order to protect and maybe no sequence to park under: hand it back
            log.warn("seqtrack: {} failed {} time(s) in untracked domain: {}", key, work.attempt(), description);
            return Result.failed(work, HandlerFailedException.of(key, work.attempt(), error));
        }
        log.warn("seqtrack: {} #{} failed {} time(s), parking it: {}", key, claim.sequence(), work.attempt(),
                description);
        // parked while the claim is still held, given back only then: released first, another worker could claim the
        // redelivered event in between and commit it, and it would be both handled and parked
        try {
            return Result.finished(work, lane.parking.park(work, "handler failed " + work.attempt() + " time(s): "
                    + description));
        } finally {
            release(work, claim);
        }
    }

    /** Gives a claim back (best effort: if the store cannot answer, the lease expires in time anyway). */
    void release(Work work, ClaimDecision claim) {
        if (!work.tracked()) {
            return;
        }
        try {
            shared.tracker.release(claim);
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: could not release {} #{} ({}); its lease will expire", work.key(), claim.sequence(),
                    e.getMessage());
        }
    }
}
