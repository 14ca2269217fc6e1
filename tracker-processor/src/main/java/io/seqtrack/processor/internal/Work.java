package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Event;

/**
 * One event on its way through a lane.
 *
 * @param sequence   the sequence in the domain's numbering, or 0 if the event carries none (allowed in a disabled
 *                   domain); read once, here: lanes compare it many times per event
 * @param tracked    whether the domain's mode uses the store
 * @param attempt    1 for the first handler run, 2 for the first retry, …
 * @param resumed    whether it ran before (a retry or a busy wait): it keeps its place ahead of later submissions
 * @param submission whom to tell the outcome
 */
record Work(Event event, AggregateKey key, DomainRegistration registration, long sequence, boolean tracked,
        int attempt, Origin origin, TrackedSubmission submission, boolean resumed) {

    /** Where a unit of work came from: the caller, the buffer (drain), or the parked list (operator replay). */
    enum Origin { SUBMITTED, BUFFER, REPLAY }

    static Work of(Event event, AggregateKey key, DomainRegistration registration, Origin origin,
            TrackedSubmission submission) {
        long sequence = registration.sequenceSource().read(event.sequence(), event.aggregateVersion()).orElse(0);
        return new Work(event, key, registration, sequence, registration.mode().usesStore(), 1, origin, submission,
                false);
    }

    /** This (not yet admitted) work, with the submission it got when it was admitted. */
    Work with(TrackedSubmission admitted) {
        return new Work(event, key, registration, sequence, tracked, attempt, origin, admitted, resumed);
    }

    Work nextAttempt() {
        return new Work(event, key, registration, sequence, tracked, attempt + 1, origin, submission, true);
    }

    Work resumedLater() {
        return new Work(event, key, registration, sequence, tracked, attempt, origin, submission, true);
    }
}
