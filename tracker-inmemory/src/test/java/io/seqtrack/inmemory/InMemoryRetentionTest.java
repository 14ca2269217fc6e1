package io.seqtrack.inmemory;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.tck.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryRetentionTest {

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();
    private final AggregateKey key = AggregateKey.of("user_account", "u-1");

    /** The replaced system put a 24 h TTL on its counters; after it every event looked out of order. */
    @Test
    void regression4_countersHaveNoTtlByDefaultAndSurviveAnyIdlePeriod() {
        InMemorySequenceStore store = InMemorySequenceStore.builder().clock(clock).build();
        store.advance(key, 1, STRICT);
        store.advance(key, 2, STRICT);
        clock.advance(Duration.ofDays(3650));
        assertThat(store.read(key).lastCommitted()).isEqualTo(2);
        assertThat(store.advance(key, 3, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThat(store.advance(key, 2, STRICT).verdict()).isEqualTo(Verdict.DUPLICATE);
    }

    @Test
    void optInRetentionForgetsIdleAggregatesOnVirtualTime() {
        InMemorySequenceStore store = InMemorySequenceStore.builder().clock(clock)
                .expireAfterAccess(Duration.ofHours(1)).build();
        AggregateKey busy = AggregateKey.of("user_account", "busy");
        store.advance(key, 1, STRICT);
        store.advance(busy, 1, STRICT);
        clock.advance(Duration.ofMinutes(50));
        store.advance(busy, 2, STRICT);
        clock.advance(Duration.ofMinutes(20));
        assertThat(store.read(key)).as("idle for 70 minutes: forgotten").isEqualTo(AggregateState.UNKNOWN);
        assertThat(store.read(busy).lastCommitted()).as("touched 20 minutes ago: kept").isEqualTo(2);
        assertThat(store.advance(key, 1, STRICT).verdict())
                .as("documented consequence: the next event of a forgotten aggregate is new").isEqualTo(Verdict.IN_ORDER);
    }

    @Test
    void retentionMustBePositive() {
        assertThatThrownBy(() -> InMemorySequenceStore.builder().expireAfterAccess(Duration.ZERO))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("expireAfterAccess");
        assertThatThrownBy(() -> InMemorySequenceStore.builder().expireAfterAccess(null))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("expireAfterAccess");
    }

    @Test
    void statisticsAreRecordedWhenAskedFor() {
        InMemorySequenceStore store = InMemorySequenceStore.builder().clock(clock).recordStats().build();
        store.advance(key, 1, STRICT);
        store.read(key);
        store.read(AggregateKey.of("user_account", "unknown"));
        assertThat(store.stats().hitCount()).isEqualTo(1);
        assertThat(store.stats().missCount()).isEqualTo(1);
        assertThat(InMemorySequenceStore.create().stats().requestCount()).isZero();
    }
}
