package io.seqtrack.core.port.out;

import java.util.Optional;

/**
 * What a store knows about one aggregate, as returned by {@link SequenceStore#read}.
 *
 * @param lastCommitted the last committed sequence, {@code 0} if nothing was committed (or the aggregate is unknown)
 * @param fencingToken  the fencing high-water: no token at or below it will be issued again; {@code 0} if none was
 * @param claim         the current, unexpired claim, if any
 */
public record AggregateState(long lastCommitted, long fencingToken, Optional<ActiveClaim> claim) {

    /** The state of an aggregate the store has never seen (or has forgotten). */
    public static final AggregateState UNKNOWN = new AggregateState(0, 0, Optional.empty());

    public AggregateState {
        StoreArguments.requireLast(lastCommitted);
        if (fencingToken < 0) {
            throw new IllegalArgumentException("fencingToken must be >= 0, was " + fencingToken);
        }
        claim = claim == null ? Optional.empty() : claim;
    }
}
