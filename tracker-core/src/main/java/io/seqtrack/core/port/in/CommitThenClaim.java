package io.seqtrack.core.port.in;

import io.seqtrack.core.port.out.CommitResult;
import java.util.Objects;

/**
 * One answer of {@link SequenceTracker#commitAndClaimAll}: the commit's result and, if a next claim was asked for and
 * the commit answered {@code COMMITTED}, the next event's claim decision (else {@code null}).
 */
public record CommitThenClaim(CommitResult committed, ClaimDecision next) {
    public CommitThenClaim {
        Objects.requireNonNull(committed, "committed");
    }
}
