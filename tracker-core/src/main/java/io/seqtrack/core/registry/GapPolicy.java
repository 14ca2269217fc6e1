package io.seqtrack.core.registry;

/** What happens when a gap stays open longer than the domain's gap timeout. */
public enum GapPolicy {
    /** Park the waiting events (sequenced dead letters) and block the aggregate until an operator acts. */
    PARK,
    /** Advance over the missing range, record the skipped range durably, and go on with the waiting events. */
    SKIP,
    /** Fail the waiting events with an error and leave the aggregate where it is. */
    FAIL
}
