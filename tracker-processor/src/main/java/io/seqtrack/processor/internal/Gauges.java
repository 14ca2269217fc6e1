package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The processor-wide counts the snapshot reports; lanes write them as their aggregates' states change. */
final class Gauges {

    /** Events this processor counts as pending in the buffer (re-synchronised by each sweep). */
    final AtomicLong buffered = new AtomicLong();
    /** Aggregates with an open gap, and when its clock started; the store's wake-ups look here, off the lanes. */
    final Map<AggregateKey, Instant> openGaps = new ConcurrentHashMap<>();
    /** Aggregates blocked behind parked events. */
    final Set<AggregateKey> blocked = ConcurrentHashMap.newKeySet();

    void bufferedRemoved() {
        buffered.updateAndGet(n -> Math.max(0, n - 1));
    }
}
