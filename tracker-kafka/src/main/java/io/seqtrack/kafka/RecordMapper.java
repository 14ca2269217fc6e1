package io.seqtrack.kafka;

import io.seqtrack.processor.Event;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a Kafka record into the {@link Event} the processor receives. Throws {@link UnmappableRecordException} (or any
 * runtime exception) for a record it cannot map; the runner then hands the record to its {@link RejectionHandler}.
 * Called on the poll thread, so keep it cheap.
 */
@FunctionalInterface
public interface RecordMapper {

    Event map(ConsumerRecord<byte[], byte[]> record);

    /**
     * The default: domain, aggregate id and sequence from {@link SeqtrackHeaders} (aggregate id falling back to the
     * record key, event id to {@code topic-partition@offset}); the value is the payload. A record without a domain
     * header is unmappable.
     */
    static RecordMapper fromHeaders() {
        return new HeaderRecordMapper(null);
    }

    /** Like {@link #fromHeaders()}, with {@code domain} for records that carry no domain header. */
    static RecordMapper fromHeaders(String domain) {
        if (domain == null || domain.isBlank()) {
            throw io.seqtrack.core.domain.InvalidConfigurationException.of("kafka.mapper.domain",
                    "must be a non-blank domain name, was '" + domain + "'");
        }
        return new HeaderRecordMapper(domain);
    }
}
