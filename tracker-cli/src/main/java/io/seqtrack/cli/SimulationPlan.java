package io.seqtrack.cli;

import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * The generator's ground truth: which sequences of which aggregate were delivered, in which global order, and how
 * many copies. Sequences are kept as offsets from the domain's first sequence ({@code offset 0 = firstSequence}).
 * Immutable once built by {@link SimulationGenerator}.
 */
final class SimulationPlan {

    static final String EVENT_TYPE = "SimulatedEvent";

    private final String domain;
    private final long firstSequence;
    private final int eventsPerAggregate;
    private final String idPrefix;
    private final BitSet[] delivered;
    private final int[] deliveryAggregate;
    private final int[] deliveryOffset;
    private final long duplicates;
    private final long displaced;

    SimulationPlan(String domain, long firstSequence, int eventsPerAggregate, String idPrefix, BitSet[] delivered,
            int[] deliveryAggregate, int[] deliveryOffset, long duplicates, long displaced) {
        this.domain = domain;
        this.firstSequence = firstSequence;
        this.eventsPerAggregate = eventsPerAggregate;
        this.idPrefix = idPrefix;
        this.delivered = delivered;
        this.deliveryAggregate = deliveryAggregate;
        this.deliveryOffset = deliveryOffset;
        this.duplicates = duplicates;
        this.displaced = displaced;
    }

    String domain() {
        return domain;
    }

    long firstSequence() {
        return firstSequence;
    }

    int aggregates() {
        return delivered.length;
    }

    int eventsPerAggregate() {
        return eventsPerAggregate;
    }

    /** Aggregate ids are {@code idPrefix + index}. */
    String idPrefix() {
        return idPrefix;
    }

    String aggregateId(int aggregate) {
        return idPrefix + aggregate;
    }

    /** The aggregate index of an id of this plan, or -1 if the id is not one of ours. */
    int aggregateIndex(String aggregateId) {
        if (aggregateId == null || !aggregateId.startsWith(idPrefix)) {
            return -1;
        }
        try {
            int index = Integer.parseInt(aggregateId.substring(idPrefix.length()));
            return index >= 0 && index < delivered.length ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    long sequence(int offset) {
        return firstSequence + offset;
    }

    /** The producer's event id; a duplicate copy is a redelivery of the same event, so it carries the same id. */
    String eventId(int aggregate, long sequence) {
        return aggregateId(aggregate) + "#" + sequence;
    }

    /** Events generated: aggregates × events per aggregate (delivered or not). */
    long generated() {
        return (long) delivered.length * eventsPerAggregate;
    }

    /** Deliveries in stream order, duplicate copies included. */
    int deliveries() {
        return deliveryAggregate.length;
    }

    int deliveryAggregate(int index) {
        return deliveryAggregate[index];
    }

    int deliveryOffset(int index) {
        return deliveryOffset[index];
    }

    /** Extra copies delivered (each should be skipped as a duplicate). */
    long duplicates() {
        return duplicates;
    }

    /** Deliveries displaced from their place in sequence order. */
    long displaced() {
        return displaced;
    }

    /** Which offsets of {@code aggregate} were delivered at least once (a copy; safe to modify). */
    BitSet delivered(int aggregate) {
        return (BitSet) delivered[aggregate].clone();
    }

    /** The offset of the aggregate's highest delivered sequence, or -1 if nothing was delivered. */
    int lastDeliveredOffset(int aggregate) {
        return delivered[aggregate].length() - 1;
    }

    /** Never-delivered offsets below the aggregate's last delivered one: the gaps the processor must skip. */
    BitSet expectedSkipped(int aggregate) {
        int last = lastDeliveredOffset(aggregate);
        BitSet missing = new BitSet();
        if (last > 0) {
            missing.set(0, last);
            missing.andNot(delivered[aggregate]);
        }
        return missing;
    }

    /** Distinct sequences delivered: each must be handled exactly once. */
    long distinctDelivered() {
        long n = 0;
        for (BitSet d : delivered) {
            n += d.cardinality();
        }
        return n;
    }

    /** Sequences never delivered. */
    long neverDelivered() {
        return generated() - distinctDelivered();
    }

    /** Never-delivered sequences below their aggregate's last delivered one. */
    long expectedSkippedTotal() {
        long n = 0;
        for (int a = 0; a < delivered.length; a++) {
            n += expectedSkipped(a).cardinality();
        }
        return n;
    }

    /** Never-delivered sequences after their aggregate's last delivered one: no processor can notice them. */
    long trailingGaps() {
        return neverDelivered() - expectedSkippedTotal();
    }

    /** The event of delivery {@code index}, numbered the way the domain reads it. */
    Event event(int index, SequenceSource source) {
        int aggregate = deliveryAggregate[index];
        long sequence = sequence(deliveryOffset[index]);
        String id = eventId(aggregate, sequence);
        byte[] payload = ("{\"sequence\":" + sequence + "}").getBytes(StandardCharsets.UTF_8);
        return source == SequenceSource.AGGREGATE_VERSION
                ? Event.ofAggregateVersion(id, domain, aggregateId(aggregate), sequence, EVENT_TYPE, payload)
                : Event.of(id, domain, aggregateId(aggregate), sequence, EVENT_TYPE, payload);
    }
}
