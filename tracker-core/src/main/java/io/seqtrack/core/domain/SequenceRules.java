package io.seqtrack.core.domain;

import java.util.Objects;

/**
 * The pure classification rule every store applies atomically. Stores may re-implement it (in a Lua script, say),
 * but must agree with {@link #classify} for every input; the TCK checks that.
 */
public final class SequenceRules {

    private SequenceRules() {
    }

    /**
     * Classifies a sequence against the last committed one.
     *
     * @param last the last committed sequence, {@code 0} when nothing was committed yet
     * @param seq  the event's sequence, {@code >= 1}
     * @param mode the domain's mode; {@link TrackingMode#DISABLED} always yields {@link Verdict#IN_ORDER}
     * @return the verdict
     * @throws IllegalArgumentException if {@code last < 0} or {@code seq < 1}
     */
    public static Verdict classify(long last, long seq, TrackingMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (last < 0) {
            throw new IllegalArgumentException("last must be >= 0, was " + last);
        }
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, was " + seq);
        }
        if (mode == TrackingMode.DISABLED) {
            return Verdict.IN_ORDER;
        }
        if (seq <= last) {
            return Verdict.DUPLICATE;
        }
        if (mode == TrackingMode.MONOTONIC || seq - 1 == last) {
            return Verdict.IN_ORDER;
        }
        return Verdict.GAP;
    }
}
