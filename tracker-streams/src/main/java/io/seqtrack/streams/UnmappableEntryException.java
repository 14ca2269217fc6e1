package io.seqtrack.streams;

import io.seqtrack.core.domain.SequenceTrackingException;

/** A stream entry a {@link StreamRecordMapper} cannot turn into an event; the message names the field. */
public final class UnmappableEntryException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private UnmappableEntryException(String message, Throwable cause) {
        super(message, cause);
    }

    public static UnmappableEntryException of(String field, String problem) {
        return new UnmappableEntryException("field " + field + " " + problem, null);
    }

    public static UnmappableEntryException of(String field, String problem, Throwable cause) {
        return new UnmappableEntryException("field " + field + " " + problem, cause);
    }
}
