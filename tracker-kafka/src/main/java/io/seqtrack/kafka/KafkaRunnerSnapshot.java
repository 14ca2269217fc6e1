package io.seqtrack.kafka;

import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link KafkaConsumerRunner} holds, as of the end of its last poll-loop turn.
 *
 * @param partitions one entry per assigned partition the runner has seen records of
 * @param inFlight   records submitted to the processor whose outcome is not yet safe to acknowledge
 * @param running    whether the poll loop runs
 */
public record KafkaRunnerSnapshot(List<Partition> partitions, int inFlight, boolean running) {

    public KafkaRunnerSnapshot {
        partitions = List.copyOf(partitions);
    }

    /**
     * Partitions the runner has paused (back-pressure, backoff after a redelivery, caught up beside a partition held
     * back with records to fetch).
     */
    public long pausedPartitions() {
        return partitions.stream().filter(Partition::paused).count();
    }

    /** Records fetched whose offsets are not committable yet, over all partitions. */
    public long lag() {
        return partitions.stream().mapToLong(Partition::lag).sum();
    }

    /**
     * One partition.
     *
     * @param partition   the partition
     * @param fetched     the offset after the last record taken from it
     * @param committable the offset up to which every record is safe to acknowledge (what the next commit sends)
     * @param committed   the last offset this runner committed for it (-1 if none)
     * @param inFlight    records submitted and not yet acknowledged
     * @param queued      records fetched and not yet submitted (back-pressure)
     * @param paused      whether the runner has paused it
     * @param pausedBecause why, when paused
     */
    public record Partition(TopicPartition partition, long fetched, long committable, long committed, int inFlight,
            int queued, boolean paused, String pausedBecause) {

        /** The lag of the committable offset behind the fetched one. */
        public long lag() {
            return Math.max(0, fetched - committable);
        }
    }
}
