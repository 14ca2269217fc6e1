package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A stream entry the runner will not process, with why. It is acknowledged ({@code XACK}) once the
 * {@link StreamRejectionHandler} completed.
 *
 * <p>The entry is carried as read, never decoded: its values are the bytes as stored (a binary payload, or a text
 * field that is not valid UTF-8 — the very reason of an {@code UNMAPPABLE} rejection — is not altered). Its field
 * names are Strings; a name that is not valid UTF-8 (such an entry is always {@code UNMAPPABLE}) is carried with each
 * invalid byte as the lone surrogate {@code U+DC00 + byte}, so {@link #originalFields()} gives every field back byte
 * for byte: what a dead-letter handler writes ({@code XADD} through a connection with Lettuce's
 * {@code ByteArrayCodec}).
 *
 * @param entry  the entry as read: field names as Strings, values as the bytes stored
 * @param reason what was wrong, for people; an {@code UNMAPPABLE} reason names the field
 * @param kind   which kind of rejection
 */
public record StreamRejection(StreamMessage<String, byte[]> entry, String reason, Kind kind) {

    /** Why an entry was rejected. */
    public enum Kind {
        /** The mapper could not map it (a field missing or malformed, a text field or field name not UTF-8). */
        UNMAPPABLE,
        /** The processor answered {@code REJECTED}. */
        INVALID_EVENT,
        /** A disabled domain's handler failed on every attempt. */
        HANDLER_FAILED,
        /** Delivered {@code maxDeliveries} times without a safe outcome (the store failing for it, say). */
        DELIVERY_LIMIT
    }

    public StreamRejection {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * The entry's fields exactly as stored, in the stream's order: names and values as bytes (copies), byte-identical
     * to what the producer wrote, whatever their encoding. Keys are arrays: iterate, do not look up.
     */
    public Map<byte[], byte[]> originalFields() {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        if (entry.getBody() != null) {
            entry.getBody().forEach((name, value) -> fields.put(StreamsCodec.encodeEscaped(name),
                    value == null ? null : value.clone()));
        }
        return fields;
    }
}
