package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryStoreModule;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorModule;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Guice module and the metrics, against a real {@code redis-server}. */
@Timeout(60)
class StreamsConsumerModuleTest {

    private static RedisProcess redis;
    private static RedisClient client;
    private static RedisCommands<String, String> commands;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
        client = RedisClient.create(redis.uri());
        commands = client.connect().sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    @Test
    void theModuleWiresARunnerToTheProcessorAndTheMetricsCountWhatHappened() throws Exception {
        String stream = "module-events";
        for (long seq = 1; seq <= 10; seq++) {
            for (int a = 0; a < 5; a++) {
                commands.xadd(stream, Map.of("domain", "user_account", "aggregateId", "m" + a, "sequence",
                        Long.toString(seq)));
            }
        }
        commands.xadd(stream, Map.of("note", "no domain, no aggregate, no sequence"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        StreamsRunnerMetrics metrics = StreamsRunnerMetrics.create(meters);
        List<String> handled = new CopyOnWriteArrayList<>();
        Injector injector = Guice.createInjector(new InMemoryStoreModule(), new ProcessorModule(),
                new StreamsConsumerModule(redis.uri(), stream, "module-group", "c1")
                        .customize(builder -> builder.listener(metrics).pollTimeout(Duration.ofMillis(50))),
                new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                        bind(EventHandler.class).toInstance((event, ctx) -> handled.add(ctx.key() + "#"
                                + ctx.sequence()));
                    }
                });
        StreamsConsumerRunner runner = injector.getInstance(StreamsConsumerRunner.class);
        assertThat(injector.getInstance(StreamsConsumerRunner.class)).as("a singleton").isSameAs(runner);
        metrics.bind(runner);
        runner.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (commands.xpending(stream, "module-group").getCount() > 0 || handled.size() < 50
                    || meters.counter("seqtrack.streams.rejected", "kind", "unmappable").count() < 1) {
                assertThat(System.nanoTime()).as("everything handled and acknowledged within 30 s").isLessThan(deadline);
                Thread.sleep(20); // polling a real consumer group
            }
        } finally {
            runner.close();
            injector.getInstance(EventProcessor.class).close();
        }
        assertThat(handled).hasSize(50);
        assertThat(meters.counter("seqtrack.streams.entries", "outcome", "processed").count()).isEqualTo(50);
        assertThat(meters.counter("seqtrack.streams.rejected", "kind", "unmappable").count()).isEqualTo(1);
        assertThat(meters.get("seqtrack.streams.in_flight").gauge().value()).isZero();
    }

    @Test
    void theModuleRefusesABlankStreamWithATypedError() {
        Injector injector = Guice.createInjector(new InMemoryStoreModule(), new ProcessorModule(),
                new StreamsConsumerModule(redis.uri(), " ", "g", "c"), new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                        bind(EventHandler.class).toInstance((event, ctx) -> { });
                    }
                });
        assertThatThrownBy(() -> injector.getInstance(StreamsConsumerRunner.class))
                .isInstanceOf(ProvisionException.class).hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("streams.stream");
        injector.getInstance(EventProcessor.class).close();
    }
}
