package io.seqtrack.kafka;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.processor.EventProcessor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Feeds an {@link EventProcessor} from Kafka topics and commits per partition only the contiguous prefix of offsets
 * whose outcome is safe to acknowledge (see docs/brokers.md):
 *
 * <ul>
 *   <li>one poll thread owns the {@code KafkaConsumer}; each record is mapped to an {@code Event} by the
 *       {@link RecordMapper}, submitted (the records of a turn together, with {@code submitAllTracked}), and
 *       acknowledged when its
 *       {@code Submission.acknowledgeable()} completes with a safe outcome ({@code accepted()} with a durable buffer,
 *       {@code settled()} with the in-memory one, so a {@code BUFFERED} event of the in-memory buffer holds the
 *       commit back until it is handled, parked or dropped);</li>
 *   <li>a record the mapper cannot map, that the processor answers {@code REJECTED}, or whose disabled-domain handler
 *       failed goes to the {@link RejectionHandler} and counts as acknowledged once that completes;</li>
 *   <li>{@code BUFFER_FULL}, a failed stage (the store failing closed) or a failed rejection rewinds the partition to
 *       that record and pauses it for a growing backoff: nothing past an unacknowledged record is ever committed, and
 *       the store deduplicates what is delivered again;</li>
 *   <li>back-pressure holds records back in their partition's queue ({@code maxInFlight},
 *       {@code maxInFlightPerPartition}) and pauses a partition whose queue is full instead of blocking the poll loop,
 *       which keeps polling so the group does not evict it; caught-up partitions are paused beside a lagging one
 *       that is, so that no fetch waits on the broker (docs/brokers.md, <em>Back-pressure</em>);</li>
 *   <li>a revoked partition stops being submitted, its in-flight records get {@code revokeTimeout} to finish, then its
 *       prefix is committed synchronously; what was not acknowledged is redelivered to the new owner.</li>
 * </ul>
 *
 * The runner does not own the processor: close the runner first, then the processor, then the buffer and the store.
 */
public interface KafkaConsumerRunner extends AutoCloseable {

    /**
     * The consumer's {@code fetch.max.wait.ms} unless the consumer properties set it (Kafka's default is 500 ms). A
     * consumer has one fetch in flight per broker, and a fetch that asks only for partitions with no new records is
     * held by the broker until new records come or this much time passes. The runner pauses partitions for
     * back-pressure, and a paused partition is left out of the fetch sent meanwhile: when the others are caught up,
     * that fetch is held, and the resumed partition's next fetch waits behind it. At Kafka's default a partition that
     * lags beside caught-up ones waited up to half a second after each pause ({@code KafkaAdapterBenchmark}: the
     * runner took twice as long over a 200 000-record topic, see docs/brokers.md). The price of the lower bound is an
     * idle consumer's empty fetch every 100 ms per broker instead of every 500 ms.
     */
    Duration DEFAULT_FETCH_MAX_WAIT = Duration.ofMillis(100);

    /** Creates the consumer, subscribes and starts the poll thread. Once only. */
    void start();

    /** What the runner holds, as of its last poll-loop turn. */
    KafkaRunnerSnapshot snapshot();

    /** Why the poll loop stopped on its own (a fatal consumer error), if it did. */
    Optional<Throwable> failure();

    /**
     * Stops fetching, waits up to {@code closeTimeout} for the records in flight, commits the acknowledged prefix of
     * every partition synchronously and closes the consumer (leaving the group) within {@code consumerCloseTimeout}.
     * Returns when the poll thread has ended.
     */
    @Override
    void close();

    static Builder builder() {
        return new Builder();
    }

    /** Configures a runner; validates each value as it is set, and completeness on {@link #build()}. */
    final class Builder {
        final Map<String, Object> consumerProperties = new HashMap<>();
        final List<String> topics = new ArrayList<>();
        EventProcessor processor;
        RecordMapper mapper = RecordMapper.fromHeaders();
        RejectionHandler rejections = RejectionHandler.logging();
        final List<KafkaRunnerListener> listeners = new ArrayList<>();
        int maxInFlight = 1_000;
        int maxInFlightPerPartition = 500;
        Duration pollTimeout = Duration.ofMillis(200);
        Duration commitInterval = Duration.ofSeconds(1);
        Duration revokeTimeout = Duration.ofSeconds(10);
        Duration closeTimeout = Duration.ofSeconds(10);
        Duration consumerCloseTimeout = Duration.ofMillis(100);
        Duration initialBackoff = Duration.ofMillis(100);
        Duration maxBackoff = Duration.ofSeconds(5);
        Clock clock = Clock.systemUTC();

        Builder() {
        }

