package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import io.seqtrack.processor.Event;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a stream entry into the {@link Event} the processor receives; throws (any runtime exception) for an entry it
 * cannot map, which then goes to the {@link StreamRejectionHandler} as {@code UNMAPPABLE}.
 *
 * <p><b>Bytes and text.</b> The runner reads entries as bytes: field names are Strings (they must be valid UTF-8 — an
 * entry with a field name that is not is rejected {@code UNMAPPABLE} before any mapper sees it), values are the bytes
 * as stored. It calls {@link #mapBytes}. A mapper written as a lambda implements {@link #map}, the text form: the
 * default {@code mapBytes} decodes every value strictly as UTF-8 first, and an entry with a value that is not valid
 * UTF-8 (a binary payload) is rejected {@code UNMAPPABLE} naming the field — it is never handed on with replacement
 * characters. A mapper of binary values (protobuf, Avro) is made with {@link #ofBytes} or overrides
 * {@code mapBytes}. The default, {@link #fromFields()}, takes the payload as bytes and the other fields as strict text.
 */
@FunctionalInterface
public interface StreamRecordMapper {

    /** The text form: the entry with every value decoded as UTF-8 (strictly: see the class comment). */
    Event map(StreamMessage<String, String> entry);

    /**
     * What the runner calls, with the entry as stored: field names as Strings (valid UTF-8), values as bytes. The
     * default decodes every value strictly and calls {@link #map}; a value that is not valid UTF-8 throws
     * {@link UnmappableEntryException} naming its field. The arrays are the runner's — the same ones a rejection
     * carries and a retry maps again —: read them, copy before changing them.
     */
    default Event mapBytes(StreamMessage<String, byte[]> entry) {
        return map(EntryText.decoded(entry));
    }

    /**
     * The default: fields {@code domain}, {@code aggregateId} and {@code sequence} (decimal), optional
     * {@code eventId} (else {@code stream@entryId}), {@code type} (UTF-8 text, decoded strictly: a text field that is
     * not valid UTF-8 makes the entry {@code UNMAPPABLE}, the reason naming the field) and {@code payload} (the bytes
     * as stored, binary-safe; empty if absent). A missing sequence is never read as 1.
     */
    static StreamRecordMapper fromFields() {
        return FieldRecordMapper.INSTANCE;
    }

    /**
     * A mapper of the entry's values as bytes, as stored ({@link #mapBytes}); given a text entry ({@link #map}), it
     * gets the values encoded as UTF-8.
     */
    static StreamRecordMapper ofBytes(Function<StreamMessage<String, byte[]>, Event> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return new StreamRecordMapper() {
            @Override
            public Event map(StreamMessage<String, String> entry) {
                return mapper.apply(EntryText.encoded(entry));
            }

            @Override
            public Event mapBytes(StreamMessage<String, byte[]> entry) {
                return mapper.apply(entry);
            }
        };
    }
}
