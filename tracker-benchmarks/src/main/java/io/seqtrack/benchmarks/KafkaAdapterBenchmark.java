package io.seqtrack.benchmarks;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.kafka.KafkaConsumerRunner;
import io.seqtrack.kafka.KafkaRecords;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events/s consumed from Kafka: through the adapter ({@code KafkaConsumerRunner} → processor on the in-memory store →
 * a handler that counts, offsets committed by prefix) against a bare {@code KafkaConsumer} loop that only counts
 * records — the same topic, the same run. Issue 14's goal: the adapter at 0.5× of the bare loop or better.
 *
 * <p>The broker is the user's: {@code -Dseqtrack.kafka.bootstrap=HOST:PORT}. The benchmark creates a topic of its own
 * ({@code seqtrack-bench-…}, {@value #PARTITIONS} partitions), produces {@value #EVENTS} events of
 * {@value #AGGREGATES} aggregates once, keyed by aggregate, and deletes it at the end. One invocation consumes the whole
 * topic in a new consumer group (both modes join a group the same way; set the broker's
 * {@code group.initial.rebalance.delay.ms=0}, or each join waits for it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@Threads(1)
public class KafkaAdapterBenchmark {

    public static final String BOOTSTRAP_PROPERTY = "seqtrack.kafka.bootstrap";
    public static final int EVENTS = 20_000;
    static final int AGGREGATES = 500;
    static final int PARTITIONS = 4;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * {@code bare}: a KafkaConsumer counting records; {@code runner}: the adapter and the processor on the in-memory
     * store; {@code runner-redis}: the same on the Redis store (a fresh key prefix per invocation, on
     * {@code -Dseqtrack.redis.uri} or a redis-server the benchmark starts).
     */
    @Param({"bare", "runner", "runner-redis"})
    public String consumer;

    private RedisTarget redis;
    private String bootstrap;
    private String topic;
    private int groups;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bootstrap = System.getProperty(BOOTSTRAP_PROPERTY);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalStateException("set -D" + BOOTSTRAP_PROPERTY + "=HOST:PORT: a Kafka broker the benchmark "
                    + "may create (and delete) a topic of its own on");
        }
        if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
            // every consumer the benchmark makes would print its whole configuration at INFO
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        }
        topic = "seqtrack-bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, 10,
                // not idempotent: the in-JVM test broker once handed the second trial's producer the first one's
                // producer id and refused its batches (OutOfOrderSequenceException) until the send timed out; one
                // request in flight keeps the order without it
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(EVENTS);
            for (int i = 0; i < EVENTS; i++) {
                String aggregate = "b" + (i % AGGREGATES);
                long seq = i / AGGREGATES + 1;
                sent.add(producer.send(KafkaRecords.producerRecord(topic, Event.of(aggregate + "-" + seq,
                        "user_account", aggregate, seq, "Changed", "{}".getBytes(StandardCharsets.UTF_8)))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } finally {
            if (redis != null) {
                redis.close();
                redis = null;
            }
        }
    }

    /** Consumes the whole topic in a new group; returns the records (or events) counted. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long consumeTheTopic() {
        String group = topic + "-" + consumer + "-" + (++groups);
        return consumer.equals("bare") ? bare(group) : runner(group, consumer.equals("runner-redis"));
    }

    private long bare(String group) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long count = 0;
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(config)) {
            kafka.subscribe(List.of(topic));
            while (count < EVENTS) {
                ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(100));
                count += records.count();
                checkDeadline(deadline, count);
            }
            kafka.commitSync();
        }
        return count;
    }

    private long runner(String group, boolean onRedis) {
        AtomicLong handled = new AtomicLong();
        SequenceStore store;
        EventBuffer buffer;
        if (onRedis) {
            if (redis == null) {
                redis = RedisTarget.open();
            }
            // every invocation consumes the same events: a prefix of its own keeps them new to the store
            RedisStoreConfig config = redis.storeConfig().toBuilder().keyPrefix(redis.keyPrefix() + "-" + groups)
                    .build();
            store = RedisSequenceStore.create(config);
            buffer = RedisEventBuffer.create(config);
        } else {
            store = InMemorySequenceStore.create();
            buffer = InMemoryEventBuffer.create();
        }
        EventProcessor processor = EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                .store(store).buffer(buffer).parallelism(2)
                .handler((event, ctx) -> handled.incrementAndGet()).build();
        KafkaConsumerRunner runner = KafkaConsumerRunner.builder()
                .consumerProperties(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))
                .topics(topic).processor(processor).build();
        runner.start();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        try {
            while (handled.get() < EVENTS) {
                checkDeadline(deadline, handled.get());
                LockSupport.parkNanos(50_000); // polling a counter: the handlers run on the processor's lanes
            }
        } finally {
            runner.close(); // waits for what is in flight and commits the prefix, as the bare loop commits
            processor.close();
            store.close();
            buffer.close();
        }
        return handled.get();
    }

    private void checkDeadline(long deadline, long count) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(consumer + ": only " + count + " of " + EVENTS + " events within "
                    + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s from topic " + topic);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
