package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import io.seqtrack.processor.Event;

/**
 * Turns a stream entry into the {@link Event} the processor receives; throws (any runtime exception) for an entry it
 * cannot map, which then goes to the {@link StreamRejectionHandler}.
 */
@FunctionalInterface
public interface StreamRecordMapper {

    Event map(StreamMessage<String, String> entry);

    /**
     * The default: fields {@code domain}, {@code aggregateId} and {@code sequence} (decimal), optional
     * {@code eventId} (else {@code stream@entryId}), {@code type} and {@code payload} (UTF-8). A missing sequence is
     * never read as 1.
     */
    static StreamRecordMapper fromFields() {
        return FieldRecordMapper.INSTANCE;
    }
}
