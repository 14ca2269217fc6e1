package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.Multibinder;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemoryStoreModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wiring through Guice, on real lane threads: the store module supplies the store and the buffer. */
class ProcessorModuleTest {

    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final List<ProcessorEvent> heard = new CopyOnWriteArrayList<>();

    private AbstractModule application() {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(EventHandler.class).toInstance((event, ctx) -> handled.add(ctx.key() + "#" + ctx.sequence()));
                Multibinder.newSetBinder(binder(), ProcessorListener.class).addBinding().toInstance(heard::add);
            }
        };
    }

    @Test
    void processorIsBoundFromTheInstalledStoreModule() throws Exception {
        Injector injector = Guice.createInjector(new InMemoryStoreModule(),
                new ProcessorModule().customize(b -> b.parallelism(2).workerId("guice-worker")), application(),
                new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                    }
                });
        try (EventProcessor processor = injector.getInstance(EventProcessor.class)) {
            assertThat(injector.getInstance(EventBuffer.class)).isInstanceOf(InMemoryEventBuffer.class);
            assertThat(processor.submit(ProcessorHarness.event("user_account", "u-1", 2)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.BUFFERED);
            assertThat(processor.submit(ProcessorHarness.event("user_account", "u-1", 1)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.PROCESSED);
            // #2 is drained on the lane right after #1 committed; a later submit on the same lane sees it done
            assertThat(processor.submit(ProcessorHarness.event("user_account", "u-1", 2)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.DUPLICATE);
            assertThat(handled).containsExactly("user_account/u-1#1", "user_account/u-1#2");
            assertThat(heard).isNotEmpty();
            assertThat(injector.getInstance(SequenceStore.class).read(AggregateKey.of("user_account", "u-1"))
                    .lastCommitted()).isEqualTo(2);
        }
    }

    @Test
    void registryCanComeFromAYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("domains.yaml");
        Files.writeString(file, "domains:\n  orders:\n    mode: strict\n  clicks:\n    mode: disabled\n");
        Injector injector = Guice.createInjector(new InMemoryStoreModule(), ProcessorModule.withRegistryFile(file),
                application());
        try (EventProcessor processor = injector.getInstance(EventProcessor.class)) {
            assertThat(injector.getInstance(DomainRegistry.class).find("orders")).isPresent();
            assertThat(processor.submit(ProcessorHarness.event("orders", "o-1", 1)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.PROCESSED);
            assertThat(processor.submit(ProcessorHarness.event("user_account", "u-1", 1)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).as("not in this registry").isEqualTo(Outcome.REJECTED);
        }
    }
}
