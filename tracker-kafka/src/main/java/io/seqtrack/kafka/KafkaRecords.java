package io.seqtrack.kafka;

import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The producer's side of {@link RecordMapper#fromHeaders()}: a record keyed by the aggregate id (so that the default
 * partitioner keeps an aggregate's events in one partition, in order) with the {@link SeqtrackHeaders}.
 */
public final class KafkaRecords {

    private KafkaRecords() {
    }

    /** {@code event} as a record for {@code topic}, keyed by its aggregate id. */
    public static ProducerRecord<byte[], byte[]> producerRecord(String topic, Event event) {
        return producerRecord(topic, null, event);
    }

    /** The same, into a chosen partition (tests use it to play a misbehaving producer). */
    public static ProducerRecord<byte[], byte[]> producerRecord(String topic, Integer partition, Event event) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition,
                utf8(event.aggregateId()), event.payload());
        record.headers().add(SeqtrackHeaders.DOMAIN, utf8(event.domain()));
        record.headers().add(SeqtrackHeaders.AGGREGATE_ID, utf8(event.aggregateId()));
        event.sequence().ifPresent(s -> record.headers().add(SeqtrackHeaders.SEQUENCE, utf8(Long.toString(s))));
        event.aggregateVersion().ifPresent(v -> record.headers().add(SeqtrackHeaders.AGGREGATE_VERSION,
                utf8(Long.toString(v))));
        if (!event.eventId().isEmpty()) {
            record.headers().add(SeqtrackHeaders.EVENT_ID, utf8(event.eventId()));
        }
        if (!event.type().isEmpty()) {
            record.headers().add(SeqtrackHeaders.EVENT_TYPE, utf8(event.type()));
        }
        return record;
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
