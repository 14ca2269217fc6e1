package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;

/** One element of {@link SequenceStore#claimAll}; validated like the arguments of {@link SequenceStore#claim}. */
public record ClaimRequest(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
    public ClaimRequest {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
        StoreArguments.requireOwner(owner);
        StoreArguments.requireLeaseTtl(leaseTtl);
    }
}
