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
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.WakeupException;
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
 *
 * <p>Both sides are measured the same way: a loop on a thread of its own that polls until it is stopped, a benchmark
 * thread that stops it once every event is counted (handled, for the runner), a synchronous commit and a consumer close
 * bounded by {@link #CONSUMER_CLOSE_TIMEOUT}. Neither knows where the topic ends, so both usually have a fetch in
 * flight that the broker holds for {@code fetch.max.wait.ms} when they are stopped; the bound keeps the close from
 * waiting it out on either side. {@code -p consumer=bare-oracle} runs the loop this benchmark first compared against,
 * which stops by itself at the last record and closes without a bound.
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
    /**
     * {@code -Dseqtrack.kafka.events=N}: a topic of N events instead of {@value #EVENTS} (a long topic makes the loops
     * fetch as they go instead of reading what the first fetches brought). JMH's score still counts {@value #EVENTS}
     * per invocation, so the modes' ratios hold but the events/s are off by N / {@value #EVENTS}:
     * {@code KafkaAdapterMeasurement} rescales them.
     */
    public static final String EVENTS_PROPERTY = "seqtrack.kafka.events";
    private final int eventCount = Integer.getInteger(EVENTS_PROPERTY, EVENTS);
    static final int AGGREGATES = 500;
    static final int PARTITIONS = 4;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Both sides close their consumer after the final commit with this bound (the runner's default). */
    static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofMillis(100);
    /** {@code consumer=processor}: events per {@code submitAllTracked}, and the most unacknowledged at once. */
    static final int PROCESSOR_PART = 250;
    static final int PROCESSOR_WINDOW = 1_000;

    /**
     * {@code bare}: a KafkaConsumer counting records; {@code runner}: the adapter and the processor on the in-memory
     * store; {@code runner-redis}: the same on the Redis store (a fresh key prefix per invocation, on
     * {@code -Dseqtrack.redis.uri} or a redis-server the benchmark starts). Not run by default: {@code bare-oracle}
     * (see {@link #bareOracle}) and {@code processor} (no Kafka, see {@link #processorAlone}).
     */
    @Param({"bare", "runner", "runner-redis"})
    public String consumer;

    /**
     * {@code -Dseqtrack.kafka.groupProtocol=consumer}: both loops' consumers use the KIP-848 group protocol (the
     * {@code AsyncKafkaConsumer}) instead of {@code classic}.
     */
    public static final String GROUP_PROTOCOL_PROPERTY = "seqtrack.kafka.groupProtocol";
    private final String groupProtocol = System.getProperty(GROUP_PROTOCOL_PROPERTY, "classic");

    /** {@code -Dseqtrack.kafka.phases=true}: print where an invocation's time went, at the end of the trial. */
    public static final String PHASES_PROPERTY = "seqtrack.kafka.phases";
    private final Phases phases = new Phases();
    /** The events the topic holds, in the order they were produced. */
    private final List<Event> events = new ArrayList<>();
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
        events.clear();
        for (int i = 0; i < eventCount; i++) {
            String aggregate = "b" + (i % AGGREGATES);
            long seq = i / AGGREGATES + 1;
            events.add(Event.of(aggregate + "-" + seq, "user_account", aggregate, seq, "Changed",
                    "{}".getBytes(StandardCharsets.UTF_8)));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(eventCount);
            for (Event event : events) {
                sent.add(producer.send(KafkaRecords.producerRecord(topic, event)));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (Boolean.getBoolean(PHASES_PROPERTY)) {
            System.out.println(consumer + " phases: " + phases);
        }
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
    public long consumeTheTopic() throws InterruptedException {
        String group = topic + "-" + consumer + "-" + (++groups);
        return switch (consumer) {
            case "bare" -> bare(group);
            case "bare-oracle" -> bareOracle(group);
            case "processor" -> processorAlone();
            default -> runner(group, consumer.equals("runner-redis"));
        };
    }

    /**
     * A consumer loop that counts records on a thread of its own until it is stopped — stopped as the runner is: once
     * the benchmark thread sees every record counted, it wakes the loop up, which commits synchronously and closes
     * the consumer with the runner's {@link #CONSUMER_CLOSE_TIMEOUT}.
     */
    private long bare(String group) throws InterruptedException {
        Arrivals arrivals = new Arrivals(eventCount, phases);
        KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(bareConfig(group));
        Thread loop = new Thread(() -> {
            try {
                kafka.subscribe(List.of(topic));
                while (true) {
                    arrivals.add(kafka.poll(Duration.ofMillis(200)).count()); // the runner's pollTimeout
                }
            } catch (WakeupException stopped) {
                kafka.commitSync();
            } finally {
                kafka.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
            }
        }, "bare-" + group);
        long t0 = System.nanoTime();
        loop.start();
        try {
            arrivals.await(consumer, topic);
        } finally {
            kafka.wakeup();
            join(loop);
        }
        long closed = System.nanoTime();
        phases.add(t0, arrivals.first(), arrivals.all(), closed, closed);
        return arrivals.count();
    }

    /**
     * The loop this benchmark measured first ({@code -p consumer=bare-oracle}, not run by default): it stops polling
     * the moment it has counted {@value #EVENTS} records — it knows where the topic ends — so it never has a fetch in
     * flight when it closes, and closes without a bound.
     */
    private long bareOracle(String group) {
        long count = 0;
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        long t0 = System.nanoTime();
        long first = 0;
        long all;
        long committed;
        KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(bareConfig(group));
        try {
            kafka.subscribe(List.of(topic));
            while (count < eventCount) {
                ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(100));
                if (count == 0 && records.count() > 0) {
                    first = System.nanoTime();
                }
                count += records.count();
                checkDeadline(deadline, count);
            }
            all = System.nanoTime();
            kafka.commitSync();
            committed = System.nanoTime();
        } finally {
            kafka.close();
        }
        phases.add(t0, first, all, committed, System.nanoTime());
        return count;
    }

    /** The consumer settings the runner gives its own consumer, where they differ from Kafka's defaults. */
    private Map<String, Object> bareConfig(String group) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT.toMillis(),
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * No Kafka: the topic's events, made once per trial, submitted straight to a new processor on the in-memory store
     * as the runner submits them — {@code submitAllTracked} in parts of {@value #PROCESSOR_PART}, at most the runner's
     * default {@code maxInFlight} ({@value #PROCESSOR_WINDOW}) unacknowledged — and counted by the same handler
     * ({@code -p consumer=processor}, not run by default). What the runner could reach if the consumer cost nothing.
     */
    private long processorAlone() throws InterruptedException {
        Arrivals arrivals = new Arrivals(eventCount, phases);
        SequenceStore store = InMemorySequenceStore.create();
        EventBuffer buffer = InMemoryEventBuffer.create();
        EventProcessor processor = EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                .store(store).buffer(buffer).parallelism(2)
                .handler((event, ctx) -> arrivals.add(1)).build();
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(PROCESSOR_WINDOW);
        long t0 = System.nanoTime();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        try {
            for (int from = 0; from < eventCount; from += PROCESSOR_PART) {
                while (!window.tryAcquire(PROCESSOR_PART, 1, TimeUnit.MILLISECONDS)) {
                    if (System.nanoTime() > deadline) {
                        throw arrivals.tooFew(consumer, "the processor");
                    }
                }
                for (var submission : processor.submitAllTracked(events.subList(from, from + PROCESSOR_PART))) {
                    submission.acknowledgeable().whenComplete((outcome, error) -> window.release());
                }
            }
            arrivals.await(consumer, "the processor");
        } finally {
            processor.close();
            store.close();
            buffer.close();
        }
        long end = System.nanoTime();
        phases.add(t0, arrivals.first(), arrivals.all(), end, end);
        return arrivals.count();
    }

    private long runner(String group, boolean onRedis) throws InterruptedException {
        Arrivals arrivals = new Arrivals(eventCount, phases);
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
                .handler((event, ctx) -> arrivals.add(1)).build();
        KafkaConsumerRunner runner = KafkaConsumerRunner.builder()
                .consumerProperties(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol))
                .topics(topic).processor(processor).consumerCloseTimeout(CONSUMER_CLOSE_TIMEOUT).build();
        long t0 = System.nanoTime();
        long closed;
        runner.start();
        try {
            arrivals.await(consumer, topic); // counted by the handlers, on the processor's lanes
        } finally {
            runner.close(); // waits for what is in flight and commits the prefix, as the bare loop commits
            closed = System.nanoTime();
            processor.close();
            store.close();
            buffer.close();
        }
        phases.add(t0, arrivals.first(), arrivals.all(), closed, System.nanoTime());
        return arrivals.count();
    }

    private void checkDeadline(long deadline, long count) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(consumer + ": only " + count + " of " + eventCount + " events within "
                    + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s from topic " + topic);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /**
     * What a loop delivered (records polled, events handled), counted where it happens: the first one's time is taken
     * by the thread that counts it, and the one that completes the count wakes the benchmark thread. The benchmark
     * thread used to poll a counter every 50 µs instead — about a twentieth of the JVM's CPU, taken from the loops it
     * measured on two shared cores.
     */
    static final class Arrivals {
        private final long target;
        private final Phases phases;
        private final AtomicLong count = new AtomicLong();
        private final java.util.concurrent.CountDownLatch complete = new java.util.concurrent.CountDownLatch(1);
        private volatile long first;
        private volatile long all;
        /** When a quarter of the target was counted, and the JVM's CPU time then (see {@link Phases#middle}). */
        private volatile long quarter;
        private volatile long quarterCpu;
        /** When each tenth of the target was counted (by whichever thread counted it). */
        private final AtomicLongArray tenths = new AtomicLongArray(10);

        Arrivals(long target, Phases phases) {
            this.target = target;
            this.phases = phases;
        }

        void add(long n) {
            if (n <= 0) {
                return;
            }
            long before = count.getAndAdd(n);
            if (before < target / 4 && before + n >= target / 4) {
                quarter = System.nanoTime();
                quarterCpu = Phases.OS.getProcessCpuTime();
            }
            if (before < target - target / 4 && before + n >= target - target / 4) {
                phases.middle(target / 2, System.nanoTime() - quarter, Phases.OS.getProcessCpuTime() - quarterCpu);
            }
            if (before == 0) {
                first = System.nanoTime();
                phases.firstCpu();
            }
            for (int d = 1; d <= 10; d++) { // the time each tenth of the events was complete
                long mark = target * d / 10;
                if (before < mark && before + n >= mark) {
                    tenths.set(d - 1, System.nanoTime());
                }
            }
            if (before < target && before + n >= target) {
                phases.allCpu(); // after firstCpu: the count passed zero before it reached the target
                phases.tenths(first, tenths);
                all = System.nanoTime();
                complete.countDown();
            }
        }

        /** Waits until the target is counted, at most the benchmark's timeout. */
        void await(String mode, String source) throws InterruptedException {
            if (!complete.await(TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
                throw tooFew(mode, source);
            }
        }

        IllegalStateException tooFew(String mode, String source) {
            return new IllegalStateException(mode + ": only " + count.get() + " of " + target + " events within "
                    + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS) + " s from " + source);
        }

        long count() {
            return count.get();
        }

        long first() {
            return first;
        }

        long all() {
            return all;
        }
    }

    /**
     * Mean milliseconds per invocation: until the first record (or handled event), from it to the last one, the commit
     * and close of the consumer (bare) or the runner's close (runner), and what follows (the processor's close); and
     * how many cores the JVM kept busy from the first record to the last (its CPU time over that time: the broker's
     * threads count too, they share the JVM); and the rate and cores busy over the middle half of the events, the steady
     * state the rest's mean hides (a consumer that finishes its partitions unevenly spends the end of the topic waiting
     * on fetches the broker holds for partitions that are done); and how long each tenth of the events took, from the
     * first one on (where a stall sits: the runner's last tenth took three times as long as the others before its
     * pauses changed, see docs/benchmarks.md).
     */
    static final class Phases {
        static final com.sun.management.OperatingSystemMXBean OS = java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);
        private long invocations;
        private long join;
        private long consume;
        private long close;
        private long after;
        private long cpuAtFirst = -1;
        private long consumeCpu;
        private long middleEvents;
        private long middleNanos;
        private long middleCpu;
        /** Per tenth of the events, the nanoseconds it took (summed over the invocations). */
        private final long[] tenthNanos = new long[10];

        void firstCpu() {
            cpuAtFirst = OS.getProcessCpuTime();
        }

        void allCpu() {
            if (cpuAtFirst >= 0) {
                consumeCpu += OS.getProcessCpuTime() - cpuAtFirst;
                cpuAtFirst = -1;
            }
        }

        /**
         * The middle half of an invocation's events (from a quarter counted to three quarters): the steady state, with
         * neither the group join, the first fetches, nor the last partitions' tail in it.
         */
        synchronized void middle(long events, long nanos, long cpu) {
            middleEvents += events;
            middleNanos += nanos;
            middleCpu += cpu;
        }

        synchronized void tenths(long first, AtomicLongArray marks) {
            long previous = first;
            for (int d = 0; d < marks.length(); d++) {
                tenthNanos[d] += marks.get(d) - previous;
                previous = marks.get(d);
            }
        }

        void add(long start, long first, long all, long closed, long end) {
            invocations++;
            join += first - start;
            consume += all - first;
            close += closed - all;
            after += end - closed;
        }

        @Override
        public String toString() {
            double n = Math.max(1, invocations) * 1e6;
            return String.format("%d invocations, ms each: first record %.1f, the rest %.1f, commit+close %.1f, "
                    + "after %.1f; cores busy during the rest %.2f; the middle half of the events at %.0f k/s, %.2f cores "
                    + "busy", invocations, join / n, consume / n, close / n, after / n,
                    consume == 0 ? 0.0 : (double) consumeCpu / consume,
                    middleNanos == 0 ? 0.0 : middleEvents * 1e6 / middleNanos,
                    middleNanos == 0 ? 0.0 : (double) middleCpu / middleNanos) + tenthsText(n);
        }

        private String tenthsText(double n) {
            StringBuilder text = new StringBuilder("; ms per tenth of the events:");
            for (long nanos : tenthNanos) {
                text.append(String.format(" %.1f", nanos / n));
            }
            return text.toString();
        }
    }
}
