package io.seqtrack.core.port.out;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SPI's value types and shared argument checks. */
class StoreValuesTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "u-1");
    private static final ActiveClaim HOLDER = new ActiveClaim("w", 3, 4, Instant.EPOCH);

    @Test
    void claimResultFactories() {
        assertThat(ClaimResult.claimed(2, 9)).isEqualTo(new ClaimResult(ClaimStatus.CLAIMED, 2, 9, null));
        assertThat(ClaimResult.duplicate(2).status()).isEqualTo(ClaimStatus.DUPLICATE);
        assertThat(ClaimResult.gap(2).status()).isEqualTo(ClaimStatus.GAP);
        ClaimResult busy = ClaimResult.busy(2, HOLDER);
        assertThat(busy.status()).isEqualTo(ClaimStatus.BUSY);
        assertThat(busy.busyHolder()).contains(HOLDER);
        assertThat(ClaimResult.claimed(2, 9).busyHolder()).isEmpty();
    }

    @Test
    void claimResultTokenIsGivenExactlyForClaimed() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimResult.claimed(0, 0))
                .withMessageContaining("fencing token");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimResult(ClaimStatus.DUPLICATE, 1, 3, null))
                .withMessageContaining("fencing token");
    }

    @Test
    void claimResultHolderIsGivenExactlyForBusy() {
        assertThatNullPointerException().isThrownBy(() -> ClaimResult.busy(1, null)).withMessage("holder");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimResult(ClaimStatus.BUSY, 1, 0, null))
                .withMessageContaining("holder");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimResult(ClaimStatus.GAP, 1, 0, HOLDER))
                .withMessageContaining("holder");
        assertThatNullPointerException().isThrownBy(() -> new ClaimResult(null, 1, 0, null)).withMessage("status");
    }

    @Test
    void advanceResultFactories() {
        assertThat(AdvanceResult.inOrder(4)).isEqualTo(new AdvanceResult(Verdict.IN_ORDER, 4));
        assertThat(AdvanceResult.duplicate(4)).isEqualTo(new AdvanceResult(Verdict.DUPLICATE, 4));
        assertThat(AdvanceResult.gap(4)).isEqualTo(new AdvanceResult(Verdict.GAP, 4));
        assertThatNullPointerException().isThrownBy(() -> new AdvanceResult(null, 1)).withMessage("verdict");
    }

    @Test
    void aggregateState() {
        assertThat(AggregateState.UNKNOWN).isEqualTo(new AggregateState(0, 0, Optional.empty()));
        assertThat(new AggregateState(1, 1, null).claim()).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> new AggregateState(-1, 0, Optional.empty()))
                .withMessageStartingWith("last");
        assertThatIllegalArgumentException().isThrownBy(() -> new AggregateState(0, -1, Optional.empty()))
                .withMessageStartingWith("fencingToken");
    }

    @Test
    void activeClaimRejectsNulls() {
        assertThatNullPointerException().isThrownBy(() -> new ActiveClaim(null, 1, 1, Instant.EPOCH))
                .withMessage("owner");
        assertThatNullPointerException().isThrownBy(() -> new ActiveClaim("w", 1, 1, null))
                .withMessage("expiresAt");
    }

    @Test
    void storeArgumentsNameTheParameter() {
        assertThatNullPointerException().isThrownBy(() -> StoreArguments.requireKey(null)).withMessage("key");
        assertThat(StoreArguments.requireKey(KEY)).isSameAs(KEY);

        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireSequence(0))
                .withMessage("seq must be >= 1, was 0");
        assertThat(StoreArguments.requireSequence(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);

        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireLast(-1))
                .withMessage("last must be >= 0, was -1");
        assertThat(StoreArguments.requireLast(0)).isZero();

        assertThatNullPointerException().isThrownBy(() -> StoreArguments.requireTrackedMode(null)).withMessage("mode");
        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireTrackedMode(TrackingMode.DISABLED))
                .withMessageContaining("DISABLED");
        assertThat(StoreArguments.requireTrackedMode(TrackingMode.MONOTONIC)).isEqualTo(TrackingMode.MONOTONIC);

        assertThatNullPointerException().isThrownBy(() -> StoreArguments.requireOwner(null)).withMessage("owner");
        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireOwner(" "))
                .withMessageStartingWith("owner");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StoreArguments.requireOwner("w".repeat(StoreArguments.MAX_OWNER_LENGTH + 1)))
                .withMessageStartingWith("owner");
        assertThat(StoreArguments.requireOwner("w".repeat(StoreArguments.MAX_OWNER_LENGTH))).hasSize(256);

        assertThatNullPointerException().isThrownBy(() -> StoreArguments.requireLeaseTtl(null)).withMessage("leaseTtl");
        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireLeaseTtl(Duration.ofNanos(999_999)))
                .withMessageStartingWith("leaseTtl");
        assertThat(StoreArguments.requireLeaseTtl(Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(1));

        assertThatIllegalArgumentException().isThrownBy(() -> StoreArguments.requireFencingToken(0))
                .withMessageStartingWith("fencingToken");
        assertThat(StoreArguments.requireFencingToken(1)).isEqualTo(1);
    }

    @Test
    void batchRequestsValidateLikeTheSingles() {
        assertThatNullPointerException().isThrownBy(() -> new AdvanceRequest(null, 1, TrackingMode.STRICT));
        assertThatIllegalArgumentException().isThrownBy(() -> new AdvanceRequest(KEY, 0, TrackingMode.STRICT));
        assertThatIllegalArgumentException().isThrownBy(() -> new AdvanceRequest(KEY, 1, TrackingMode.DISABLED));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimRequest(KEY, 1, TrackingMode.STRICT, "", Duration.ofSeconds(1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimRequest(KEY, 1, TrackingMode.STRICT, "w", Duration.ZERO));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimRequest(KEY, 1, TrackingMode.DISABLED, "w", Duration.ofSeconds(1)));

        assertThatIllegalArgumentException().isThrownBy(() -> new CommitRequest(KEY, 1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new CommitRequest(KEY, 0, 1));
    }
}
