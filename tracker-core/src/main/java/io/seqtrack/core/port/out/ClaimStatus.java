package io.seqtrack.core.port.out;

/** The verdict of {@link SequenceStore#claim}. */
public enum ClaimStatus {
    /** The caller now holds the claim and may run the handler; it must commit or release with the fencing token. */
    CLAIMED,
    /** The sequence is already committed: skip the event. */
    DUPLICATE,
    /** A predecessor is missing (strict mode): buffer the event. */
    GAP,
    /** Another worker holds an unexpired claim on the aggregate: try again later. */
    BUSY
}
