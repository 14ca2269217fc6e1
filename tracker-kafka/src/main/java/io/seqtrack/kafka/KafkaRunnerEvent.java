package io.seqtrack.kafka;

import io.seqtrack.processor.Outcome;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** What a {@link KafkaConsumerRunner} tells its {@link KafkaRunnerListener}s. One record per kind. */
public sealed interface KafkaRunnerEvent {

    /** A record's outcome is safe to acknowledge: its offset may join the committable prefix. */
    record Acknowledged(TopicPartition partition, long offset, Outcome outcome) implements KafkaRunnerEvent {
    }

    /** A record was handed to the {@link RejectionHandler} (which then completed). */
    record Rejected(RejectedRecord rejected) implements KafkaRunnerEvent {
    }

    /**
     * A record could not be acknowledged ({@code BUFFER_FULL}, the store failing closed, the rejection handler
     * failing): the partition is rewound to {@code offset} and paused for a backoff; everything from there is delivered
     * again.
     */
    record Redelivering(TopicPartition partition, long offset, String reason) implements KafkaRunnerEvent {
    }

    /**
     * About to commit these offsets (the next offset to consume, per partition). Sent before the request, so a
     * listener sees every offset before the broker can.
     */
    record Committing(Map<TopicPartition, Long> offsets, boolean sync) implements KafkaRunnerEvent {
    }

    /** The broker confirmed these offsets. */
    record Committed(Map<TopicPartition, Long> offsets) implements KafkaRunnerEvent {
    }

    /** A commit failed; the offsets are committed again with the next one. */
    record CommitFailed(Map<TopicPartition, Long> offsets, String error) implements KafkaRunnerEvent {
    }

    /** The runner stopped fetching from a partition (back-pressure or backoff). */
    record Paused(TopicPartition partition, String reason) implements KafkaRunnerEvent {
    }

    /** The runner fetches from the partition again. */
    record Resumed(TopicPartition partition) implements KafkaRunnerEvent {
    }

    /**
     * The partition is being revoked (or the runner closes): nothing more of it is submitted, and its {@code inFlight}
     * records get the revoke (close) timeout to finish before its prefix is committed.
     */
    record Revoking(TopicPartition partition, int inFlight) implements KafkaRunnerEvent {
    }

    /**
     * The partition was revoked (or lost): {@code committed} is the last offset committed for it by this runner (-1 if
     * none), {@code unfinished} the records still in flight when the hand-over wait ended (they are redelivered to the
     * new owner). {@code lost} is true when Kafka reported the partition lost (nothing could be committed).
     */
    record Revoked(TopicPartition partition, long committed, int unfinished, boolean lost) implements KafkaRunnerEvent {
    }
}
