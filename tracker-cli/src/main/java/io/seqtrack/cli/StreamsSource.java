package io.seqtrack.cli;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.streams.StreamsConsumerRunner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * {@code simulate --source streams}: the plan's deliveries go through a Redis stream of the user's server (standalone,
 * Sentinel or Cluster) — appended in
 * plan order, so an aggregate's duplicates and reorderings reach the consumer as generated — and come back through a
 * {@link StreamsConsumerRunner} in a consumer group of their own. The stream is new for the run (a simulation never
 * reads data it did not write: a stream of that name that exists already is refused) and deleted afterwards, with its
 * group.
 */
final class StreamsSource implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final List<String> redisUris;
    private final boolean cluster;
    private final String where;
    private final String stream;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    /** The commands both APIs share: a standalone/Sentinel connection's, or a Cluster's (routed by key). */
    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;

    private StreamsSource(List<String> redisUris, boolean cluster, String where, String stream,
            AbstractRedisClient client, StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> sync, RedisClusterAsyncCommands<String, String> async) {
        this.redisUris = redisUris;
        this.cluster = cluster;
        this.where = where;
        this.stream = stream;
        this.client = client;
        this.connection = connection;
        this.sync = sync;
        this.async = async;
    }

    /**
     * Connects to {@code redisUris} — one standalone or Sentinel URI, or (with {@code cluster}) a Cluster's seed
     * nodes; creates {@code stream} and its group, refusing a key that already exists.
     */
    static StreamsSource create(List<String> redisUris, boolean cluster, String stream) {
        List<RedisURI> uris = new ArrayList<>();
        for (String redisUri : redisUris) {
            RedisURI uri = RedisURI.create(redisUri);
            uri.setTimeout(TIMEOUT);
            uris.add(uri);
        }
        String where = describe(uris, cluster);
        AbstractRedisClient client = cluster ? RedisClusterClient.create(uris) : RedisClient.create(uris.get(0));
        try {
            StatefulConnection<String, String> connection;
            RedisClusterCommands<String, String> sync;
            RedisClusterAsyncCommands<String, String> async;
            if (cluster) {
                StatefulRedisClusterConnection<String, String> c = ((RedisClusterClient) client).connect();
                connection = c;
                sync = c.sync();
                async = c.async();
            } else {
                StatefulRedisConnection<String, String> c = ((RedisClient) client).connect();
                connection = c;
                sync = c.sync();
                async = c.async();
            }
            // atomically: refuse an existing key, else create the stream with the run's group (from the start), so
            // that no stream created meanwhile by someone else is appended to — or deleted afterwards. One key: on a
            // Cluster the script runs on the master of its slot
            Long created = sync.eval("if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
                    + "redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM') return 1",
                    io.lettuce.core.ScriptOutputType.INTEGER, new String[] {stream}, stream);
            if (created == null || created != 1L) {
                connection.close();
                throw new IllegalStateException("stream " + stream + " already exists on " + where
                        + "; a simulation only reads what it wrote");
            }
            return new StreamsSource(List.copyOf(redisUris), cluster, where, stream, client, connection, sync, async);
        } catch (RuntimeException e) {
            client.shutdown();
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("cannot connect to " + where + ": " + e.getMessage(), e);
        }
    }

    /** Where the stream is, never with credentials: host:port, the sentinels and master name, or the Cluster seeds. */
    private static String describe(List<RedisURI> uris, boolean cluster) {
        List<String> parts = new ArrayList<>();
        for (RedisURI uri : uris) {
            if (!uri.getSentinels().isEmpty()) {
                List<String> sentinels = new ArrayList<>();
                uri.getSentinels().forEach(s -> sentinels.add(s.getHost() + ":" + s.getPort()));
                parts.add("master " + uri.getSentinelMasterId() + " of sentinels " + String.join(",", sentinels));
            } else {
                parts.add(uri.getHost() + ":" + uri.getPort());
            }
        }
        return cluster ? "Redis Cluster " + String.join(",", parts) : String.join(",", parts);
    }

    String describe() {
        return "Redis stream " + stream + " on " + where;
    }

    /** Appends every delivery of the plan, in plan order (pipelined), and waits until Redis has them all. */
    void produce(SimulationPlan plan, SequenceSource source) {
        List<RedisFuture<String>> sent = new ArrayList<>(plan.deliveries());
        for (int i = 0; i < plan.deliveries(); i++) {
            sent.add(async.xadd(stream, fields(plan.event(i, source))));
        }
        for (RedisFuture<String> f : sent) {
            try {
                if (!f.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("appending to " + stream + " timed out");
                }
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while appending to " + stream, e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("cannot append to " + stream + ": " + e.getCause(), e);
            }
        }
    }

    /** The entry of one event: the fields the default mapper reads, plus which sequence field it carries. */
    private static Map<String, String> fields(Event event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("eventId", event.eventId());
        fields.put("domain", event.domain());
        fields.put("aggregateId", event.aggregateId());
        boolean version = event.aggregateVersion().isPresent();
        fields.put("sequence", Long.toString(version ? event.aggregateVersion().getAsLong() : event.sequence().getAsLong()));
        fields.put("sequenceField", version ? "aggregateVersion" : "sequence");
        fields.put("type", event.type());
        fields.put("payload", new String(event.payload(), StandardCharsets.UTF_8));
        return fields;
    }

    /** The events back from their entries, the sequence in the field the plan put it in. */
    private static Event event(StreamMessage<String, String> entry) {
        Map<String, String> f = entry.getBody();
        long seq = Long.parseLong(f.get("sequence"));
        byte[] payload = f.getOrDefault("payload", "").getBytes(StandardCharsets.UTF_8);
        return "aggregateVersion".equals(f.get("sequenceField"))
                ? Event.ofAggregateVersion(f.get("eventId"), f.get("domain"), f.get("aggregateId"), seq, f.get("type"),
                        payload)
                : Event.of(f.get("eventId"), f.get("domain"), f.get("aggregateId"), seq, f.get("type"), payload);
    }

    /** A started runner that feeds {@code processor} and tells {@code outcomes} how each submission was accepted. */
    StreamsConsumerRunner consume(EventProcessor processor, BiConsumer<Outcome, Throwable> outcomes) {
        StreamsConsumerRunner runner = StreamsConsumerRunner.builder().redisUris(redisUris).cluster(cluster)
                .stream(stream).group(stream).consumer("simulate").mapper(StreamsSource::event)
                .processor(new ObservedProcessor(processor, outcomes)).pollTimeout(Duration.ofMillis(50)).build();
        runner.start();
        return runner;
    }

    /** Deletes the run's stream (and with it its consumer group). */
    @Override
    public void close() {
        try {
            sync.del(stream);
        } catch (RuntimeException e) {
            // the run's result stands; the leftover stream is named in the report
        } finally {
            connection.close();
            client.shutdown();
        }
    }
}
