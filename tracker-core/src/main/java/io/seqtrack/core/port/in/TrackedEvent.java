package io.seqtrack.core.port.in;

import java.util.OptionalLong;

/**
 * What the tracker needs to know about an event. Adapt your own event type (a Kafka record, an outbox row) by
 * implementing this interface, or use {@link #of}.
 *
 * <p>Which of {@link #sequence()} and {@link #aggregateVersion()} is read depends on the domain's
 * {@link io.seqtrack.core.registry.SequenceSource}. A missing value is never defaulted: the tracker rejects the event.
 */
public interface TrackedEvent {

    /** The domain name, e.g. {@code user_account}. */
    String domain();

    /** The aggregate's id within the domain. */
    String aggregateId();

    /** The per-aggregate event sequence, if the event carries one. */
    OptionalLong sequence();

    /** The aggregate's version after this event, if the event carries one. */
    OptionalLong aggregateVersion();

    /** An event with a sequence number. */
    static TrackedEvent of(String domain, String aggregateId, long sequence) {
        return new Basic(domain, aggregateId, OptionalLong.of(sequence), OptionalLong.empty());
    }

    /** An event numbered by its aggregate version. */
    static TrackedEvent ofAggregateVersion(String domain, String aggregateId, long aggregateVersion) {
        return new Basic(domain, aggregateId, OptionalLong.empty(), OptionalLong.of(aggregateVersion));
    }

    /**
     * The plain carrier behind the factories.
     *
     * @param sequence         may be empty, never null
     * @param aggregateVersion may be empty, never null
     */
    record Basic(String domain, String aggregateId, OptionalLong sequence, OptionalLong aggregateVersion)
            implements TrackedEvent {
        public Basic {
            sequence = sequence == null ? OptionalLong.empty() : sequence;
            aggregateVersion = aggregateVersion == null ? OptionalLong.empty() : aggregateVersion;
        }
    }
}
