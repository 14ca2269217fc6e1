package io.seqtrack.core.port.out;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to one {@link CommitAndClaimRequest}: the commit's result and, if it was {@code COMMITTED}, the next
 * sequence's claim result (any status a claim can have; normally {@code CLAIMED} with a new fencing token).
 */
public record CommitAndClaimResult(CommitResult commit, Optional<ClaimResult> next) {
    public CommitAndClaimResult {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(next, "next");
        if (next.isPresent() && commit != CommitResult.COMMITTED) {
            throw new IllegalArgumentException("a next claim is made only after COMMITTED, not after " + commit);
        }
    }
}
