package io.seqtrack.inmemory;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Binds {@link SequenceStore} (and {@link InMemorySequenceStore}) to one in-memory store per injector, and
 * {@link EventBuffer} (and {@link InMemoryEventBuffer}) to one in-memory buffer per injector. Swap it for the Redis
 * module to change stores; nothing else in the injector needs to change.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new InMemoryStoreModule(), ...);
 * }</pre>
 */
public final class InMemoryStoreModule extends AbstractModule {

    private final Supplier<InMemorySequenceStore> factory;

    /** A store with the system clock, no retention, statistics recorded. */
    public InMemoryStoreModule() {
        this(() -> InMemorySequenceStore.builder().recordStats().build());
    }

    /**
     * A store configured by {@code builder} (clock, retention, statistics). The store is built now, so changing the
     * builder afterwards does not affect this module.
     */
    public InMemoryStoreModule(InMemorySequenceStore.Builder builder) {
        this(built(Objects.requireNonNull(builder, "builder").build()));
    }

    private static Supplier<InMemorySequenceStore> built(InMemorySequenceStore store) {
        return () -> store;
    }

    private InMemoryStoreModule(Supplier<InMemorySequenceStore> factory) {
        this.factory = factory;
    }

    @Override
    protected void configure() {
        bind(SequenceStore.class).to(InMemorySequenceStore.class);
        bind(EventBuffer.class).to(InMemoryEventBuffer.class);
    }

    @Provides
    @Singleton
    InMemorySequenceStore inMemorySequenceStore() {
        return factory.get();
    }

    @Provides
    @Singleton
    InMemoryEventBuffer inMemoryEventBuffer() {
        return InMemoryEventBuffer.create();
    }
}
