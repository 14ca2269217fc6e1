package io.seqtrack.benchmarks;

import io.seqtrack.core.domain.AggregateKey;

/**
 * One benchmark thread's aggregates and their next sequences. Each thread owns its aggregates ({@code t<thread>-<i>}),
 * so threads never contend on one aggregate and every call is the next sequence: {@code IN_ORDER}. The aggregates are
 * visited round-robin, so with 100 000 of them consecutive calls touch different aggregates (cold, spread over buckets
 * and, in a Cluster, slots), and with 1 every call hits the same hot aggregate.
 */
final class AggregateCursor {

    static final String DOMAIN = "bench";

    private final AggregateKey[] keys;
    private final long[] lastIssued;
    private int position;

    AggregateCursor(int thread, int aggregates) {
        if (aggregates < 1) {
            throw new IllegalArgumentException("aggregates must be >= 1, was " + aggregates);
        }
        keys = new AggregateKey[aggregates];
        lastIssued = new long[aggregates];
        for (int i = 0; i < aggregates; i++) {
            keys[i] = AggregateKey.of(DOMAIN, "t" + thread + "-" + i);
        }
    }

    /** Fills {@code keysOut[0..n)} and {@code seqsOut[0..n)} with the next {@code n} (aggregate, next sequence) pairs. */
    void next(AggregateKey[] keysOut, long[] seqsOut, int n) {
        int p = position;
        for (int i = 0; i < n; i++) {
            keysOut[i] = keys[p];
            seqsOut[i] = ++lastIssued[p];
            p = p + 1 == keys.length ? 0 : p + 1;
        }
        position = p;
    }
}