        /**
         * The consumer's configuration ({@code bootstrap.servers} and {@code group.id} required). The runner sets the
         * byte-array deserializers and {@code enable.auto.commit=false} (it commits itself); an explicit
         * {@code enable.auto.commit=true} is refused. {@code auto.offset.reset} defaults to {@code earliest}, not
         * Kafka's {@code latest}: a partition without a committed offset is read from its beginning (what was handled
         * already is a duplicate to the store) instead of having its records skipped. {@code fetch.max.wait.ms}
         * defaults to {@link #DEFAULT_FETCH_MAX_WAIT} (100 ms), not Kafka's 500 ms: see there why.
         */
        public Builder consumerProperties(Map<String, ?> properties) {
            if (properties == null) {
                throw InvalidConfigurationException.of("kafka.consumerProperties", "is required");
            }
            Object autoCommit = properties.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
            if (autoCommit != null && Boolean.parseBoolean(autoCommit.toString())) {
                throw InvalidConfigurationException.of("kafka.consumerProperties.enable.auto.commit",
                        "must not be true: the runner commits only offsets that are safe to acknowledge");
            }
            consumerProperties.putAll(properties);
            return this;
        }

        /** The topics to subscribe to. */
        public Builder topics(List<String> topics) {
            if (topics == null || topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
                throw InvalidConfigurationException.of("kafka.topics", "must be non-blank topic names, was " + topics);
            }
            this.topics.clear();
            this.topics.addAll(topics);
            return this;
        }

        public Builder topics(String... topics) {
            return topics(topics == null ? null : List.of(topics));
        }

        /** The processor the records go to; the application owns it (closes it after the runner). */
        public Builder processor(EventProcessor processor) {
            this.processor = require("processor", processor);
            return this;
        }

        /** Record → event. Default {@link RecordMapper#fromHeaders()}. */
        public Builder mapper(RecordMapper mapper) {
            this.mapper = require("mapper", mapper);
            return this;
        }

        /** Where unmappable, invalid and failed-untracked records go. Default {@link RejectionHandler#logging()}. */
        public Builder rejections(RejectionHandler rejections) {
            this.rejections = require("rejections", rejections);
            return this;
        }

        public Builder listener(KafkaRunnerListener listener) {
            listeners.add(require("listener", listener));
            return this;
        }

        /**
         * Records submitted and not yet acknowledged, over all partitions; at the limit the rest wait in their
         * partitions' queues (a partition is paused when {@code maxInFlightPerPartition} records wait in its queue). At
         * most the processor's {@code maxInFlight} ({@code build()} refuses more), so that a submit never blocks the
         * poll thread — as long as the runner is the processor's only submitter. Default 1000.
         */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = atLeastOne("kafka.maxInFlight", maxInFlight);
            return this;
        }

        /**
         * Records not yet acknowledged per partition; records beyond wait in the partition's queue, and the partition
         * is paused while this many wait there (until half of them are submitted). Default 500.
         */
        public Builder maxInFlightPerPartition(int maxInFlightPerPartition) {
            this.maxInFlightPerPartition = atLeastOne("kafka.maxInFlightPerPartition", maxInFlightPerPartition);
            return this;
        }

        /** The longest a poll waits for records when nothing is in flight. Default 200 ms. */
        public Builder pollTimeout(Duration pollTimeout) {
            this.pollTimeout = positive("kafka.pollTimeout", pollTimeout);
            return this;
        }

