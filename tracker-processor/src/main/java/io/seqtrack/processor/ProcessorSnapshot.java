package io.seqtrack.processor;

import java.time.Duration;
import java.util.Optional;

/**
 * Gauges of one processor, as it sees them.
 *
 * @param bufferedEvents   events this processor put in the buffer that are still pending
 * @param openGaps         aggregates this processor is waiting on
 * @param oldestGap        how long the oldest of those gaps has been open
 * @param blockedAggregates aggregates this processor knows to be blocked by parked events
 * @param inFlight         submissions not yet finished
 */
public record ProcessorSnapshot(long bufferedEvents, int openGaps, Optional<Duration> oldestGap, int blockedAggregates,
        int inFlight) {
}
