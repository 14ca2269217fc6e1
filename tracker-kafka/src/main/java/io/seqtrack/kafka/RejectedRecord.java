package io.seqtrack.kafka;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A record the runner will not process, with why: the mapper could not map it ({@link UnmappableRecordException}), the
 * processor answered {@code REJECTED} (unknown domain, blank id, …), or the handler of a disabled domain failed on
 * every attempt ({@code HandlerFailedException}: there is nothing to park it under).
 *
 * @param record the record as consumed
 * @param reason what was wrong, for people
 * @param kind   which of the three it was
 */
public record RejectedRecord(ConsumerRecord<byte[], byte[]> record, String reason, Kind kind) {

    /** Why a record was rejected. */
    public enum Kind {
        /** The {@link RecordMapper} could not map it. */
        UNMAPPABLE,
        /** The processor answered {@code REJECTED}: invalid as an event, it would fail the same way again. */
        INVALID_EVENT,
        /** A disabled domain's handler failed on every attempt. */
        HANDLER_FAILED
    }

    public RejectedRecord {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
    }

    public TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    public long offset() {
        return record.offset();
    }

    @Override
    public String toString() {
        return "RejectedRecord[" + record.topic() + "-" + record.partition() + "@" + record.offset() + " " + kind + ": "
                + reason + "]";
    }
}
