package io.seqtrack.core.port.out;

/** The answer of {@link SequenceStore#renew}. */
public enum RenewResult {
    /** The caller's claim is still the current one; its lease now ends {@code leaseTtl} after the store's now. */
    RENEWED,
    /**
     * The caller no longer holds that claim (committed, released, reset, deleted, skipped over, or fenced by a newer
     * claim). Nothing changed — in particular no new claim was made: renewal never re-claims.
     */
    CLAIM_LOST
}
