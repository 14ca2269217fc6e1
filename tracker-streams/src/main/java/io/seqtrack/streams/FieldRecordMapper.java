package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import io.seqtrack.processor.Event;
import java.util.Map;

/** {@link StreamRecordMapper#fromFields()}: the payload as bytes, the other fields as strict UTF-8 text. */
final class FieldRecordMapper implements StreamRecordMapper {

    static final FieldRecordMapper INSTANCE = new FieldRecordMapper();
    private static final byte[] NO_PAYLOAD = new byte[0];

    private FieldRecordMapper() {
    }

    @Override
    public Event map(StreamMessage<String, String> entry) {
        return mapBytes(EntryText.encoded(entry));
    }

    @Override
    public Event mapBytes(StreamMessage<String, byte[]> entry) {
        Map<String, byte[]> fields = entry.getBody();
        String domain = required(fields, "domain");
        String aggregateId = required(fields, "aggregateId");
        String sequence = required(fields, "sequence");
        long seq;
        try {
            seq = Long.parseLong(sequence.strip());
        } catch (NumberFormatException e) {
            throw UnmappableEntryException.of("sequence", "is not a decimal number: '" + sequence + "'", e);
        }
        String eventId = optional(fields, "eventId", entry.getStream() + "@" + entry.getId());
        String type = optional(fields, "type", "");
        byte[] payload = fields.get("payload");
        return Event.of(eventId, domain, aggregateId, seq, type, payload == null ? NO_PAYLOAD : payload);
    }

    private static String required(Map<String, byte[]> fields, String name) {
        byte[] value = fields.get(name);
        if (value == null) {
            throw UnmappableEntryException.of(name, "is missing");
        }
        return EntryText.text(name, value);
    }

    private static String optional(Map<String, byte[]> fields, String name, String otherwise) {
        byte[] value = fields.get(name);
        return value == null ? otherwise : EntryText.text(name, value);
    }
}
