package io.seqtrack.core.port.out;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer of {@link SequenceStore#claim}.
 *
 * @param status        what happened
 * @param lastCommitted the last committed sequence ({@code 0}: nothing committed)
 * @param fencingToken  for {@link ClaimStatus#CLAIMED}, the token to commit or release with, and to pass to
 *                      downstream writes so they can reject a fenced worker; {@code 0} otherwise
 * @param holder        for {@link ClaimStatus#BUSY}, the claim that is in the way; {@code null} otherwise
 */
public record ClaimResult(ClaimStatus status, long lastCommitted, long fencingToken, ActiveClaim holder) {

    public ClaimResult {
        Objects.requireNonNull(status, "status");
        if ((status == ClaimStatus.CLAIMED) != (fencingToken > 0)) {
            throw new IllegalArgumentException("a fencing token is given exactly for CLAIMED, got " + status
                    + " with token " + fencingToken);
        }
        if ((status == ClaimStatus.BUSY) != (holder != null)) {
            throw new IllegalArgumentException("a holder is given exactly for BUSY, got " + status);
        }
    }

    public static ClaimResult claimed(long lastCommitted, long fencingToken) {
        return new ClaimResult(ClaimStatus.CLAIMED, lastCommitted, fencingToken, null);
    }

    public static ClaimResult duplicate(long lastCommitted) {
        return new ClaimResult(ClaimStatus.DUPLICATE, lastCommitted, 0, null);
    }

    public static ClaimResult gap(long lastCommitted) {
        return new ClaimResult(ClaimStatus.GAP, lastCommitted, 0, null);
    }

    public static ClaimResult busy(long lastCommitted, ActiveClaim holder) {
        return new ClaimResult(ClaimStatus.BUSY, lastCommitted, 0, Objects.requireNonNull(holder, "holder"));
    }

    /** The claim in the way, for {@link ClaimStatus#BUSY}. */
    public Optional<ActiveClaim> busyHolder() {
        return Optional.ofNullable(holder);
    }
}
