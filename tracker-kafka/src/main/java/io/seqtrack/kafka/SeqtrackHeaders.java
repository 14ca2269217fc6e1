package io.seqtrack.kafka;

/**
 * The record headers {@link RecordMapper#fromHeaders()} reads and {@link KafkaRecords#producerRecord} writes. Values
 * are UTF-8 text; numbers are decimal.
 */
public interface SeqtrackHeaders {

    /** The domain name (e.g. {@code user_account}); without it the mapper's default domain, if it has one. */
    String DOMAIN = "seqtrack-domain";

    /** The aggregate id; without it the record key (UTF-8), which producers should set to the aggregate id anyway. */
    String AGGREGATE_ID = "seqtrack-aggregate-id";

    /** The per-aggregate sequence number. A record with neither this nor {@link #AGGREGATE_VERSION} is rejected. */
    String SEQUENCE = "seqtrack-sequence";

    /** The aggregate version, for domains numbered by {@code AGGREGATE_VERSION}. */
    String AGGREGATE_VERSION = "seqtrack-aggregate-version";

    /** The producer's event id; without it {@code topic-partition@offset}. */
    String EVENT_ID = "seqtrack-event-id";

    /** The event type; without it empty. */
    String EVENT_TYPE = "seqtrack-event-type";
}
