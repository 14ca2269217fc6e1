package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import java.util.Set;

/**
 * Which of the aggregates asked about ({@link EventBuffer#presence}) have parked events and which have pending ones.
 *
 * @param parked  the aggregates with at least one parked event
 * @param pending the aggregates with at least one pending event
 */
public record BufferPresence(Set<AggregateKey> parked, Set<AggregateKey> pending) {

    public static final BufferPresence NONE = new BufferPresence(Set.of(), Set.of());

    public BufferPresence {
        parked = Set.copyOf(parked);
        pending = Set.copyOf(pending);
    }
}
