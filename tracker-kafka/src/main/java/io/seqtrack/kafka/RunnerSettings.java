package io.seqtrack.kafka;

import io.seqtrack.processor.EventProcessor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The validated, immutable configuration a {@link KafkaConsumerRunner.Builder} makes. {@code handOverCommitTimeout}
 * bounds each attempt of a hand-over's synchronous commit (derived, see the builder); {@code fetchMaxWait} is the
 * consumer's {@code fetch.max.wait.ms} (the properties' or {@link KafkaConsumerRunner#DEFAULT_FETCH_MAX_WAIT}), {@code maxPollRecords} its
 * {@code max.poll.records}.
 */
record RunnerSettings(Map<String, Object> consumerProperties, List<String> topics, EventProcessor processor,
        RecordMapper mapper, RejectionHandler rejections, List<KafkaRunnerListener> listeners, int maxInFlight,
        int maxInFlightPerPartition, Duration pollTimeout, Duration commitInterval, Duration revokeTimeout,
        Duration closeTimeout, Duration consumerCloseTimeout, Duration initialBackoff, Duration maxBackoff,
        Clock clock, Duration handOverCommitTimeout, Duration fetchMaxWait, int maxPollRecords) {

    /** The backoff after {@code failures} redeliveries in a row (1 = the first). */
    Duration backoff(int failures) {
        Duration backoff = initialBackoff;
        for (int i = 1; i < failures && backoff.compareTo(maxBackoff) < 0; i++) {
            backoff = backoff.multipliedBy(2);
        }
        return backoff.compareTo(maxBackoff) > 0 ? maxBackoff : backoff;
    }
}
