package io.seqtrack.kafka;

import io.seqtrack.core.domain.SequenceTrackingException;

/**
 * A record a {@link RecordMapper} cannot turn into an event (a header missing or not a number, …). The runner hands the
 * record to its {@link RejectionHandler} with this message as the reason and moves on; the record never blocks its
 * partition and is never dropped without the handler having seen it.
 */
public final class UnmappableRecordException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private UnmappableRecordException(String message) {
        super(message);
    }

    /** {@code what} names the header or field that was wrong, {@code problem} what was wrong with it. */
    public static UnmappableRecordException of(String what, String problem) {
        return new UnmappableRecordException(what + " " + problem);
    }
}
