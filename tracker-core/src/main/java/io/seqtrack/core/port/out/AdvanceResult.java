package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.Verdict;
import java.util.Objects;

/**
 * The answer of {@link SequenceStore#advance}.
 *
 * @param verdict       {@code IN_ORDER}: the store advanced to the sequence; {@code DUPLICATE} or {@code GAP}: nothing
 *                      changed
 * @param lastCommitted the last committed sequence after the call ({@code 0}: nothing committed)
 */
public record AdvanceResult(Verdict verdict, long lastCommitted) {
    public AdvanceResult {
        Objects.requireNonNull(verdict, "verdict");
    }

    public static AdvanceResult inOrder(long newLast) {
        return new AdvanceResult(Verdict.IN_ORDER, newLast);
    }

    public static AdvanceResult duplicate(long last) {
        return new AdvanceResult(Verdict.DUPLICATE, last);
    }

    public static AdvanceResult gap(long last) {
        return new AdvanceResult(Verdict.GAP, last);
    }
}
