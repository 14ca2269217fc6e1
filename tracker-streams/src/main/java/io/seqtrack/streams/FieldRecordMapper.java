package io.seqtrack.streams;

import io.lettuce.core.StreamMessage;
import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@link StreamRecordMapper#fromFields()}. */
final class FieldRecordMapper implements StreamRecordMapper {

    static final FieldRecordMapper INSTANCE = new FieldRecordMapper();

    private FieldRecordMapper() {
    }

    @Override
    public Event map(StreamMessage<String, String> entry) {
        Map<String, String> fields = entry.getBody();
        String domain = required(fields, "domain");
        String aggregateId = required(fields, "aggregateId");
        String sequence = required(fields, "sequence");
        long seq;
        try {
            seq = Long.parseLong(sequence.strip());
        } catch (NumberFormatException e) {
            throw UnmappableEntryException.of("sequence", "is not a decimal number: '" + sequence + "'", e);
        }
        String eventId = fields.getOrDefault("eventId", entry.getStream() + "@" + entry.getId());
        String payload = fields.getOrDefault("payload", "");
        return Event.of(eventId, domain, aggregateId, seq, fields.getOrDefault("type", ""),
                payload.getBytes(StandardCharsets.UTF_8));
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw UnmappableEntryException.of(name, "is missing");
        }
        return value;
    }
}
