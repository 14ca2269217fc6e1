package io.seqtrack.processor;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.config.RegistryLoader;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Binds {@link EventProcessor} from whatever store module is installed ({@code InMemoryStoreModule} or
 * {@code RedisStoreModule}, each binding {@link SequenceStore} and {@link EventBuffer}), the application's
 * {@link EventHandler}, the {@link DomainRegistry} (bound by the application, or loaded from a YAML file by
 * {@link #withRegistryFile(Path)}), and every {@link ProcessorListener} added to the listener set
 * ({@code Multibinder.newSetBinder(binder(), ProcessorListener.class).addBinding().to(...)}). Switching stores is
 * swapping the store module.
 */
public final class ProcessorModule extends AbstractModule {

    private final Path registryFile;
    private final Consumer<EventProcessor.Builder> customizer;

    /** The registry is bound elsewhere. */
    public ProcessorModule() {
        this(null, builder -> { });
    }

    private ProcessorModule(Path registryFile, Consumer<EventProcessor.Builder> customizer) {
        this.registryFile = registryFile;
        this.customizer = customizer;
    }

    /** The registry is loaded from {@code file} (see docs/configuration.md) when the injector is created. */
    public static ProcessorModule withRegistryFile(Path file) {
        return new ProcessorModule(Objects.requireNonNull(file, "file"), builder -> { });
    }

    /** A module that also applies {@code customizer} (worker id, parallelism, limits, …) to the builder. */
    public ProcessorModule customize(Consumer<EventProcessor.Builder> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        Consumer<EventProcessor.Builder> previous = this.customizer;
        return new ProcessorModule(registryFile, previous.andThen(customizer));
    }

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), ProcessorListener.class);
        if (registryFile != null) {
            bind(DomainRegistry.class).toInstance(RegistryLoader.load(registryFile));
        }
    }

    @Provides
    @Singleton
    EventProcessor eventProcessor(DomainRegistry registry, SequenceStore store, EventBuffer buffer,
            EventHandler handler, Set<ProcessorListener> listeners) {
        EventProcessor.Builder builder = EventProcessor.builder().registry(registry).store(store).buffer(buffer)
                .handler(handler);
        listeners.forEach(builder::listener);
        customizer.accept(builder);
        return builder.build();
    }
}
