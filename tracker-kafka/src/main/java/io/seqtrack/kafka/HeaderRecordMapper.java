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
        Found found = Found.in(record);
        String domain = found.text(DOMAIN);
        if (domain == null) {
            domain = defaultDomain;
        }
        if (domain == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.DOMAIN, "is missing (and the mapper has no "
                    + "default domain)");
        }
        String aggregateId = found.text(AGGREGATE_ID);
        if (aggregateId == null && record.key() != null) {
            aggregateId = new String(record.key(), StandardCharsets.UTF_8);
        }
        if (aggregateId == null) {
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.AGGREGATE_ID, "is missing and the record has "
                    + "no key");
        }
        OptionalLong sequence = found.number(SEQUENCE);
        OptionalLong version = found.number(AGGREGATE_VERSION);
        if (sequence.isEmpty() && version.isEmpty()) {
            // never default a missing sequence (the replaced system read it as 1)
            throw UnmappableRecordException.of("header " + SeqtrackHeaders.SEQUENCE, "is missing (and so is "
                    + SeqtrackHeaders.AGGREGATE_VERSION + ")");
        }
        String eventId = found.text(EVENT_ID);
        if (eventId == null) {
            eventId = record.topic() + "-" + record.partition() + "@" + record.offset();
        }
        return new Event(eventId, domain, aggregateId, sequence, version, found.text(EVENT_TYPE), record.value());
    }

    private static final int DOMAIN = 0;
    private static final int AGGREGATE_ID = 1;
    private static final int SEQUENCE = 2;
    private static final int AGGREGATE_VERSION = 3;
    private static final int EVENT_ID = 4;
    private static final int EVENT_TYPE = 5;
    private static final String[] NAMES = {SeqtrackHeaders.DOMAIN, SeqtrackHeaders.AGGREGATE_ID,
        SeqtrackHeaders.SEQUENCE, SeqtrackHeaders.AGGREGATE_VERSION, SeqtrackHeaders.EVENT_ID,
        SeqtrackHeaders.EVENT_TYPE};

    /**
     * The value of the last header of each name (as {@code Headers.lastHeader} would find it), from one pass over the
     * record's headers instead of one per name: the mapper runs on the poll thread, once per record.
     */
    private record Found(byte[][] values) {

        static Found in(ConsumerRecord<byte[], byte[]> record) {
            byte[][] values = new byte[NAMES.length][];
            for (Header header : record.headers()) {
                String key = header.key();
                for (int i = 0; i < NAMES.length; i++) {
                    if (NAMES[i].equals(key)) {
                        values[i] = header.value();
                        break;
                    }
                }
            }
            return new Found(values);
        }

        String text(int name) {
            byte[] value = values[name];
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        OptionalLong number(int name) {
            String text = text(name);
            if (text == null) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(text.strip()));
            } catch (NumberFormatException e) {
                throw UnmappableRecordException.of("header " + NAMES[name], "is not a decimal number: '" + text + "'");
            }
        }
    }
}
