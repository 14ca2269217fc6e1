package io.seqtrack.inmemory;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.ClaimResult;
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

    /**
     * Invariant 9 under retention: an aggregate forgotten with a claim open comes back with tokens above the old ones,
     * so the worker that claimed before it was forgotten is fenced — whether the forgetting happened in maintenance
     * ({@code cleanUp}) or is discovered by the next call on the key.
     */
    @Test
    void retentionNeverRestartsFencingTokens() {
        InMemorySequenceStore store = InMemorySequenceStore.builder().clock(clock)
                .expireAfterAccess(Duration.ofHours(1)).build();
        for (boolean maintenanceFirst : new boolean[] {true, false}) {
            AggregateKey k = AggregateKey.of("user_account", "forgotten-" + maintenanceFirst);
            var before = store.claim(k, 1, STRICT, "A", Duration.ofMinutes(5));
            var again = store.claim(k, 1, STRICT, "A", Duration.ofMinutes(5)); // a higher fence to forget
            clock.advance(Duration.ofHours(2));
            if (maintenanceFirst) {
                store.cleanUp();
            }
            var after = store.claim(k, 1, STRICT, "B", Duration.ofMinutes(5));
            assertThat(after.fencingToken()).as("maintenance first: %s", maintenanceFirst)
                    .isGreaterThan(again.fencingToken()).isGreaterThan(before.fencingToken());
            assertThat(store.commit(k, 1, again.fencingToken())).isEqualTo(io.seqtrack.core.port.out.CommitResult.CLAIM_LOST);
            assertThat(store.renew(k, 1, again.fencingToken(), Duration.ofMinutes(5)))
                    .isEqualTo(io.seqtrack.core.port.out.RenewResult.CLAIM_LOST);
        }
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

    /**
     * "At most one unexpired claim per aggregate" under retention: expireAfterAccess forgets an aggregate whose claim is
     * still valid (the lease is longer than the idle period, or the handler runs longer than it between two renewals —
     * the processor renews every half lease). The fencing floor makes the first holder's commit fail, but a second
     * worker is handed the aggregate while the first one's handler is still running under a valid lease: two handlers
     * of one aggregate at once, which the claim protocol exists to prevent.
     */
    @Test
    void retentionNeverForgetsAnAggregateWhileItsClaimIsUnexpired() {
        InMemorySequenceStore store = InMemorySequenceStore.builder().clock(clock)
                .expireAfterAccess(Duration.ofMinutes(1)).build();
        AggregateKey k = AggregateKey.of("user_account", "long-handler");
        ClaimResult a = store.claim(k, 1, STRICT, "A", Duration.ofMinutes(5));
        assertThat(a.status()).isEqualTo(ClaimStatus.CLAIMED);
        clock.advance(Duration.ofMinutes(2)); // A's handler is still running; its lease runs for 3 more minutes
        ClaimResult b = store.claim(k, 1, STRICT, "B", Duration.ofMinutes(5));
        assertThat(b.status()).as("B while A holds an unexpired claim").isEqualTo(ClaimStatus.BUSY);
    }
}
