package io.seqtrack.core.port.out;

import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link SequenceStore#claimAllAndProbe}: the claims, in request order, and the buffer presence of the
 * aggregates whose claim answered {@link ClaimStatus#CLAIMED} or {@link ClaimStatus#GAP}, read after the claims.
 *
 * @param claims   one result per request, in request order
 * @param presence parked and pending facts of (at least) the aggregates answered {@code CLAIMED} or {@code GAP}
 */
public record ClaimsAndPresence(List<ClaimResult> claims, BufferPresence presence) {

    public ClaimsAndPresence {
        claims = List.copyOf(claims);
        Objects.requireNonNull(presence, "presence");
    }
}
