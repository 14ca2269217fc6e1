package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;

/** One element of {@link SequenceStore#commitAll}; validated like the arguments of {@link SequenceStore#commit}. */
public record CommitRequest(AggregateKey key, long seq, long fencingToken) {
    public CommitRequest {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
    }
}
