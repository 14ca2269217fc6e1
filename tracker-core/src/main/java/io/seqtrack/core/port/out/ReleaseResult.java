package io.seqtrack.core.port.out;

/** The answer of {@link SequenceStore#release}. */
public enum ReleaseResult {
    /** The claim was the caller's and is gone; another worker may claim the sequence at once. */
    RELEASED,
    /** The caller held no current claim with that token (already committed, released, or fenced). Nothing changed. */
    NOT_HELD
}
