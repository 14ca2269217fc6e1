package io.seqtrack.redis;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import java.util.Objects;

/**
 * Binds {@link SequenceStore} (and {@link RedisSequenceStore}) and {@link EventBuffer} (and {@link RedisEventBuffer})
 * to one Redis store and one Redis buffer per injector, created from a {@link RedisStoreConfig} when first needed.
 * Swap it for {@code InMemoryStoreModule} to change stores.
 *
 * <pre>{@code
 * Guice.createInjector(new RedisStoreModule(RedisStoreConfig.of("redis://localhost:6379")), ...);
 * }</pre>
 *
 * Each owns its Lettuce client: close both (e.g. {@code injector.getInstance(SequenceStore.class).close()}) on
 * shutdown.
 */
public final class RedisStoreModule extends AbstractModule {

    private final RedisStoreConfig config;

    public RedisStoreModule(RedisStoreConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    protected void configure() {
        bind(RedisStoreConfig.class).toInstance(config);
        bind(SequenceStore.class).to(RedisSequenceStore.class);
        bind(EventBuffer.class).to(RedisEventBuffer.class);
    }

    @Provides
    @Singleton
    RedisSequenceStore redisSequenceStore(RedisStoreConfig config) {
        return RedisSequenceStore.create(config);
    }

    @Provides
    @Singleton
    RedisEventBuffer redisEventBuffer(RedisStoreConfig config) {
        return RedisEventBuffer.create(config);
    }
}
