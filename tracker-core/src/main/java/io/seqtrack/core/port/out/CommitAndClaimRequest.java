package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;

/**
 * One element of {@link SequenceStore#commitAndClaimAll}: commit {@code commit}, and — only if that commits and a next
 * claim is asked for — claim the next sequence ({@code commit.seq() + 1}) for {@code owner}, as
 * {@link SequenceStore#claim} would, in the same step. Without a next claim ({@link #commitOnly}) the element is a plain
 * commit, so one batch can mix both.
 *
 * @param commit   the commit, validated like the arguments of {@link SequenceStore#commit}
 * @param mode     the mode of the next claim, or null for a plain commit
 * @param owner    the next claim's owner (the committing worker), or null for a plain commit
 * @param leaseTtl the next claim's lease, or null for a plain commit
 */
public record CommitAndClaimRequest(CommitRequest commit, TrackingMode mode, String owner, Duration leaseTtl) {
    public CommitAndClaimRequest {
        java.util.Objects.requireNonNull(commit, "commit");
        if (mode != null || owner != null || leaseTtl != null) {
            if (commit.seq() == Long.MAX_VALUE) {
                throw new IllegalArgumentException("no sequence follows " + commit.seq() + " to claim");
            }
            StoreArguments.requireTrackedMode(mode);
            StoreArguments.requireOwner(owner);
            StoreArguments.requireLeaseTtl(leaseTtl);
        }
    }

    /** An element that only commits. */
    public static CommitAndClaimRequest commitOnly(CommitRequest commit) {
        return new CommitAndClaimRequest(commit, null, null, null);
    }

    /** Whether this element claims the next sequence after its commit. */
    public boolean claimsNext() {
        return owner != null;
    }
}
