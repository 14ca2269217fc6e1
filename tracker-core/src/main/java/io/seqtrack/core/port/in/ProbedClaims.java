package io.seqtrack.core.port.in;

import io.seqtrack.core.port.out.BufferPresence;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link SequenceTracker#claimAllAndProbe}: a decision per event, in order, and the buffer presence of
 * (at least) the aggregates whose decision is {@code CLAIMED} or {@code GAP} in a tracked domain, read after the claims.
 *
 * @param decisions one per event, in request order
 * @param presence  parked and pending facts, read after the claims
 */
public record ProbedClaims(List<ClaimDecision> decisions, BufferPresence presence) {

    public ProbedClaims {
        decisions = List.copyOf(decisions);
        Objects.requireNonNull(presence, "presence");
    }
}
