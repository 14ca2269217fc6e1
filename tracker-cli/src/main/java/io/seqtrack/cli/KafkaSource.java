package io.seqtrack.cli;

import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.kafka.KafkaConsumerRunner;
import io.seqtrack.kafka.KafkaRecords;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorSnapshot;
import io.seqtrack.processor.Submission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code simulate --source kafka}: the plan's deliveries go through a topic of the user's broker — produced in plan
 * order, keyed by aggregate id (so an aggregate's duplicates and reorderings reach the consumer as generated) — and come
 * back through a {@link KafkaConsumerRunner} in a consumer group of their own. The topic is created for the run (a
 * simulation never reads data it did not write) and deleted afterwards.
 */
final class KafkaSource implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final String topic;
    private final int partitions;
    private final Admin admin;

    private KafkaSource(String bootstrapServers, String topic, int partitions, Admin admin) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.partitions = partitions;
        this.admin = admin;
    }

    /** Creates the run's topic (the broker's default replication factor). */
    static KafkaSource create(String bootstrapServers, String topic, int partitions) {
        quietKafkaLogs();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()));
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new KafkaSource(bootstrapServers, topic, partitions, admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.close();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            admin.close();
            throw new IllegalStateException("cannot create topic " + topic + " on " + bootstrapServers + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    String describe() {
        return "Kafka topic " + topic + " (" + partitions + " partitions) on " + bootstrapServers;
    }

    /** Produces every delivery of the plan, in plan order, and waits until the broker has them all. */
    void produce(SimulationPlan plan, SequenceSource source) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, 10);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(plan.deliveries());
            for (int i = 0; i < plan.deliveries(); i++) {
                sent.add(producer.send(KafkaRecords.producerRecord(topic, plan.event(i, source))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while producing to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot produce to " + topic + ": " + (e.getCause() != null
                    ? e.getCause() : e), e);
        }
    }

    /** A started runner that feeds {@code processor} and tells {@code outcomes} how each submission was accepted. */
    KafkaConsumerRunner consume(EventProcessor processor, BiConsumer<Outcome, Throwable> outcomes) {
        KafkaConsumerRunner runner = KafkaConsumerRunner.builder()
                .consumerProperties(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.GROUP_ID_CONFIG, topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))
                .topics(topic).processor(new Observed(processor, outcomes)).build();
        runner.start();
        return runner;
    }

    /** Deletes the run's topic and consumer group. */
    @Override
    public void close() {
        try {
            admin.deleteTopics(List.of(topic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            admin.deleteConsumerGroups(List.of(topic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the run's result stands; the leftover topic is named in the report
        } finally {
            admin.close(TIMEOUT);
        }
    }

    /** The Kafka clients log every configuration at INFO; the simulation's table is what the user came for. */
    private static void quietKafkaLogs() {
        String property = "org.slf4j.simpleLogger.log.org.apache.kafka";
        if (System.getProperty(property) == null) {
            System.setProperty(property, "warn");
        }
    }

    /** The processor, with every accepted outcome also reported to the simulation's observer. */
    private record Observed(EventProcessor delegate, BiConsumer<Outcome, Throwable> outcomes) implements EventProcessor {

        @Override
        public CompletionStage<Outcome> submit(Event event) {
            return submitTracked(event).accepted();
        }

        @Override
        public Submission submitTracked(Event event) {
            Submission submission = delegate.submitTracked(event);
            submission.accepted().whenComplete(outcomes);
            return submission;
        }

        @Override
        public boolean durableBuffer() {
            return delegate.durableBuffer();
        }

        @Override
        public ProcessorAdmin admin() {
            return delegate.admin();
        }

        @Override
        public ProcessorSnapshot snapshot() {
            return delegate.snapshot();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
