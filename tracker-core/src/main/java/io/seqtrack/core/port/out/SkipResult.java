package io.seqtrack.core.port.out;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer of {@link SequenceStore#skip}.
 *
 * @param status        what happened
 * @param lastCommitted the last committed sequence after the call
 * @param claim         the claim that refused the skip ({@link Status#BUSY} only)
 */
public record SkipResult(Status status, long lastCommitted, Optional<ActiveClaim> claim) {

    /** What a skip did. Only {@link #SKIPPED} changed anything. */
    public enum Status {
        /**
         * The range is skipped and its record stored, in one atomic step — or this very skip (same range, same
         * record) had already happened: a retry after an unknown outcome answers {@code SKIPPED} again.
         */
        SKIPPED,
        /** The last committed sequence was not {@code expectedLast} (a commit or another skip moved it): nothing changed. */
        MOVED,
        /**
         * An unexpired claim is held on the aggregate — possibly of the very event being skipped, whose handler may be
         * running: nothing changed. Retry after the claim was committed, released or expired.
         */
        BUSY
    }

    public SkipResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(claim, "claim");
        if ((status == Status.BUSY) != claim.isPresent()) {
            throw new IllegalArgumentException("a claim is reported exactly for BUSY, was " + status + " with " + claim);
        }
    }

    public static SkipResult skipped(long last) {
        return new SkipResult(Status.SKIPPED, last, Optional.empty());
    }

    public static SkipResult moved(long last) {
        return new SkipResult(Status.MOVED, last, Optional.empty());
    }

    public static SkipResult busy(long last, ActiveClaim claim) {
        return new SkipResult(Status.BUSY, last, Optional.of(claim));
    }

    public boolean skipped() {
        return status == Status.SKIPPED;
    }
}
