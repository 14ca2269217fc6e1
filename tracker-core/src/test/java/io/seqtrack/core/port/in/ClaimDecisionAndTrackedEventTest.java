package io.seqtrack.core.port.in;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.ClaimStatus;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ClaimDecisionAndTrackedEventTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "u-1");

    @Test
    void claimDecisionAccessors() {
        ClaimDecision claimed = new ClaimDecision(KEY, TrackingMode.STRICT, ClaimStatus.CLAIMED, 2, 1, 5, null);
        assertThat(claimed.claimed()).isTrue();
        assertThat(claimed.busyHolder()).isEmpty();

        ActiveClaim holder = new ActiveClaim("other", 2, 5, Instant.EPOCH);
        ClaimDecision busy = new ClaimDecision(KEY, TrackingMode.STRICT, ClaimStatus.BUSY, 2, 1, 0, holder);
        assertThat(busy.claimed()).isFalse();
        assertThat(busy.busyHolder()).contains(holder);

        assertThat(new ClaimDecision(KEY, TrackingMode.STRICT, ClaimStatus.DUPLICATE, 1, 1, 0, null).claimed())
                .isFalse();
        assertThat(new ClaimDecision(KEY, TrackingMode.STRICT, ClaimStatus.GAP, 3, 1, 0, null).claimed()).isFalse();
    }

    @Test
    void claimDecisionRejectsNulls() {
        assertThatNullPointerException()
                .isThrownBy(() -> new ClaimDecision(null, TrackingMode.STRICT, ClaimStatus.CLAIMED, 1, 0, 1, null))
                .withMessage("key");
        assertThatNullPointerException()
                .isThrownBy(() -> new ClaimDecision(KEY, null, ClaimStatus.CLAIMED, 1, 0, 1, null))
                .withMessage("mode");
        assertThatNullPointerException()
                .isThrownBy(() -> new ClaimDecision(KEY, TrackingMode.STRICT, null, 1, 0, 1, null))
                .withMessage("status");
    }

    @Test
    void trackedEventFactories() {
        TrackedEvent bySequence = TrackedEvent.of("user_account", "u-1", 3);
        assertThat(bySequence.domain()).isEqualTo("user_account");
        assertThat(bySequence.aggregateId()).isEqualTo("u-1");
        assertThat(bySequence.sequence()).hasValue(3);
        assertThat(bySequence.aggregateVersion()).isEmpty();

        TrackedEvent byVersion = TrackedEvent.ofAggregateVersion("orders", "o-1", 8);
        assertThat(byVersion.sequence()).isEmpty();
        assertThat(byVersion.aggregateVersion()).hasValue(8);
    }

    @Test
    void basicEventTurnsNullOptionalsIntoEmptyOnes() {
        TrackedEvent.Basic e = new TrackedEvent.Basic("chat", "r", null, null);
        assertThat(e.sequence()).isEqualTo(OptionalLong.empty());
        assertThat(e.aggregateVersion()).isEqualTo(OptionalLong.empty());
    }
}
