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

    /**
     * The event's sequence in {@code registration}'s numbering, validated: the field the domain reads
     * ({@link io.seqtrack.core.registry.SequenceSource}) must be present (never defaulted), not negative, not below the
     * domain's first sequence and, for a domain counting from 0, below {@code Long.MAX_VALUE}. The one place that
     * checks this: the tracker and every caller that wants to reject early (the CLI, with a line number) use it.
     *
     * @throws io.seqtrack.core.domain.InvalidEventException naming the field and the aggregate
     */
    static long sequenceIn(TrackedEvent event, io.seqtrack.core.registry.DomainRegistration registration) {
        OptionalLong carried = registration.sequenceSource().read(event.sequence(), event.aggregateVersion());
        boolean present = carried != null && carried.isPresent();
        long value = present ? carried.getAsLong() : 0;
        if (present && value >= 0 && value >= registration.firstSequence()
                && (value != Long.MAX_VALUE || registration.firstSequence() != 0)) {
            return value; // the valid case builds no message (it built one per event: -prof gc, ProcessorBenchmark)
        }
        String field = registration.sequenceSource().field();
        String key = event.domain() + "/" + event.aggregateId();
        if (carried == null || carried.isEmpty()) {
            throw io.seqtrack.core.domain.InvalidEventException.of(field, "is missing for " + key + ": domain '"
                    + registration.name() + "' numbers its events by the field '" + field
                    + "', and a missing number is never defaulted");
        }
        if (value < 0) {
            throw io.seqtrack.core.domain.InvalidEventException.of(field, "is negative (" + value + ") for " + key
                    + ", below the first sequence " + registration.firstSequence() + " of domain '"
                    + registration.name() + "'");
        }
        if (value < registration.firstSequence()) {
            throw io.seqtrack.core.domain.InvalidEventException.of(field, "is " + value + " for " + key
                    + ", below the first sequence " + registration.firstSequence() + " of domain '"
                    + registration.name() + "'");
        }
        if (value == Long.MAX_VALUE && registration.firstSequence() == 0) {
            throw io.seqtrack.core.domain.InvalidEventException.of(field, "is " + value + " for " + key
                    + ", which overflows: a domain counting from 0 accepts at most " + (Long.MAX_VALUE - 1));
        }
        return value;
    }

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
