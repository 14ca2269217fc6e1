package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import java.time.Duration;

/** One element of {@link SequenceStore#renewAll}; validated like the arguments of {@link SequenceStore#renew}. */
public record RenewRequest(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
    public RenewRequest {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        StoreArguments.requireLeaseTtl(leaseTtl);
    }
}
