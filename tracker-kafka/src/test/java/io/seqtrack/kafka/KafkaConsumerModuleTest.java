package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryStoreModule;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorModule;
import io.seqtrack.tck.HandlerHistory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Guice module, the metrics, and the builder's refusals. */
@Timeout(60)
class KafkaConsumerModuleTest {

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theModuleWiresARunnerToTheProcessorAndTheMetricsCountWhatHappened() throws Exception {
        String topic = "module-events";
        broker.createTopic(topic, 2);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long seq = 1; seq <= 10; seq++) {
            for (int a = 0; a < 5; a++) {
                records.add(KafkaRecords.producerRecord(topic, Scenario.event("m" + a, seq)));
            }
        }
        records.add(new ProducerRecord<>(topic, "m0".getBytes(StandardCharsets.UTF_8), new byte[0]));
        broker.produce(records);

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        KafkaRunnerMetrics metrics = KafkaRunnerMetrics.create(meters);
        List<String> handled = new CopyOnWriteArrayList<>();
        Injector injector = Guice.createInjector(new InMemoryStoreModule(), new ProcessorModule(),
                new KafkaConsumerModule(broker.consumerProperties("module-group"), topic)
                        .customize(builder -> builder.listener(metrics).commitInterval(Duration.ofMillis(50))),
                new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                        bind(EventHandler.class).toInstance((event, ctx) -> handled.add(ctx.key() + "#"
                                + ctx.sequence()));
                    }
                });
        KafkaConsumerRunner runner = injector.getInstance(KafkaConsumerRunner.class);
        metrics.bind(runner);
        runner.start();
        HandlerHistory waits = new HandlerHistory();
        try {
            waits.await("every offset committed", Duration.ofSeconds(30), () -> {
                try {
                    return broker.committed("module-group").equals(broker.endOffsets(topic, 2));
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            runner.close();
            injector.getInstance(EventProcessor.class).close();
        }
        assertThat(handled).hasSize(50).doesNotHaveDuplicates();
        assertThat(meters.counter("seqtrack.kafka.records", "outcome", "processed").count()).isEqualTo(50);
        assertThat(meters.counter("seqtrack.kafka.rejected", "kind", "unmappable").count()).isEqualTo(1);
        assertThat(meters.counter("seqtrack.kafka.commits", "result", "ok").count()).isPositive();
        assertThat(meters.get("seqtrack.kafka.lag").gauge().value()).isZero();
        assertThat(runner.snapshot().running()).isFalse();
        assertThat(runner.failure()).isEmpty();
    }

    @Test
    void theBuilderRefusesAutoCommitAMissingGroupAndARevokeTimeoutBeyondThePollInterval() {
        EventProcessor processor = EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                .store(io.seqtrack.inmemory.InMemorySequenceStore.create())
                .buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create()).handler((e, c) -> { }).build();
        try {
            assertThatThrownBy(() -> KafkaConsumerRunner.builder()
                    .consumerProperties(Map.of("enable.auto.commit", "true")))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.consumerProperties.enable.auto.commit");
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(Map.of("bootstrap.servers", "x"))
                    .topics("t").processor(processor).build())
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.consumerProperties.group.id");
            Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", "x", "group.id", "g",
                    "max.poll.interval.ms", "5000"));
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(props).topics("t")
                    .processor(processor).revokeTimeout(Duration.ofSeconds(5)).build())
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.revokeTimeout").hasMessageContaining("max.poll.interval.ms");
            // review finding: a NumberFormatException naming nothing, and an NPE from Map.copyOf
            props.put("max.poll.interval.ms", "5 minutes");
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(props).topics("t")
                    .processor(processor).build())
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.consumerProperties.max.poll.interval.ms")
                    .hasMessageContaining("5 minutes");
            // the runner reads these two as well (its pauses, see PollLoop.idle)
            for (String property : List.of("fetch.max.wait.ms", "max.poll.records")) {
                Map<String, Object> bad = new HashMap<>(Map.of("bootstrap.servers", "x", "group.id", "g",
                        property, "-1"));
                assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(bad).topics("t")
                        .processor(processor).build())
                        .isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("kafka.consumerProperties." + property).hasMessageContaining("'-1'");
            }
            Map<String, Object> withNull = new HashMap<>(Map.of("bootstrap.servers", "x", "group.id", "g"));
            withNull.put("client.id", null);
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(withNull).topics("t")
                    .processor(processor).build())
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.consumerProperties.client.id");
            // review finding: a window above the processor's would block the poll thread in a submit
            EventProcessor small = EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                    .store(io.seqtrack.inmemory.InMemorySequenceStore.create())
                    .buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create()).handler((e, c) -> { })
                    .maxInFlight(100).build();
            try {
                assertThatThrownBy(() -> KafkaConsumerRunner.builder().consumerProperties(Map.of("bootstrap.servers",
                        "x", "group.id", "g")).topics("t").processor(small).build())
                        .isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("kafka.maxInFlight").hasMessageContaining("(100), was 1000");
                assertThat(KafkaConsumerRunner.builder().consumerProperties(Map.of("bootstrap.servers", "x",
                        "group.id", "g")).topics("t").processor(small).maxInFlight(100).settings().maxInFlight())
                        .isEqualTo(100);
            } finally {
                small.close();
            }
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().topics(" "))
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("kafka.topics");
            assertThatThrownBy(() -> KafkaConsumerRunner.builder().redeliveryBackoff(Duration.ofSeconds(2),
                    Duration.ofSeconds(1)))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("kafka.redeliveryBackoff.max");
        } finally {
            processor.close();
        }
    }
}
