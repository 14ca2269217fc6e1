package io.seqtrack.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The module binds the buffer port to one in-memory buffer per injector. */
class InMemoryStoreModuleEventBufferTest {

    @Test
    void injectorBindsOneInMemoryBufferPerInjector() {
        Injector injector = Guice.createInjector(new InMemoryStoreModule());
        EventBuffer buffer = injector.getInstance(EventBuffer.class);
        assertThat(buffer).isInstanceOf(InMemoryEventBuffer.class)
                .isSameAs(injector.getInstance(EventBuffer.class))
                .isSameAs(injector.getInstance(InMemoryEventBuffer.class));

        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(buffer.add(key, new BufferedEvent(3, "e-3", "Renamed", new byte[] {1}, Instant.EPOCH), 10))
                .isEqualTo(BufferResult.ADDED);
        assertThat(injector.getInstance(EventBuffer.class).pending(key)).hasSize(1);

        Injector other = Guice.createInjector(new InMemoryStoreModule());
        assertThat(other.getInstance(EventBuffer.class)).as("another injector, another buffer")
                .isNotSameAs(buffer);
        assertThat(other.getInstance(EventBuffer.class).pending(key)).isEmpty();
    }

    @Test
    void bufferIsBoundWhateverTheStoreBuilder() {
        Injector injector = Guice.createInjector(new InMemoryStoreModule(InMemorySequenceStore.builder()));
        assertThat(injector.getInstance(EventBuffer.class)).isInstanceOf(InMemoryEventBuffer.class);
        assertThat(injector.getInstance(EventBuffer.class).pendingCount()).isZero();
    }
}
