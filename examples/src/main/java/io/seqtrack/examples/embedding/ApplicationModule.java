package io.seqtrack.examples.embedding;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.ProcessorListener;

/**
 * The application's own bindings: the handler, a listener, and — unless the registry comes from a YAML file through
 * {@code ProcessorModule.withRegistryFile} — the domain registry.
 */
final class ApplicationModule extends AbstractModule {

    private final boolean bindSeedRegistry;

    ApplicationModule(boolean bindSeedRegistry) {
        this.bindSeedRegistry = bindSeedRegistry;
    }

    @Override
    protected void configure() {
        bind(EventHandler.class).to(AccountProjection.class);
        Multibinder.newSetBinder(binder(), ProcessorListener.class).addBinding().to(ProcessedCounter.class);
        if (bindSeedRegistry) {
            bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
        }
    }
}
