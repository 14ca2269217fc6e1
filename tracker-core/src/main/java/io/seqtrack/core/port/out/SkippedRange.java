package io.seqtrack.core.port.out;

import java.time.Instant;
import java.util.Objects;

/**
 * A range of sequences advanced over without being handled, recorded durably.
 *
 * @param fromSequence first skipped sequence (inclusive)
 * @param toSequence   last skipped sequence (inclusive), {@code >= fromSequence}
 * @param skippedAt    when
 * @param reason       why, e.g. {@code "gap timeout 30s, policy SKIP"}
 */
public record SkippedRange(long fromSequence, long toSequence, Instant skippedAt, String reason) {
    public SkippedRange {
        if (toSequence < fromSequence) {
            throw new IllegalArgumentException("toSequence " + toSequence + " is below fromSequence " + fromSequence);
        }
        Objects.requireNonNull(skippedAt, "skippedAt");
        Objects.requireNonNull(reason, "reason");
    }
}
