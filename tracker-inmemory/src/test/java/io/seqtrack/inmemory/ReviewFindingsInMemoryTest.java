package io.seqtrack.inmemory;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.tck.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Review of 7dc1c2c (issue 11): in-memory holes left open. Fails on 7dc1c2c. */
class ReviewFindingsInMemoryTest {

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();

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
