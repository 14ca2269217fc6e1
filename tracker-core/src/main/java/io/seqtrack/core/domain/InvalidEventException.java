package io.seqtrack.core.domain;

import java.util.Objects;

/**
 * An event (or an argument describing one) is malformed: a missing, blank or oversized domain or aggregate id, a
 * missing, negative, below-first or overflowing sequence. Nothing was read from or written to a store; retrying
 * the same input fails the same way.
 */
public final class InvalidEventException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final String field;

    private InvalidEventException(String field, String message) {
        super(message);
        this.field = field;
    }

    /**
     * Creates the exception for one offending field.
     *
     * @param field  the name of the offending field, e.g. {@code "sequence"} or {@code "aggregateId"}
     * @param reason what is wrong with it, in words a user understands
     */
    public static InvalidEventException of(String field, String reason) {
        Objects.requireNonNull(field, "field");
        return new InvalidEventException(field, "invalid event: " + field + " " + reason);
    }

    /** The name of the field that was wrong, e.g. {@code "sequence"}. */
    public String field() {
        return field;
    }
}
