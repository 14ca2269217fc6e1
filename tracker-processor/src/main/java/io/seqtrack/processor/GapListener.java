package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;

/**
 * The resend hook: told when an aggregate waits for missing sequences, so the application can ask its source to
 * re-deliver them before the gap timeout makes the gap policy act.
 */
@FunctionalInterface
public interface GapListener {
    /** Sequences {@code from..to} (inclusive, domain numbering) of {@code key} are missing. */
    void missing(AggregateKey key, long from, long to);
}
