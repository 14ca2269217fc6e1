package io.seqtrack.kafka;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.seqtrack.processor.EventProcessor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Binds a {@link KafkaConsumerRunner} (not started: call {@link KafkaConsumerRunner#start()}) that feeds the
 * {@link EventProcessor} bound by {@code ProcessorModule}. Optional bindings: a {@link RecordMapper} (default
 * {@link RecordMapper#fromHeaders()}), a {@link RejectionHandler} (default {@link RejectionHandler#logging()}), and
 * listeners ({@code Multibinder.newSetBinder(binder(), KafkaRunnerListener.class).addBinding().to(...)}).
 *
 * <pre>{@code
 * Guice.createInjector(new InMemoryStoreModule(), ProcessorModule.withRegistryFile(registry),
 *         new KafkaConsumerModule(Map.of("bootstrap.servers", servers, "group.id", "accounts"), "account-events"),
 *         binder -> binder.bind(EventHandler.class).to(AccountProjection.class));
 * }</pre>
 */
public final class KafkaConsumerModule extends AbstractModule {

    private final Map<String, Object> consumerProperties;
    private final List<String> topics;
    private final Consumer<KafkaConsumerRunner.Builder> customizer;

    /** A runner in the group of {@code consumerProperties} ({@code bootstrap.servers}, {@code group.id}, …). */
    public KafkaConsumerModule(Map<String, ?> consumerProperties, String... topics) {
        this(Map.copyOf(Objects.requireNonNull(consumerProperties, "consumerProperties")),
                List.of(Objects.requireNonNull(topics, "topics")), builder -> { });
    }

    private KafkaConsumerModule(Map<String, Object> consumerProperties, List<String> topics,
            Consumer<KafkaConsumerRunner.Builder> customizer) {
        this.consumerProperties = consumerProperties;
        this.topics = topics;
        this.customizer = customizer;
    }

    /** A module that also applies {@code customizer} (limits, timeouts, clock, …) to the runner's builder. */
    public KafkaConsumerModule customize(Consumer<KafkaConsumerRunner.Builder> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        return new KafkaConsumerModule(consumerProperties, topics, this.customizer.andThen(customizer));
    }

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), KafkaRunnerListener.class);
        OptionalBinder.newOptionalBinder(binder(), RecordMapper.class);
        OptionalBinder.newOptionalBinder(binder(), RejectionHandler.class);
    }

    @Provides
    @Singleton
    KafkaConsumerRunner kafkaConsumerRunner(EventProcessor processor, Optional<RecordMapper> mapper,
            Optional<RejectionHandler> rejections, Set<KafkaRunnerListener> listeners) {
        KafkaConsumerRunner.Builder builder = KafkaConsumerRunner.builder().consumerProperties(consumerProperties)
                .topics(topics).processor(processor);
        mapper.ifPresent(builder::mapper);
        rejections.ifPresent(builder::rejections);
        listeners.forEach(builder::listener);
        customizer.accept(builder);
        return builder.build();
    }
}
