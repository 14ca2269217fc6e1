package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.processor.Event;
import io.seqtrack.tck.HandlerHistory;
import io.seqtrack.tck.HandlerHistoryCheck;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One test's world: a topic on the shared broker, a consumer group, one store shared by its workers, the history and
 * what was produced. {@link #check()} runs {@link RunCheck} and compares the group's committed offsets with the
 * partitions' ends.
 */
final class Scenario implements AutoCloseable {

    static final String DOMAIN = "user_account";
    private static final AtomicInteger NAMES = new AtomicInteger();

    final KafkaBroker broker;
    final String topic;
    final String group;
    final int partitions;
    final SequenceStore store;
    final DomainRegistry registry;
    final HandlerHistory history = new HandlerHistory();
    final List<RunCheck.Produced> produced = new ArrayList<>();
    final Map<String, Long> eventsPerAggregate = new LinkedHashMap<>();
    final Map<String, Long> parked = new LinkedHashMap<>();
    final List<Worker> workers = new ArrayList<>();
    /** Each worker's buffer: by default its own in-memory one (not durable). */
    Supplier<EventBuffer> buffers = InMemoryEventBuffer::create;
    /** The consumer group protocol: {@code classic} (eager revocation, range assignor) or {@code consumer} (KIP-848). */
    String groupProtocol = "classic";
    boolean durableBuffer;

    Scenario(KafkaBroker broker, String name, int partitions, SequenceStore store) throws Exception {
        this(broker, name, partitions, store, domain -> domain);
    }

    Scenario(KafkaBroker broker, String name, int partitions, SequenceStore store,
            UnaryOperator<DomainRegistration.Builder> domain) throws Exception {
        this.broker = broker;
        int n = NAMES.incrementAndGet();
        this.topic = name + "-" + n;
        this.group = name + "-group-" + n;
        this.partitions = partitions;
        this.store = store;
        this.registry = DomainRegistry.of(domain.apply(DomainRegistration.builder(DOMAIN).mode(TrackingMode.STRICT)
                .leaseTtl(Duration.ofSeconds(5))
                .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20)).build())
                .gapTimeout(Duration.ofSeconds(60)).gapPolicy(GapPolicy.PARK)).build());
        broker.createTopic(topic, partitions);
    }

    static Event event(String aggregate, long seq) {
        return Event.of(aggregate + "-" + seq, DOMAIN, aggregate, seq, "Changed",
                (aggregate + "#" + seq).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code aggregates} × {@code events}, keyed by aggregate (so each aggregate stays in one partition, in order). */
    List<ProducerRecord<byte[], byte[]>> orderedStream(int aggregates, int events) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long seq = 1; seq <= events; seq++) {
            for (int a = 0; a < aggregates; a++) {
                records.add(KafkaRecords.producerRecord(topic, event("a" + a, seq)));
            }
        }
        plan(aggregates, events);
        return records;
    }

    void plan(int aggregates, int events) {
        for (int a = 0; a < aggregates; a++) {
            eventsPerAggregate.put("a" + a, (long) events);
        }
    }

    /** Produces and remembers where each record landed and what it carries. */
    void produce(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<RecordMetadata> landed = broker.produce(records);
        synchronized (produced) {
            for (int i = 0; i < records.size(); i++) {
                ProducerRecord<byte[], byte[]> record = records.get(i);
                var aggregate = record.headers().lastHeader(SeqtrackHeaders.AGGREGATE_ID);
                var sequence = record.headers().lastHeader(SeqtrackHeaders.SEQUENCE);
                var domain = record.headers().lastHeader(SeqtrackHeaders.DOMAIN);
                var eventId = record.headers().lastHeader(SeqtrackHeaders.EVENT_ID);
                boolean ours = domain != null && DOMAIN.equals(new String(domain.value(), StandardCharsets.UTF_8));
                TopicPartition tp = new TopicPartition(landed.get(i).topic(), landed.get(i).partition());
                produced.add(aggregate == null || sequence == null || !ours
                        ? new RunCheck.Produced(tp, landed.get(i).offset(), null, -1, null)
                        : new RunCheck.Produced(tp, landed.get(i).offset(),
                                new String(aggregate.value(), StandardCharsets.UTF_8),
                                Long.parseLong(new String(sequence.value(), StandardCharsets.UTF_8)),
                                new HandlerHistoryCheck.PlannedEvent(eventId != null
                                        ? new String(eventId.value(), StandardCharsets.UTF_8)
                                        : tp.topic() + "-" + tp.partition() + "@" + landed.get(i).offset(),
                                        record.value() == null ? new byte[0] : record.value())));
            }
        }
    }

    Worker startWorker(String name, Worker.HandlerHook hook) {
        return startWorker(name, hook, builder -> { });
    }

    Worker startWorker(String name, Worker.HandlerHook hook, Consumer<KafkaConsumerRunner.Builder> customizer) {
        return startWorker(name, group, hook, customizer);
    }

    Worker startWorker(String name, String inGroup, Worker.HandlerHook hook,
            Consumer<KafkaConsumerRunner.Builder> customizer) {
        return startWorker(name, inGroup, store, hook, customizer);
    }

    /** A worker whose processor reaches the shared store through {@code itsStore} (e.g. one that injects faults). */
    Worker startWorker(String name, String inGroup, SequenceStore itsStore, Worker.HandlerHook hook,
            Consumer<KafkaConsumerRunner.Builder> customizer) {
        Map<String, Object> properties = broker.consumerProperties(inGroup);
        if (groupProtocol.equals("consumer")) {
            // the broker drives heartbeats and sessions under KIP-848: the client may not set them
            properties.remove(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
            properties.remove(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG);
            properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        }
        Worker worker = Worker.start(name, properties, topic, itsStore, buffers.get(), registry, history, hook,
                customizer);
        workers.add(worker);
        return worker;
    }

    /** Every planned event committed (or parked as planned) and the group's offsets at the partitions' ends. */
    void awaitDone(Duration timeout) throws InterruptedException {
        history.await("every event accounted for and every offset committed", timeout, this::done);
    }

    /** The offsets at which the produced records of {@code partition} carry events not committed yet, lowest first. */
    long firstUnhandledOffset(TopicPartition partition) {
        synchronized (produced) {
            return produced.stream().filter(p -> p.partition().equals(partition) && p.key() != null)
                    .filter(p -> history.count(HandlerHistory.committed(DOMAIN + "/" + p.key(), p.seq())) == 0)
                    .mapToLong(RunCheck.Produced::offset).min().orElse(Long.MAX_VALUE);
        }
    }

    boolean done() {
        for (Map.Entry<String, Long> e : eventsPerAggregate.entrySet()) {
            long last = parked.containsKey(e.getKey()) ? parked.get(e.getKey()) - 1 : e.getValue();
            if (last > 0 && history.count(HandlerHistory.committed(DOMAIN + "/" + e.getKey(), last)) == 0) {
                return false;
            }
        }
        try {
            return broker.committed(group).equals(broker.endOffsets(topic, partitions));
        } catch (Exception e) {
            return false;
        }
    }

    /** What {@link RunCheck} finds in the history so far, against the plan as it stands. */
    List<String> violations() {
        RunCheck.Plan plan = new RunCheck.Plan(DOMAIN, eventsPerAggregate, List.copyOf(produced), parked,
                durableBuffer);
        return RunCheck.violations(plan, history.entries(), store);
    }

    /** The run's violations (none expected) and the committed offsets compared with the ends. */
    void check() throws Exception {
        assertThat(violations()).isEmpty();
        assertThat(broker.committed(group)).isEqualTo(broker.endOffsets(topic, partitions));
    }

    @Override
    public void close() {
        for (Worker worker : workers) {
            worker.close();
        }
    }
}
