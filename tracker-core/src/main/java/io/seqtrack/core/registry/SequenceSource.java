package io.seqtrack.core.registry;

/** Where a domain reads an event's sequence from. */
public enum SequenceSource {
    /** The event's dedicated {@code sequence} field (a per-aggregate event counter). */
    SEQUENCE_NUMBER,
    /** The event's {@code aggregateVersion} field (the aggregate's version after the event, as event stores number it). */
    AGGREGATE_VERSION
}
