package io.seqtrack.examples.kafka;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryStoreModule;
import io.seqtrack.kafka.KafkaConsumerModule;
import io.seqtrack.kafka.KafkaConsumerRunner;
import io.seqtrack.kafka.KafkaRecords;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorModule;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka consumer application with the Guice modules (docs/brokers.md): it produces a few accounts' events to a topic
 * — keyed by account, with every third event sent twice, as a producer retrying without idempotence would — then
 * consumes them through {@link KafkaConsumerModule} into the processor, and prints what each account's projection saw.
 *
 * <pre>
 * java -cp examples/target/seqtrack-example.jar io.seqtrack.examples.kafka.KafkaConsumerExample localhost:9092 accounts
 * </pre>
 */
public final class KafkaConsumerExample {

    static final int ACCOUNTS = 3;
    static final int EVENTS = 5;

    private KafkaConsumerExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: KafkaConsumerExample <bootstrap servers> <topic (exists)>");
            System.exit(2);
        }
        run(args[0], args[1], "seqtrack-example-" + System.currentTimeMillis(), System.out);
    }

    /** Produces, consumes until every event is handled, shuts down in order; returns each account's sequences. */
    static Map<String, List<Long>> run(String bootstrapServers, String topic, String group, PrintStream out)
            throws Exception {
        produce(bootstrapServers, topic);
        Map<String, List<Long>> seen = new ConcurrentHashMap<>();
        CountDownLatch allHandled = new CountDownLatch(ACCOUNTS * EVENTS);
        EventHandler projection = (event, ctx) -> {
            seen.computeIfAbsent(ctx.key().aggregateId(), k -> new ArrayList<>()).add(ctx.sequence());
            allHandled.countDown();
        };
        Injector injector = Guice.createInjector(
                new InMemoryStoreModule(),
                new ProcessorModule(),
                new KafkaConsumerModule(Map.of("bootstrap.servers", bootstrapServers, "group.id", group,
                        "auto.offset.reset", "earliest"), topic),
                new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                        bind(EventHandler.class).toInstance(projection);
                    }
                });
        KafkaConsumerRunner runner = injector.getInstance(KafkaConsumerRunner.class);
        runner.start();
        try {
            if (!allHandled.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not every event was handled within 60 s: " + seen);
            }
        } finally {
            runner.close();                                          // waits for in-flight records, commits
            injector.getInstance(EventProcessor.class).close();      // then the processor
        }
        seen.keySet().stream().sorted().forEach(account -> out.println(account + " " + seen.get(account)));
        return seen;
    }

    private static void produce(String bootstrapServers, String topic) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (long seq = 1; seq <= EVENTS; seq++) {
                for (int a = 0; a < ACCOUNTS; a++) {
                    Event event = Event.of("acc-" + a + "-" + seq, "user_account", "acc-" + a, seq, "Deposited",
                            ("{\"amount\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
                    ProducerRecord<byte[], byte[]> record = KafkaRecords.producerRecord(topic, event);
                    producer.send(record);
                    if (seq % 3 == 0) {
                        producer.send(record); // a copy: the store answers DUPLICATE, the projection never sees it
                    }
                }
            }
            producer.flush();
        }
    }
}
