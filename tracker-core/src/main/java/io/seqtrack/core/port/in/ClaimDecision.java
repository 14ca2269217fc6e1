package io.seqtrack.core.port.in;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.ClaimStatus;
import java.util.Objects;
import java.util.Optional;

/**
 * The tracker's answer to a claim, in the domain's own numbering. Pass it back to
 * {@link SequenceTracker#commit} or {@link SequenceTracker#release}.
 *
 * @param key           the aggregate
 * @param mode          the domain's mode; a disabled domain is always {@code CLAIMED} with token {@code 0} and its
 *                      commit and release touch no store
 * @param status        what happened
 * @param sequence      the event's sequence (for a disabled domain as carried, unchecked, {@code 0} if absent)
 * @param lastCommitted the last committed sequence; {@code firstSequence - 1} when nothing was committed
 * @param fencingToken  for {@code CLAIMED} in a tracked domain, the token to hand to downstream writes
 * @param holder        for {@code BUSY}, the claim in the way (its sequence in the domain's numbering)
 */
public record ClaimDecision(AggregateKey key, TrackingMode mode, ClaimStatus status, long sequence,
        long lastCommitted, long fencingToken, ActiveClaim holder) {

    public ClaimDecision {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(status, "status");
    }

    /** Whether the caller holds the claim and should run the handler. */
    public boolean claimed() {
        return status == ClaimStatus.CLAIMED;
    }

    /** The claim in the way, for {@code BUSY}. */
    public Optional<ActiveClaim> busyHolder() {
        return Optional.ofNullable(holder);
    }
}
