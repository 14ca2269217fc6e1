package io.seqtrack.core.registry;

/**
 * Where a domain reads an event's sequence from — the one place that knows which field that is; the tracker, the
 * processor and the CLI all ask here.
 */
public enum SequenceSource {
    /** The event's dedicated {@code sequence} field (a per-aggregate event counter). */
    SEQUENCE_NUMBER("sequence"),
    /** The event's {@code aggregateVersion} field (the aggregate's version after the event, as event stores number it). */
    AGGREGATE_VERSION("aggregateVersion");

    private final String field;

    SequenceSource(String field) {
        this.field = field;
    }

    /** The field's name as events, files and error messages call it: {@code sequence} or {@code aggregateVersion}. */
    public String field() {
        return field;
    }

    /** The value this source reads from an event that carries {@code sequence} and {@code aggregateVersion}. */
    public java.util.OptionalLong read(java.util.OptionalLong sequence, java.util.OptionalLong aggregateVersion) {
        return this == SEQUENCE_NUMBER ? sequence : aggregateVersion;
    }
}
