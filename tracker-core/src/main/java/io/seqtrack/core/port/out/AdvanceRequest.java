package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;

/** One element of {@link SequenceStore#advanceAll}; validated like the arguments of {@link SequenceStore#advance}. */
public record AdvanceRequest(AggregateKey key, long seq, TrackingMode mode) {
    public AdvanceRequest {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
    }
}
