package io.seqtrack.cli;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
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
 * {@code simulate --source streams}: the plan's deliveries go through a Redis stream of the user's server — appended in
 * plan order, so an aggregate's duplicates and reorderings reach the consumer as generated — and come back through a
 * {@link StreamsConsumerRunner} in a consumer group of their own. The stream is new for the run (a simulation never
 * reads data it did not write: a stream of that name that exists already is refused) and deleted afterwards, with its
 * group.
 */
final class StreamsSource implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String redisUri;
    private final RedisURI uri;
    private final String stream;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private StreamsSource(String redisUri, RedisURI uri, String stream, RedisClient client,
            StatefulRedisConnection<String, String> connection) {
        this.redisUri = redisUri;
        this.uri = uri;
        this.stream = stream;
        this.client = client;
        this.connection = connection;
    }

    /** Connects to {@code redisUri}; creates {@code stream} and its group, refusing a key that already exists. */
    static StreamsSource create(String redisUri, String stream) {
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(TIMEOUT);
        RedisClient client = RedisClient.create(uri);
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            // atomically: refuse an existing key, else create the stream with the run's group (from the start), so
            // that no stream created meanwhile by someone else is appended to — or deleted afterwards
            Long created = connection.sync().eval("if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
                    + "redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM') return 1",
                    io.lettuce.core.ScriptOutputType.INTEGER, new String[] {stream}, stream);
            if (created == null || created != 1L) {
                connection.close();
                throw new IllegalStateException("stream " + stream + " already exists on " + describe(uri)
                        + "; a simulation only reads what it wrote");
            }
            return new StreamsSource(redisUri, uri, stream, client, connection);
        } catch (RuntimeException e) {
            client.shutdown();
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("cannot connect to " + describe(uri) + ": " + e.getMessage(), e);
        }
    }

    private static String describe(RedisURI uri) {
        return uri.getHost() + ":" + uri.getPort(); // never the credentials
    }

    String describe() {
        return "Redis stream " + stream + " on " + describe(uri);
    }

    /** Appends every delivery of the plan, in plan order (pipelined), and waits until Redis has them all. */
    void produce(SimulationPlan plan, SequenceSource source) {
        List<RedisFuture<String>> sent = new ArrayList<>(plan.deliveries());
        for (int i = 0; i < plan.deliveries(); i++) {
            sent.add(connection.async().xadd(stream, fields(plan.event(i, source))));
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
        StreamsConsumerRunner runner = StreamsConsumerRunner.builder().redisUri(redisUri)
                .stream(stream).group(stream).consumer("simulate").mapper(StreamsSource::event)
                .processor(new ObservedProcessor(processor, outcomes)).pollTimeout(Duration.ofMillis(50)).build();
        runner.start();
        return runner;
    }

    /** Deletes the run's stream (and with it its consumer group). */
    @Override
    public void close() {
        try {
            connection.sync().del(stream);
        } catch (RuntimeException e) {
            // the run's result stands; the leftover stream is named in the report
        } finally {
            connection.close();
            client.shutdown();
        }
    }
}
