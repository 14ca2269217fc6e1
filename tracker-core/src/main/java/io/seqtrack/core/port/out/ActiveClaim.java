package io.seqtrack.core.port.out;

import java.time.Instant;
import java.util.Objects;

/**
 * A claim a worker holds on an aggregate.
 *
 * @param owner        the worker that claimed
 * @param sequence     the sequence it claimed
 * @param fencingToken the token it was given; higher than every token given before for this aggregate
 * @param expiresAt    when the lease ends, by the store's clock
 */
public record ActiveClaim(String owner, long sequence, long fencingToken, Instant expiresAt) {
    public ActiveClaim {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
