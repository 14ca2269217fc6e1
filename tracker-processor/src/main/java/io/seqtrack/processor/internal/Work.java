package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Event;

/**
 * One event on its way through a lane.
 *
 * @param attempt    1 for the first handler run, 2 for the first retry, …
 * @param resumed    whether it ran before (a retry or a busy wait): it keeps its place ahead of later submissions
 * @param submission whom to tell the outcome
 */
record Work(Event event, AggregateKey key, DomainRegistration registration, int attempt, Origin origin,
        TrackedSubmission submission, boolean resumed) {

    /** Where a unit of work came from: the caller, the buffer (drain), or the parked list (operator replay). */
    enum Origin { SUBMITTED, BUFFER, REPLAY }

    static Work of(Event event, AggregateKey key, DomainRegistration registration, Origin origin,
            TrackedSubmission submission) {
        return new Work(event, key, registration, 1, origin, submission, false);
    }

    /** This (not yet admitted) work, with the submission it got when it was admitted. */
    Work with(TrackedSubmission admitted) {
        return new Work(event, key, registration, attempt, origin, admitted, resumed);
    }

    Work nextAttempt() {
        return new Work(event, key, registration, attempt + 1, origin, submission, true);
    }

    Work resumedLater() {
        return new Work(event, key, registration, attempt, origin, submission, true);
    }

    boolean tracked() {
        return registration.mode().usesStore();
    }

    /** The sequence in the domain's numbering, or 0 if the event carries none (allowed in a disabled domain). */
    long sequence() {
        return registration.sequenceSource().read(event.sequence(), event.aggregateVersion()).orElse(0);
    }
}
