package io.seqtrack.core.port.out;

/** The answer of {@link SequenceStore#commit}. */
public enum CommitResult {
    /** The caller's claim was current; the store advanced to the claimed sequence and dropped the claim. */
    COMMITTED,
    /**
     * The sequence is already committed and the caller's token is still the newest issued for the aggregate: an
     * earlier attempt of this very commit landed (its answer was lost). Nothing changed; treat it as committed.
     */
    ALREADY_COMMITTED,
    /**
     * The caller no longer holds the claim: it was released, or a newer claim was issued (the caller's lease expired
     * and another worker took over — the caller is <em>fenced</em>). Nothing changed. The caller's handler effects
     * must be treated as fenced; use {@link SequenceStore#read} to see whether the sequence got committed anyway.
     */
    CLAIM_LOST
}
