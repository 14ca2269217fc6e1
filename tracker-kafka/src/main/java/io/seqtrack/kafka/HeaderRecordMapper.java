package io.seqtrack.kafka;

import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** {@link RecordMapper#fromHeaders()}: the {@link SeqtrackHeaders}, the key as a fallback aggregate id. */
final class HeaderRecordMapper implements RecordMapper {

    private final String defaultDomain;

    HeaderRecordMapper(String defaultDomain) {
        this.defaultDomain = defaultDomain;
    }

    @Override
    public Event map(ConsumerRecord<byte[], byte[]> record) {
        String domain = text(record, SeqtrackHeaders.DOMAIN);
        if (domain == null) {
            domain = defaultDomain;
        }
        if (domain == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.DOMAIN, "is missing (and the mapper has no "
                    + "default domain)");
        }
        String aggregateId = text(record, SeqtrackHeaders.AGGREGATE_ID);
        if (aggregateId == null && record.key() != null) {
            aggregateId = new String(record.key(), StandardCharsets.UTF_8);
        }
        if (aggregateId == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.AGGREGATE_ID, "is missing and the record has "
                    + "no key");
        }
        OptionalLong sequence = number(record, SeqtrackHeaders.SEQUENCE);
        OptionalLong version = number(record, SeqtrackHeaders.AGGREGATE_VERSION);
        if (sequence.isEmpty() && version.isEmpty()) {
            // never default a missing sequence (the replaced system read it as 1)
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.SEQUENCE, "is missing (and so is "
                    + SeqtrackHeaders.AGGREGATE_VERSION + ")");
        }
        String eventId = text(record, SeqtrackHeaders.EVENT_ID);
        if (eventId == null) {
            eventId = record.topic() + "-" + record.partition() + "@" + record.offset();
        }
        return new Event(eventId, domain, aggregateId, sequence, version, text(record, SeqtrackHeaders.EVENT_TYPE),
                record.value());
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static OptionalLong number(ConsumerRecord<byte[], byte[]> record, String name) {
        String text = text(record, name);
        if (text == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            throw UnmappableRecordException.of("header " + name, "is not a decimal number: '" + text + "'");
        }
    }
}
