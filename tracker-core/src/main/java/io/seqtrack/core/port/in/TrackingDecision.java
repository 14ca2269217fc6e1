package io.seqtrack.core.port.in;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.DuplicateEventException;
import io.seqtrack.core.domain.OutOfOrderEventException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import java.util.Objects;

/**
 * The tracker's answer for one event, in the domain's own numbering.
 *
 * @param key           the aggregate
 * @param mode          the domain's mode; for {@link TrackingMode#DISABLED} no store was consulted and the verdict is
 *                      always {@code IN_ORDER}
 * @param verdict       the classification
 * @param sequence      the event's sequence as read by the domain's sequence source; for a disabled domain the value
 *                      the event carries unchecked, or {@code 0} if it carries none
 * @param lastCommitted the last committed sequence after the call; {@code firstSequence - 1} when nothing was committed
 *                      yet; {@code 0} for a disabled domain
 */
public record TrackingDecision(AggregateKey key, TrackingMode mode, Verdict verdict, long sequence,
        long lastCommitted) {

    public TrackingDecision {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(verdict, "verdict");
    }

    /** Whether the event should be handled now (in order, or in a disabled domain). */
    public boolean shouldHandle() {
        return verdict == Verdict.IN_ORDER;
    }

    /**
     * For callers who prefer exceptions to verdicts.
     *
     * @return this decision, if it is {@code IN_ORDER}
     * @throws DuplicateEventException   for {@code DUPLICATE}
     * @throws OutOfOrderEventException for {@code GAP}, with the expected next sequence
     */
    public TrackingDecision requireInOrder() {
        switch (verdict) {
            case DUPLICATE:
                throw DuplicateEventException.of(key, sequence, lastCommitted);
            case GAP:
                throw OutOfOrderEventException.of(key, lastCommitted + 1, sequence);
            default:
                return this;
        }
    }
}
