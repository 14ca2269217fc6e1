package io.seqtrack.streams;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.seqtrack.processor.EventProcessor;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Binds a {@link StreamsConsumerRunner} (not started: call {@link StreamsConsumerRunner#start()}) that feeds the
 * {@link EventProcessor} bound by {@code ProcessorModule}. Optional bindings: a {@link StreamRecordMapper} (default
 * {@link StreamRecordMapper#fromFields()}), a {@link StreamRejectionHandler} (default
 * {@link StreamRejectionHandler#logging()}), and listeners
 * ({@code Multibinder.newSetBinder(binder(), StreamsRunnerListener.class).addBinding().to(...)}).
 *
 * <pre>{@code
 * Guice.createInjector(new RedisStoreModule(config), ProcessorModule.withRegistryFile(registry),
 *         new StreamsConsumerModule("redis://redis:6379", "account-events", "accounts", hostName),
 *         // or a Cluster: new StreamsConsumerModule(List.of("redis://n1:6379", "redis://n2:6379"), …)
 *         binder -> binder.bind(EventHandler.class).to(AccountProjection.class));
 * }</pre>
 */
public final class StreamsConsumerModule extends AbstractModule {

    private final java.util.List<String> redisUris;
    private final String stream;
    private final String group;
    private final String consumer;
    private final Consumer<StreamsConsumerRunner.Builder> customizer;

    /**
     * A runner reading {@code stream} at {@code redisUri} as {@code consumer} of {@code group}: a standalone server
     * ({@code redis://}, {@code rediss://}) or a Sentinel-monitored master
     * ({@code redis-sentinel://s1:26379,s2:26379#mymaster}). For a Cluster with a single seed,
     * {@code .customize(b -> b.cluster(true))}.
     */
    public StreamsConsumerModule(String redisUri, String stream, String group, String consumer) {
        this(java.util.Collections.singletonList(redisUri), stream, group, consumer, builder -> { });
    }

    /**
     * A runner reading {@code stream} on the Redis Cluster whose seed nodes are {@code redisUris} (several URIs are a
     * Cluster, as in {@code RedisStoreConfig}; a single one is a standalone or Sentinel URI unless the customizer says
     * {@code cluster(true)}).
     */
    public StreamsConsumerModule(java.util.List<String> redisUris, String stream, String group, String consumer) {
        this(redisUris == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(redisUris)),
                stream, group, consumer, builder -> { });
    }

    private StreamsConsumerModule(java.util.List<String> redisUris, String stream, String group, String consumer,
            Consumer<StreamsConsumerRunner.Builder> customizer) {
        this.redisUris = redisUris;
        this.stream = stream;
        this.group = group;
        this.consumer = consumer;
        this.customizer = customizer;
    }

    /** A module that also applies {@code customizer} (limits, timeouts, clock, …) to the runner's builder. */
    public StreamsConsumerModule customize(Consumer<StreamsConsumerRunner.Builder> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        return new StreamsConsumerModule(redisUris, stream, group, consumer, this.customizer.andThen(customizer));
    }

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), StreamsRunnerListener.class);
        OptionalBinder.newOptionalBinder(binder(), StreamRecordMapper.class);
        OptionalBinder.newOptionalBinder(binder(), StreamRejectionHandler.class);
    }

    @Provides
    @Singleton
    StreamsConsumerRunner streamsConsumerRunner(EventProcessor processor, Optional<StreamRecordMapper> mapper,
            Optional<StreamRejectionHandler> rejections, Set<StreamsRunnerListener> listeners) {
        // the builder validates every value (a typed InvalidConfigurationException naming the field)
        StreamsConsumerRunner.Builder builder = StreamsConsumerRunner.builder().redisUris(redisUris).stream(stream)
                .group(group).consumer(consumer).processor(processor);
        mapper.ifPresent(builder::mapper);
        rejections.ifPresent(builder::rejections);
        listeners.forEach(builder::listener);
        customizer.accept(builder);
        return builder.build();
    }
}