        /** How often the committable prefix is committed (asynchronously). Default 1 s. */
        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = positive("kafka.commitInterval", commitInterval);
            return this;
        }

        /**
         * How long a revoked partition's in-flight records may take before its prefix is committed and it is handed
         * over; must be below the consumer's {@code max.poll.interval.ms}. Default 10 s.
         */
        public Builder revokeTimeout(Duration revokeTimeout) {
            this.revokeTimeout = positive("kafka.revokeTimeout", revokeTimeout);
            return this;
        }

        /** How long {@link #close()} waits for in-flight records before the last commit. Default 10 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive("kafka.closeTimeout", closeTimeout);
            return this;
        }

        /**
         * How long closing the consumer may take once {@link #close()} has committed the final prefix. Its LeaveGroup
         * needs one round trip to the group coordinator; without a bound the consumer's {@code close()} also waits
         * for a fetch the broker holds open on an idle partition — up to {@code fetch.max.wait.ms} (100 ms unless
         * set, see {@link #DEFAULT_FETCH_MAX_WAIT}; Kafka's default is 500 ms) — to
         * close its fetch session, which the broker evicts on its own. Default 100 ms. With
         * {@code group.protocol=consumer} the consumer logs a warning when the bound cuts that fetch off.
         */
        public Builder consumerCloseTimeout(Duration consumerCloseTimeout) {
            this.consumerCloseTimeout = positive("kafka.consumerCloseTimeout", consumerCloseTimeout);
            return this;
        }

        /**
         * The pause of a partition after a redelivery, doubled for each one in a row up to {@code max}, reset by an
         * acknowledgement. Default 100 ms to 5 s.
         */
        public Builder redeliveryBackoff(Duration initial, Duration max) {
            Duration first = positive("kafka.redeliveryBackoff.initial", initial);
            Duration last = positive("kafka.redeliveryBackoff.max", max);
            if (last.compareTo(first) < 0) {
                throw InvalidConfigurationException.of("kafka.redeliveryBackoff.max", "must be >= the initial backoff "
                        + first + ", was " + last);
            }
            this.initialBackoff = first;
            this.maxBackoff = last;
            return this;
        }

        /** The clock of backoffs, commit intervals and hand-over deadlines; tests use a manual one. */
        public Builder clock(Clock clock) {
            this.clock = require("clock", clock);
            return this;
        }

        public KafkaConsumerRunner build() {
            return new PollLoop(settings());
        }

        /** Validates and freezes the configuration. */
        RunnerSettings settings() {
            require("processor", processor);
            if (topics.isEmpty()) {
                throw InvalidConfigurationException.of("kafka.topics", "is required");
            }
            for (String required : List.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ConsumerConfig.GROUP_ID_CONFIG)) {
                if (consumerProperties.get(required) == null) {
                    throw InvalidConfigurationException.of("kafka.consumerProperties." + required, "is required");
                }
            }
            consumerProperties.forEach((name, value) -> {
                if (value == null) {
                    throw InvalidConfigurationException.of("kafka.consumerProperties." + name, "has no value (null)");
                }
            });
            long maxPollInterval = millis(consumerProperties.getOrDefault(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                    300_000), ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
            if (maxInFlight > processor.maxInFlight()) {
                throw InvalidConfigurationException.of("kafka.maxInFlight", "must be at most the processor's "
                        + "maxInFlight (" + processor.maxInFlight() + "), was " + maxInFlight + ": the poll thread would "
                        + "block in a submit once the processor is full, and the consumer be evicted from the group");
            }
            if (revokeTimeout.toMillis() >= maxPollInterval) {
                throw InvalidConfigurationException.of("kafka.revokeTimeout", "must be below the consumer's "
                        + ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG + " (" + maxPollInterval + " ms), was "
                        + revokeTimeout + ": a longer hand-over would get the consumer evicted from the group");
            }
            // a revocation runs inside poll(): its wait and its synchronous commit (up to three attempts, see PollLoop)
            // must fit in max.poll.interval.ms together, while Kafka's own bound for a commit is default.api.timeout.ms
            // (60 s) per attempt — three of those after a 10 s wait overran a short poll interval (review finding)
            long apiTimeout = millis(consumerProperties.getOrDefault(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    60_000), ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
            Duration commitTimeout = Duration.ofMillis(Math.max(1, Math.min(apiTimeout,
                    (maxPollInterval - revokeTimeout.toMillis()) / PollLoop.COMMIT_ATTEMPTS)));
            long fetchMaxWait = millis(consumerProperties.getOrDefault(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                    DEFAULT_FETCH_MAX_WAIT.toMillis()), ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
            return new RunnerSettings(Map.copyOf(consumerProperties), List.copyOf(topics), processor,
                    mapper, rejections, List.copyOf(listeners), maxInFlight, maxInFlightPerPartition, pollTimeout,
                    commitInterval, revokeTimeout, closeTimeout, consumerCloseTimeout, initialBackoff, maxBackoff,
                    clock, commitTimeout, Duration.ofMillis(fetchMaxWait), (int) number(consumerProperties.getOrDefault(
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, ConsumerConfig.DEFAULT_MAX_POLL_RECORDS),
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "a number of records"));
        }

        /** A consumer property that is a number of milliseconds; refused naming it otherwise. */
        private static long millis(Object value, String property) {
            return number(value, property, "a number of milliseconds");
        }

        /** A consumer property that is a whole number from 0 to Integer.MAX_VALUE; refused naming it otherwise. */
        private static long number(Object value, String property, String what) {
            long number;
            try {
                number = Long.parseLong(String.valueOf(value).strip());
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 0 || number > Integer.MAX_VALUE) {
                throw InvalidConfigurationException.of("kafka.consumerProperties." + property,
                        "must be " + what + ", was '" + value + "'");
            }
            return number;
        }

        private static <T> T require(String field, T value) {
            if (value == null) {
                throw InvalidConfigurationException.of("kafka." + field, "is required");
            }
            return value;
        }

        private static int atLeastOne(String field, int value) {
            if (value < 1) {
                throw InvalidConfigurationException.of(field, "must be >= 1, was " + value);
            }
            return value;
        }

        private static Duration positive(String field, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw InvalidConfigurationException.of(field, "must be positive, was " + value);
            }
            return value;
        }
    }
}
