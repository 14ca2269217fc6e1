package io.seqtrack.streams;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.processor.EventProcessor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds an {@link EventProcessor} from a Redis stream through a consumer group (docs/brokers.md):
 *
 * <ul>
 *   <li>{@code XREADGROUP} new entries (up to {@code maxInFlight} unacknowledged), map each to an event, submit it
 *       with {@code submitTracked}, and {@code XACK} it only when {@code Submission.acknowledgeable()} completes with a
 *       safe outcome (or after the rejection handler took it);</li>
 *   <li>an entry without a safe outcome ({@code BUFFER_FULL}, the store failing closed) stays pending, and the runner
 *       submits it again after {@code retryDelay} (it counts against {@code maxInFlight} meanwhile, so an outage stops
 *       the reading);</li>
 *   <li>every {@code claimInterval} the runner takes over entries pending longer than {@code claimIdle} — those of
 *       consumers that stopped — with {@code XPENDING} and a checked {@code XCLAIM} (one script), so they come back
 *       after newer entries: real reordering and real duplicates, which the store sorts out;</li>
 *   <li>entries still in flight (waiting in the buffer, a handler retrying, waiting for their retry) are kept from
 *       going idle by a
 *       {@code XCLAIM … JUSTID} of this runner's own every {@code claimInterval}, which counts no delivery: no consumer
 *       takes over an entry a live one still works on. The refresh is owner-checked (one script): an entry a peer
 *       took over while this runner was stalled past {@code claimIdle} is left to the peer, not taken back
 *       ({@code TakenOverByPeer});</li>
 *   <li>an entry delivered {@code maxDeliveries} times goes to the rejection handler ({@code DELIVERY_LIMIT}): only a
 *       takeover counts a delivery, so the limit catches entries whose consumers keep stopping (a poison pill that
 *       crashes the process), not entries retried through a store outage;</li>
 *   <li>a pending entry that was trimmed meanwhile is reported ({@code TrimmedWhilePending}): its event is a gap.
 *       One a peer took over or acknowledged first is not.</li>
 * </ul>
 *
 * Acknowledgement is per entry, so there is no offset prefix to hold back. The runner does not own the processor.
 *
 * <p>The stream may live on a standalone server, a Sentinel-monitored master ({@code redis-sentinel://…#master}) or a
 * Redis Cluster (several seed URIs, or {@link Builder#cluster(boolean)}); see docs/brokers.md for what a failover does.
 */
public interface StreamsConsumerRunner extends AutoCloseable {

    /** Connects, creates the group if it does not exist ({@code MKSTREAM}, from the start), starts the poll thread. */
    void start();

    /**
     * Entries read and not yet acknowledged by this runner (waiting for an outcome or for their retry), counted per
     * copy: an entry delivered to this runner again while its first copy still runs (after a failover that lost the
     * group's state) counts twice, as it is in the processor twice. What {@code maxInFlight} bounds.
     */
    int inFlight();

    /**
     * The group's pending entries (delivered to some consumer, not acknowledged), as of this runner's last takeover
     * round ({@code XPENDING} summary, every {@code claimInterval}); 0 before the first.
     */
    long groupPending();

    /** Of {@link #groupPending()}, the entries this consumer owns, as of the same round. */
    long ownedPending();

    /**
     * What stopped the poll thread, if something other than {@link #close()} did: an error that is not Redis's (a
     * mapper or rejection handler that threw an {@code Error}, a bug). Redis failures never stop it — it retries them.
     * Entries it held stay pending; a peer takes them over once idle past {@code claimIdle}.
     */
    java.util.Optional<Throwable> failure();

    /**
     * Stops reading, waits up to {@code closeTimeout} for in-flight entries, disconnects. Unacked entries stay pending —
     * also those waiting for a retry here — and a peer takes them over once idle past {@code claimIdle} (a delivery).
     */
    @Override
    void close();

    static Builder builder() {
        return new Builder();
    }

    /** Configures a runner; validates each value as it is set, and completeness on {@link #build()}. */
    final class Builder {
        final List<io.lettuce.core.RedisURI> redisUris = new ArrayList<>();
        boolean cluster;
        String stream;
        String group;
        String consumer;
        EventProcessor processor;
        StreamRecordMapper mapper = StreamRecordMapper.fromFields();
        StreamRejectionHandler rejections = StreamRejectionHandler.logging();
        final List<StreamsRunnerListener> listeners = new ArrayList<>();
        int maxInFlight = 1_000;
        int batch = 100;
        int maxDeliveries = 10;
        Duration pollTimeout = Duration.ofMillis(200);
        Duration claimIdle = Duration.ofSeconds(30);
        Duration claimInterval = Duration.ofSeconds(5);
        Duration closeTimeout = Duration.ofSeconds(10);
        Duration retryDelay = Duration.ofSeconds(1);
        Duration commandTimeout = Duration.ofSeconds(5);
        Clock clock = Clock.systemUTC();

        Builder() {
        }

        /**
         * The Redis the stream lives on, replacing any URI set before: {@code redis://host:port} or
         * {@code rediss://…} for a standalone server, {@code redis-sentinel://s1:26379,s2:26379#mymaster} for a
         * Sentinel-monitored master (Lettuce asks the sentinels for the master on every connect and reconnect, so a
         * failover is followed), or one seed node of a Cluster with {@link #cluster(boolean)}.
         */
        public Builder redisUri(String redisUri) {
            List<io.lettuce.core.RedisURI> parsed = List.of(parse(redisUri));
            redisUris.clear();
            redisUris.addAll(parsed);
            return this;
        }

        /**
         * The seed nodes of a Redis Cluster, replacing any URI set before. Several URIs are a Cluster (as in
         * tracker-redis's {@code RedisStoreConfig}); a single one is a standalone or Sentinel URI unless
         * {@link #cluster(boolean)} says otherwise. The runner finds the rest of the Cluster from the seeds.
         */
        public Builder redisUris(List<String> redisUris) {
            if (redisUris == null || redisUris.isEmpty()) {
                throw InvalidConfigurationException.of("streams.redisUri", "needs at least one URI, was " + redisUris);
            }
            List<io.lettuce.core.RedisURI> parsed = new ArrayList<>();
            for (String uri : redisUris) {
                parsed.add(parse(uri));
            }
            this.redisUris.clear();
            this.redisUris.addAll(parsed);
            return this;
        }

        /** Treats the URIs as Cluster seed nodes even if there is only one (several are a Cluster anyway). */
        public Builder cluster(boolean cluster) {
            this.cluster = cluster;
            return this;
        }

        private static io.lettuce.core.RedisURI parse(String uri) {
            text("streams.redisUri", uri);
            try {
                return io.lettuce.core.RedisURI.create(uri);
            } catch (IllegalArgumentException e) {
                throw InvalidConfigurationException.of("streams.redisUri", "is not a Redis URI (" + e.getMessage()
                        + ")");
            }
        }

        public Builder stream(String stream) {
            this.stream = text("streams.stream", stream);
            return this;
        }

        public Builder group(String group) {
            this.group = text("streams.group", group);
            return this;
        }

        /** This consumer's name in the group; unique per process. */
        public Builder consumer(String consumer) {
            this.consumer = text("streams.consumer", consumer);
            return this;
        }

        public Builder processor(EventProcessor processor) {
            this.processor = require("processor", processor);
            return this;
        }

        public Builder mapper(StreamRecordMapper mapper) {
            this.mapper = require("mapper", mapper);
            return this;
        }

        public Builder rejections(StreamRejectionHandler rejections) {
            this.rejections = require("rejections", rejections);
            return this;
        }

        public Builder listener(StreamsRunnerListener listener) {
            listeners.add(require("listener", listener));
            return this;
        }

        /**
         * Entries read and not yet acknowledged before the runner stops reading (each copy of an entry delivered twice
         * counts). At most the processor's {@code maxInFlight} ({@code build()} refuses more), so that a submit never
         * blocks the poll thread — as long as the runner is the processor's only submitter. Default 1000.
         */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = atLeastOne("streams.maxInFlight", maxInFlight);
            return this;
        }

        /** Deliveries (the group's count) after which an entry is rejected instead of submitted again. Default 10. */
        public Builder maxDeliveries(int maxDeliveries) {
            this.maxDeliveries = atLeastOne("streams.maxDeliveries", maxDeliveries);
            return this;
        }

        /** How long an entry must have been pending before it is taken over. Default 30 s (Redis's clock). */
        public Builder claimIdle(Duration claimIdle) {
            this.claimIdle = positive("streams.claimIdle", claimIdle);
            return this;
        }

        /**
         * How often idle pending entries are looked for, and in-flight ones kept from going idle. Default 5 s; must be
         * shorter than {@code claimIdle} (well shorter: a refresh may come up to {@code pollTimeout} late).
         */
        public Builder claimInterval(Duration claimInterval) {
            this.claimInterval = positive("streams.claimInterval", claimInterval);
            return this;
        }

        /**
         * How long an entry without a safe outcome (the store failing closed, {@code BUFFER_FULL}) waits before this
         * runner submits it again; default 1 s. It is checked once per poll, so it may come up to {@code pollTimeout}
         * late.
         */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = positive("streams.retryDelay", retryDelay);
            return this;
        }

        /** The longest {@code XREADGROUP} blocks. Default 200 ms. */
        public Builder pollTimeout(Duration pollTimeout) {
            this.pollTimeout = positive("streams.pollTimeout", pollTimeout);
            return this;
        }

        /**
         * How long {@link StreamsConsumerRunner#close()} waits for the outcomes of in-flight entries before it
         * disconnects (by {@code clock}). Default 10 s.
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive("streams.closeTimeout", closeTimeout);
            return this;
        }

        /**
         * How long a Redis command may take before it fails (and the poll loop tries again); an {@code XREADGROUP}
         * gets {@code pollTimeout} on top. Bounds how long the runner waits on a dead node during a failover. Default
         * 5 s.
         */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = positive("streams.commandTimeout", commandTimeout);
            return this;
        }

        /** The clock of the claim interval and the close deadline. */
        public Builder clock(Clock clock) {
            this.clock = require("clock", clock);
            return this;
        }

        public StreamsConsumerRunner build() {
            if (redisUris.isEmpty()) {
                throw InvalidConfigurationException.of("streams.redisUri", "is required");
            }
            boolean sentinel = redisUris.stream().anyMatch(u -> !u.getSentinels().isEmpty());
            if (sentinel && clustered()) {
                throw InvalidConfigurationException.of("streams.redisUri", "a redis-sentinel:// URI names its "
                        + "sentinels itself and cannot be combined with Cluster seeds");
            }
            for (String[] field : new String[][] {{"stream", stream}, {"group", group}, {"consumer", consumer}}) {
                if (field[1] == null) {
                    throw InvalidConfigurationException.of("streams." + field[0], "is required");
                }
            }
            require("processor", processor);
            if (maxInFlight > processor.maxInFlight()) {
                throw InvalidConfigurationException.of("streams.maxInFlight", "must be at most the processor's "
                        + "maxInFlight (" + processor.maxInFlight() + "), was " + maxInFlight + ": the poll thread would "
                        + "block in a submit once the processor is full, and stop refreshing its entries meanwhile");
            }
            if (claimInterval.compareTo(claimIdle) >= 0) {
                throw InvalidConfigurationException.of("streams.claimInterval", "must be shorter than streams.claimIdle ("
                        + claimIdle + ": in-flight entries are refreshed every claimInterval so that they never look "
                        + "idle), was " + claimInterval);
            }
            return new StreamsLoop(this);
        }

        /** Whether the URIs are Cluster seeds: several of them, or {@link #cluster(boolean)}. */
        boolean clustered() {
            return cluster || redisUris.size() > 1;
        }

        List<StreamsRunnerListener> listeners() {
            return List.copyOf(listeners);
        }

        private static String text(String field, String value) {
            if (value == null || value.isBlank()) {
                throw InvalidConfigurationException.of(field, "must be non-blank, was '" + value + "'");
            }
            return value;
        }

        private static <T> T require(String field, T value) {
            if (value == null) {
                throw InvalidConfigurationException.of("streams." + field, "is required");
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
