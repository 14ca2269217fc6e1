package io.seqtrack.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.tck.ManualClock;
import org.junit.jupiter.api.Test;

class InMemoryStoreModuleTest {

    /** What an application writes: the registry and the tracker; the store comes from the installed store module. */
    private static final class TrackingModule extends AbstractModule {
        @Provides
        @Singleton
        DomainRegistry registry() {
            return DomainRegistry.seedDefaults();
        }

        @Provides
        @Singleton
        SequenceTracker tracker(DomainRegistry registry, SequenceStore store) {
            return new SequenceTrackerService(registry, store);
        }
    }

    @Test
    void injectorTracksEventsThroughTheInMemoryStore() {
        Injector injector = Guice.createInjector(new InMemoryStoreModule(), new TrackingModule());
        SequenceTracker tracker = injector.getInstance(SequenceTracker.class);

        assertThat(tracker.advance(TrackedEvent.of("user_account", "u-1", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThat(tracker.advance(TrackedEvent.of("user_account", "u-1", 1)).verdict()).isEqualTo(Verdict.DUPLICATE);
        assertThat(tracker.advance(TrackedEvent.of("user_account", "u-1", 3)).verdict()).isEqualTo(Verdict.GAP);
        assertThat(tracker.advance(TrackedEvent.of("company", "u-1", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThat(tracker.advance(TrackedEvent.of("chat", "room-1", 7)).mode()).isEqualTo(TrackingMode.DISABLED);

        SequenceStore store = injector.getInstance(SequenceStore.class);
        assertThat(store).isInstanceOf(InMemorySequenceStore.class).isSameAs(injector.getInstance(SequenceStore.class));
        InMemorySequenceStore inMemory = injector.getInstance(InMemorySequenceStore.class);
        assertThat(inMemory).isSameAs(store);
        assertThat(inMemory.estimatedSize()).as("chat is never stored").isEqualTo(2);
    }

    @Test
    void builderConfiguresTheBoundStore() {
        ManualClock clock = ManualClock.startingAtEpochOf2026();
        Injector injector = Guice.createInjector(new InMemoryStoreModule(InMemorySequenceStore.builder().clock(clock)
                .expireAfterAccess(java.time.Duration.ofMinutes(5))), new TrackingModule());
        SequenceTracker tracker = injector.getInstance(SequenceTracker.class);
        tracker.advance(TrackedEvent.of("user_account", "u-1", 1));
        clock.advance(java.time.Duration.ofMinutes(6));
        assertThat(tracker.advance(TrackedEvent.of("user_account", "u-1", 1)).verdict())
                .as("retention was configured through the module's builder").isEqualTo(Verdict.IN_ORDER);
    }
}
