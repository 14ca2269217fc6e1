package io.seqtrack.tck;

import static io.seqtrack.core.domain.TrackingMode.MONOTONIC;
import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitAndClaimRequest;
import io.seqtrack.core.port.out.CommitAndClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewRequest;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.port.out.SequenceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link SequenceStore} adapter must pass. Extend it in your adapter's tests:
 *
 * <pre>{@code
 * class MyStoreTest extends SequenceStoreContract {
 *     protected SequenceStore createStore() { return new MyStore(freshNamespace(), clock, this::sleepOnStoreClock); }
 *     protected void advanceStoreClock(Duration d) { clock.advance(d); }
 * }
 * }</pre>
 *
 * <p>Each test gets a store from {@link #createStore()} that must know no aggregate (for a shared server, give each
 * store its own key prefix). Lease tests move the store's clock through {@link #advanceStoreClock(Duration)}; they
 * never sleep. A store's {@code reset} and {@code delete} wait for a claim they revoked to expire (invariant 10): the
 * store must do that waiting through {@link #sleepOnStoreClock(Duration)}, which moves its clock instead. The
 * concurrency tests use real threads and are bounded in count and time.
 */
public abstract class SequenceStoreContract {

    /** The lease used by tests that let a claim expire: long enough to never run out by itself. */
    protected static final Duration LEASE = Duration.ofSeconds(30);

    /** The store under test, fresh for every test. */
    protected SequenceStore store;

    /** A new store that knows no aggregate. Called once per test, and twice by the batch tests. */
    protected abstract SequenceStore createStore();

    /** Moves the clock the store judges lease expiry by. */
    protected abstract void advanceStoreClock(Duration duration);

    /**
     * An empty buffer for the {@link SequenceStore#claimAllAndProbe} tests, closed by the test. A store that reads a
     * buffer of its own kind in its claim scripts returns one it recognises (the same deployment and key space), so the
     * contract covers that path; the default {@code null} skips those tests.
     */
    protected io.seqtrack.core.port.out.EventBuffer createBufferFor(SequenceStore store) {
        return null;
    }

    private final java.util.concurrent.atomic.AtomicLong waitedMillis = new java.util.concurrent.atomic.AtomicLong();
    private volatile Runnable duringStoreWait = () -> { };

    /**
     * What the stores under test must call where they wait for time to pass (reset and delete waiting for a revoked
     * claim to expire): moves the store's clock by {@code duration} instead of sleeping. The contract's tests look at
     * the aggregate's state from inside this wait — the moment another worker would act.
     */
    protected final void sleepOnStoreClock(Duration duration) {
        waitedMillis.addAndGet(duration.toMillis());
        duringStoreWait.run();
        advanceStoreClock(duration);
    }

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected static AggregateKey key(String id) {
        return AggregateKey.of("tck_domain", id);
    }

    /** A skip record of {@code from..to}. */
    protected static SkippedRange range(long from, long to) {
        return new SkippedRange(from, to, java.time.Instant.parse("2026-01-01T00:00:00Z"), "tck skip " + from + ".." + to);
    }

    // ---------------------------------------------------------------- advance

    @ParameterizedTest
    @EnumSource(value = TrackingMode.class, names = {"STRICT", "MONOTONIC"})
    void advance_firstSequenceOfUnknownAggregateIsInOrder(TrackingMode mode) {
        assertThat(store.advance(key("a"), 1, mode)).isEqualTo(AdvanceResult.inOrder(1));
        assertThat(store.read(key("a")).lastCommitted()).isEqualTo(1);
    }

    @Test
    void advance_strictClassifiesDuplicateInOrderAndGap() {
        AggregateKey k = key("strict");
        assertThat(store.advance(k, 1, STRICT)).isEqualTo(AdvanceResult.inOrder(1));
        assertThat(store.advance(k, 1, STRICT)).isEqualTo(AdvanceResult.duplicate(1));
        assertThat(store.advance(k, 3, STRICT)).isEqualTo(AdvanceResult.gap(1));
        assertThat(store.advance(k, 2, STRICT)).isEqualTo(AdvanceResult.inOrder(2));
        assertThat(store.advance(k, 3, STRICT)).isEqualTo(AdvanceResult.inOrder(3));
        assertThat(store.advance(k, 2, STRICT)).isEqualTo(AdvanceResult.duplicate(3));
        assertThat(store.read(k).lastCommitted()).isEqualTo(3);
    }

    @Test
    void advance_monotonicAcceptsAnyHigherSequenceAndRejectsTheRest() {
        AggregateKey k = key("monotonic");
        assertThat(store.advance(k, 5, MONOTONIC)).isEqualTo(AdvanceResult.inOrder(5));
        assertThat(store.advance(k, 3, MONOTONIC)).isEqualTo(AdvanceResult.duplicate(5));
        assertThat(store.advance(k, 5, MONOTONIC)).isEqualTo(AdvanceResult.duplicate(5));
        assertThat(store.advance(k, 1_000_000_007L, MONOTONIC)).isEqualTo(AdvanceResult.inOrder(1_000_000_007L));
        assertThat(store.advance(k, Long.MAX_VALUE, MONOTONIC)).isEqualTo(AdvanceResult.inOrder(Long.MAX_VALUE));
        assertThat(store.advance(k, Long.MAX_VALUE, MONOTONIC)).isEqualTo(AdvanceResult.duplicate(Long.MAX_VALUE));
    }

    @Test
    void advance_gapAndDuplicateLeaveTheStateUnchanged() {
        AggregateKey k = key("unchanged");
        store.advance(k, 1, STRICT);
        AggregateState before = store.read(k);
        store.advance(k, 7, STRICT);
        store.advance(k, 1, STRICT);
        assertThat(store.read(k)).isEqualTo(before);
        assertThat(store.read(key("never-advanced"))).isEqualTo(AggregateState.UNKNOWN);
        store.advance(key("never-advanced"), 2, STRICT);
        assertThat(store.read(key("never-advanced"))).isEqualTo(AggregateState.UNKNOWN);
    }

    @Test
    void advance_agreesWithThePureRuleOnRandomStreams() {
        Random random = new Random(20261127L);
        for (TrackingMode mode : List.of(STRICT, MONOTONIC)) {
            AggregateKey k = key("random-" + mode);
            long last = 0;
            for (int i = 0; i < 400; i++) {
                long seq = 1 + random.nextInt(60);
                Verdict expected = SequenceRules.classify(last, seq, mode);
                AdvanceResult actual = store.advance(k, seq, mode);
                if (expected == Verdict.IN_ORDER) {
                    last = seq;
                }
                assertThat(actual).as("advance(%d) after last %d in %s", seq, last, mode)
                        .isEqualTo(new AdvanceResult(expected, last));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void advance_rejectsInvalidSequenceAndChangesNothing(long seq) {
        AggregateKey k = key("invalid");
        store.advance(k, 1, STRICT);
        assertThatThrownBy(() -> store.advance(k, seq, STRICT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq");
        assertThat(store.read(k).lastCommitted()).isEqualTo(1);
    }

    @Test
    void everyOperationRejectsDisabledModeNullsAndBadArguments() {
        AggregateKey k = key("args");
        assertThatThrownBy(() -> store.advance(k, 1, TrackingMode.DISABLED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DISABLED");
        assertThatThrownBy(() -> store.advance(null, 1, STRICT)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.advance(k, 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.claim(k, 1, STRICT, " ", LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("owner");
        assertThatThrownBy(() -> store.claim(k, 1, STRICT, "w", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
        assertThatThrownBy(() -> store.claim(k, 0, STRICT, "w", LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq");
        assertThatThrownBy(() -> store.commit(k, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fencingToken");
        assertThatThrownBy(() -> store.release(k, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq");
        assertThatThrownBy(() -> store.reset(k, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last");
        assertThatThrownBy(() -> store.renew(k, 1, 0, LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fencingToken");
        assertThatThrownBy(() -> store.renew(k, 1, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
        assertThatThrownBy(() -> store.skip(k, 2, 2, range(3, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newLast");
        assertThatThrownBy(() -> store.skip(k, -1, 2, range(0, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("last");
        assertThatThrownBy(() -> store.skip(k, 0, 2, null)).isInstanceOf(NullPointerException.class);
        assertThat(store.read(k)).isEqualTo(AggregateState.UNKNOWN);
        assertThat(store.skippedRanges(k)).isEmpty();
    }

    /**
     * Owners are text, held to the same rule as aggregate ids: an unpaired surrogate has no UTF-8 form, so a store that
     * compares bytes would take {@code "worker-\uD800"} and {@code "worker-?"} for one owner (issue 11, #8).
     */
    @Test
    void claim_rejectsAnOwnerThatIsNotWellFormedText() {
        AggregateKey k = key("owner-text");
        assertThatThrownBy(() -> store.claim(k, 1, STRICT, "worker-\uD800", LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("owner")
                .hasMessageContaining("surrogate");
        assertThatThrownBy(() -> store.claim(k, 1, STRICT, "worker-\uDC00x", LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("owner");
        assertThat(store.read(k)).isEqualTo(AggregateState.UNKNOWN);
        ClaimResult question = store.claim(k, 1, STRICT, "worker-?", LEASE);
        assertThat(question.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(store.claim(k, 1, STRICT, "worker-\uD83D\uDE42", LEASE).status())
                .as("a different, well-formed owner is another worker").isEqualTo(ClaimStatus.BUSY);
    }

    // ---------------------------------------------------------------- claim

    @Test
    void claim_strictVerdicts() {
        AggregateKey k = key("claim-strict");
        assertThat(store.claim(k, 2, STRICT, "w1", LEASE)).isEqualTo(ClaimResult.gap(0));
        ClaimResult claimed = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(claimed.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(claimed.fencingToken()).isPositive();
        assertThat(store.commit(k, 1, claimed.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.claim(k, 1, STRICT, "w1", LEASE)).isEqualTo(ClaimResult.duplicate(1));
        assertThat(store.claim(k, 3, STRICT, "w1", LEASE)).isEqualTo(ClaimResult.gap(1));
        assertThat(store.claim(k, 2, STRICT, "w1", LEASE).status()).isEqualTo(ClaimStatus.CLAIMED);
    }

    @Test
    void claim_monotonicVerdicts() {
        AggregateKey k = key("claim-monotonic");
        ClaimResult first = store.claim(k, 10, MONOTONIC, "w1", LEASE);
        assertThat(first.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(store.commit(k, 10, first.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.claim(k, 10, MONOTONIC, "w1", LEASE)).isEqualTo(ClaimResult.duplicate(10));
        assertThat(store.claim(k, 4, MONOTONIC, "w1", LEASE)).isEqualTo(ClaimResult.duplicate(10));
        ClaimResult jump = store.claim(k, 500, MONOTONIC, "w1", LEASE);
        assertThat(jump.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(store.commit(k, 500, jump.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.read(k).lastCommitted()).isEqualTo(500);
    }

    @Test
    void claim_doesNotAdvanceTheLastCommittedSequence() {
        AggregateKey k = key("claim-no-advance");
        store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.advance(k, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
    }

    @Test
    void claim_atMostOneUnexpiredClaimPerAggregate() {
        AggregateKey k = key("busy");
        ClaimResult first = store.claim(k, 1, STRICT, "w1", LEASE);
        ClaimResult second = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(second.status()).isEqualTo(ClaimStatus.BUSY);
        ActiveClaim holder = second.busyHolder().orElseThrow();
        assertThat(holder.owner()).isEqualTo("w1");
        assertThat(holder.sequence()).isEqualTo(1);
        assertThat(holder.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(store.read(k).claim()).contains(holder);
        // another aggregate is not affected
        assertThat(store.claim(key("other"), 1, STRICT, "w2", LEASE).status()).isEqualTo(ClaimStatus.CLAIMED);
    }

    @Test
    void claim_duplicateAndGapTakePrecedenceOverBusy() {
        AggregateKey k = key("precedence");
        store.advance(k, 1, STRICT);
        store.claim(k, 2, STRICT, "w1", LEASE);
        assertThat(store.claim(k, 1, STRICT, "w2", LEASE)).isEqualTo(ClaimResult.duplicate(1));
        assertThat(store.claim(k, 5, STRICT, "w2", LEASE)).isEqualTo(ClaimResult.gap(1));
        assertThat(store.claim(k, 2, STRICT, "w2", LEASE).status()).isEqualTo(ClaimStatus.BUSY);
    }

    @Test
    void claim_expiredLeaseCanBeTakenOverByAnotherOwner() {
        AggregateKey k = key("expiry");
        Duration lease = Duration.ofSeconds(5);
        ClaimResult first = store.claim(k, 1, STRICT, "w1", lease);
        advanceStoreClock(Duration.ofSeconds(4));
        assertThat(store.claim(k, 1, STRICT, "w2", lease).status()).isEqualTo(ClaimStatus.BUSY);
        advanceStoreClock(Duration.ofMillis(1_100));
        assertThat(store.read(k).claim()).as("an expired claim is not current").isEmpty();
        ClaimResult second = store.claim(k, 1, STRICT, "w2", lease);
        assertThat(second.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(store.read(k).claim().orElseThrow().owner()).isEqualTo("w2");
    }

    @Test
    void claim_busyReportsWhenTheLeaseEnds() {
        AggregateKey k = key("expires-at");
        store.claim(k, 1, STRICT, "w1", Duration.ofSeconds(10));
        ActiveClaim holder = store.claim(k, 1, STRICT, "w2", LEASE).busyHolder().orElseThrow();
        advanceStoreClock(Duration.ofSeconds(3));
        ActiveClaim later = store.claim(k, 1, STRICT, "w2", LEASE).busyHolder().orElseThrow();
        assertThat(later.expiresAt()).isEqualTo(holder.expiresAt());
        assertThat(Duration.between(holder.expiresAt(), later.expiresAt())).isZero();
    }

    @Test
    void claim_sameOwnerReclaimsAndFencesItsEarlierAttempt() {
        AggregateKey k = key("reclaim");
        ClaimResult first = store.claim(k, 1, STRICT, "w1", LEASE);
        ClaimResult again = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(again.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(again.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(store.commit(k, 1, first.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.commit(k, 1, again.fencingToken())).isEqualTo(CommitResult.COMMITTED);
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossClaimsReleasesExpiriesCommitsAndResets() {
        AggregateKey k = key("tokens");
        List<Long> tokens = new ArrayList<>();
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        tokens.add(c.fencingToken());
        store.release(k, 1, c.fencingToken());
        c = store.claim(k, 1, STRICT, "w2", Duration.ofSeconds(1));
        tokens.add(c.fencingToken());
        advanceStoreClock(Duration.ofSeconds(2));
        c = store.claim(k, 1, STRICT, "w3", LEASE);
        tokens.add(c.fencingToken());
        store.commit(k, 1, c.fencingToken());
        c = store.claim(k, 2, STRICT, "w1", LEASE);
        tokens.add(c.fencingToken());
        store.reset(k, 0);
        c = store.claim(k, 1, STRICT, "w1", LEASE);
        tokens.add(c.fencingToken());
        assertThat(tokens).doesNotHaveDuplicates().isSorted();
        assertThat(store.read(k).fencingToken()).isGreaterThanOrEqualTo(tokens.get(tokens.size() - 1));
    }

    /** Issue 11, #1: claim by A → delete → claim by B must not hand out A's token again. */
    @Test
    void delete_neverRestartsFencingTokens() {
        AggregateKey k = key("delete-fence");
        ClaimResult a = store.claim(k, 1, STRICT, "A", LEASE);
        assertThat(store.delete(k)).isTrue();
        ClaimResult b = store.claim(k, 1, STRICT, "B", LEASE);
        assertThat(b.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(b.fencingToken()).as("a token after delete is above every token before it")
                .isGreaterThan(a.fencingToken());
        assertThat(store.commit(k, 1, a.fencingToken())).as("A claimed before the delete: fenced")
                .isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.renew(k, 1, a.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        assertThat(store.release(k, 1, a.fencingToken())).isEqualTo(ReleaseResult.NOT_HELD);
        assertThat(store.commit(k, 1, b.fencingToken())).isEqualTo(CommitResult.COMMITTED);

        // the same through an advance or a reset that re-creates the aggregate, and with no claim open at the delete
        ClaimResult c = store.claim(k, 2, STRICT, "A", LEASE);
        store.commit(k, 2, c.fencingToken());
        store.delete(k);
        assertThat(store.commit(k, 2, c.fencingToken())).as("not mistaken for a landed commit after a delete")
                .isEqualTo(CommitResult.CLAIM_LOST);
        store.advance(k, 1, STRICT);
        ClaimResult d = store.claim(k, 2, STRICT, "B", LEASE);
        assertThat(d.fencingToken()).isGreaterThan(c.fencingToken());
        store.delete(k);
        store.reset(k, 5);
        ClaimResult e = store.claim(k, 6, STRICT, "B", LEASE);
        assertThat(e.fencingToken()).isGreaterThan(d.fencingToken());
        assertThat(store.commit(k, 2, d.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
    }

    // ---------------------------------------------------------------- renew

    @Test
    void renew_extendsTheLeaseOfTheCurrentClaimAndKeepsItsToken() {
        AggregateKey k = key("renew");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", Duration.ofSeconds(2));
        advanceStoreClock(Duration.ofMillis(1500));
        assertThat(store.renew(k, 1, c.fencingToken(), Duration.ofSeconds(10))).isEqualTo(RenewResult.RENEWED);
        advanceStoreClock(Duration.ofSeconds(5));
        ClaimResult other = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(other.status()).as("the renewed lease still runs").isEqualTo(ClaimStatus.BUSY);
        assertThat(other.busyHolder()).hasValueSatisfying(h -> assertThat(h.fencingToken()).isEqualTo(c.fencingToken()));
        assertThat(store.read(k).claim()).hasValueSatisfying(h -> assertThat(h.owner()).isEqualTo("w1"));
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.COMMITTED);
    }

    /**
     * Issue 11, #2: worker A pauses past its lease; B claims, fails and releases; A's overdue renewal must not claim
     * again — it answers CLAIM_LOST, and so does A's commit.
     */
    @Test
    void renew_neverUnfencesAWorkerWhoseClaimWasTakenMeanwhile() {
        AggregateKey k = key("renew-fenced");
        ClaimResult a = store.claim(k, 1, STRICT, "A", Duration.ofSeconds(1));
        advanceStoreClock(Duration.ofSeconds(2));
        ClaimResult b = store.claim(k, 1, STRICT, "B", LEASE);
        assertThat(store.release(k, 1, b.fencingToken())).isEqualTo(ReleaseResult.RELEASED);
        assertThat(store.renew(k, 1, a.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        assertThat(store.read(k).claim()).as("a lost renewal claims nothing").isEmpty();
        assertThat(store.commit(k, 1, a.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.renew(k, 1, b.fencingToken(), LEASE)).as("released").isEqualTo(RenewResult.CLAIM_LOST);
    }

    @Test
    void renew_answersClaimLostAfterCommitResetDeleteOrForAnotherSequence() {
        AggregateKey k = key("renew-lost");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.renew(k, 2, c.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        assertThat(store.renew(k, 1, c.fencingToken() + 1, LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        store.commit(k, 1, c.fencingToken());
        assertThat(store.renew(k, 1, c.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        ClaimResult d = store.claim(k, 2, STRICT, "w1", LEASE);
        store.reset(k, 1);
        assertThat(store.renew(k, 2, d.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        ClaimResult e = store.claim(k, 2, STRICT, "w1", LEASE);
        store.delete(k);
        assertThat(store.renew(k, 2, e.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        assertThat(store.read(k)).isEqualTo(AggregateState.UNKNOWN);
        assertThat(store.renew(key("never-claimed"), 1, 1, LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
    }

    /** Like commit: an expired claim that nobody replaced is still the holder's. */
    @Test
    void renew_afterLeaseExpirySucceedsWhenNoNewerClaimWasIssued() {
        AggregateKey k = key("renew-late");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", Duration.ofSeconds(1));
        advanceStoreClock(Duration.ofSeconds(5));
        assertThat(store.renew(k, 1, c.fencingToken(), LEASE)).isEqualTo(RenewResult.RENEWED);
        assertThat(store.claim(k, 1, STRICT, "w2", LEASE).status()).isEqualTo(ClaimStatus.BUSY);
    }

    @Test
    void renewAll_equalsTheSinglesInOrder() {
        AggregateKey k = key("renew-all");
        AggregateKey j = key("renew-all-2");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        ClaimResult d = store.claim(j, 1, STRICT, "w1", LEASE);
        store.commit(j, 1, d.fencingToken());
        assertThat(store.renewAll(List.of(new RenewRequest(k, 1, c.fencingToken(), LEASE),
                new RenewRequest(j, 1, d.fencingToken(), LEASE))))
                .containsExactly(RenewResult.RENEWED, RenewResult.CLAIM_LOST);
    }

    // ---------------------------------------------------------------- skip

    @Test
    void skip_movesOverTheRangeAndRecordsItInOneStep() {
        AggregateKey k = key("skip");
        store.advance(k, 1, STRICT);
        SkippedRange r = range(2, 4);
        assertThat(store.skip(k, 1, 4, r)).isEqualTo(SkipResult.skipped(4));
        assertThat(store.read(k).lastCommitted()).isEqualTo(4);
        assertThat(store.skippedRanges(k)).containsExactly(r);
        assertThat(store.advance(k, 5, STRICT)).isEqualTo(AdvanceResult.inOrder(5));
        assertThat(store.skip(k, 1, 4, r)).as("a retry of the same skip after it landed and others moved on")
                .isEqualTo(SkipResult.skipped(5));
        assertThat(store.skippedRanges(k)).containsExactly(r);
    }

    /**
     * A retry is recognised by its record alone, whatever {@code expectedLast} it carries; a skip that did not happen
     * is {@code MOVED} by an expectation the aggregate does not meet. A caller that only wants to confirm a skip (the
     * processor, once the gap is over) relies on both: it expects a last no aggregate has, so it can never apply it.
     */
    @Test
    void skip_aConfirmationThatCannotApplyRecognisesTheRecordOrMoves() {
        AggregateKey k = key("skip-confirm");
        store.advance(k, 1, STRICT);
        SkippedRange r = range(2, 4);
        assertThat(store.skip(k, Long.MAX_VALUE - 1, Long.MAX_VALUE, r).status()).as("never skipped: moved")
                .isEqualTo(SkipResult.Status.MOVED);
        assertThat(store.read(k).lastCommitted()).isEqualTo(1);
        assertThat(store.skippedRanges(k)).isEmpty();
        assertThat(store.skip(k, 1, 4, r)).isEqualTo(SkipResult.skipped(4));
        assertThat(store.skip(k, Long.MAX_VALUE - 1, Long.MAX_VALUE, r)).as("recognised by its record")
                .isEqualTo(SkipResult.skipped(4));
        assertThat(store.skippedRanges(k)).containsExactly(r);
    }

    @Test
    void skip_retriedAfterAnUnknownOutcomeIsSkippedOnceAndRecordedOnce() {
        AggregateKey k = key("skip-retry");
        SkippedRange r = range(1, 3);
        assertThat(store.skip(k, 0, 3, r).skipped()).isTrue();
        assertThat(store.skip(k, 0, 3, r)).isEqualTo(SkipResult.skipped(3));
        SkippedRange other = new SkippedRange(1, 3, r.skippedAt().plusSeconds(1), r.reason());
        assertThat(store.skip(k, 0, 3, other)).as("another decision over the same range did not happen")
                .isEqualTo(SkipResult.moved(3));
        assertThat(store.skippedRanges(k)).containsExactly(r);
    }

    /** Issue 11, #11: a skip whose start has moved changes nothing and leaves no record. */
    @Test
    void skip_fromAStaleLastChangesNothingAndRecordsNothing() {
        AggregateKey k = key("skip-moved");
        store.advance(k, 1, STRICT);
        store.advance(k, 2, STRICT);
        assertThat(store.skip(k, 1, 5, range(2, 5))).isEqualTo(SkipResult.moved(2));
        assertThat(store.skip(k, 3, 5, range(4, 5))).isEqualTo(SkipResult.moved(2));
        assertThat(store.read(k).lastCommitted()).isEqualTo(2);
        assertThat(store.skippedRanges(k)).isEmpty();
    }

    /** Issue 11, #7: a skip can never overlap a running handler of the skipped event. */
    @Test
    void skip_refusesWhileAClaimIsHeldAndLeavesTheClaimIntact() {
        AggregateKey k = key("skip-busy");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        SkipResult refused = store.skip(k, 0, 3, range(1, 3));
        assertThat(refused.status()).isEqualTo(SkipResult.Status.BUSY);
        assertThat(refused.lastCommitted()).isZero();
        assertThat(refused.claim()).hasValueSatisfying(h -> {
            assertThat(h.owner()).isEqualTo("w1");
            assertThat(h.fencingToken()).isEqualTo(c.fencingToken());
        });
        assertThat(store.skippedRanges(k)).isEmpty();
        assertThat(store.commit(k, 1, c.fencingToken())).as("the handler's commit is unaffected")
                .isEqualTo(CommitResult.COMMITTED);
        assertThat(store.skip(k, 0, 3, range(1, 3)).status()).isEqualTo(SkipResult.Status.MOVED);
    }

    @Test
    void skip_overAnExpiredClaimFencesItsHolder() {
        AggregateKey k = key("skip-expired");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", Duration.ofSeconds(1));
        advanceStoreClock(Duration.ofSeconds(2));
        assertThat(store.skip(k, 0, 2, range(1, 2)).skipped()).isTrue();
        assertThat(store.read(k).claim()).isEmpty();
        assertThat(store.read(k).fencingToken()).isGreaterThan(c.fencingToken());
        assertThat(store.commit(k, 1, c.fencingToken())).as("the paused holder's handler ran on a skipped event")
                .isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.renew(k, 1, c.fencingToken(), LEASE)).isEqualTo(RenewResult.CLAIM_LOST);
        assertThat(store.claim(k, 3, STRICT, "w2", LEASE).fencingToken()).isGreaterThan(c.fencingToken());
    }

    @Test
    void skippedRanges_areKeptOldestFirstPerAggregateAndSurviveAReset() {
        AggregateKey k = key("skip-log");
        SkippedRange first = new SkippedRange(1, 2, java.time.Instant.parse("2026-01-01T00:00:30.5Z"),
                "gap timeout 30s, policy SKIP");
        SkippedRange second = new SkippedRange(5, 5, java.time.Instant.parse("2026-01-01T00:01:00.000000001Z"),
                "operator: ünïcødé, \"quotes\", new\nline");
        store.skip(k, 0, 2, first);
        store.advance(k, 3, STRICT);
        store.advance(k, 4, STRICT);
        store.skip(k, 4, 5, second);
        store.reset(k, 1);
        assertThat(store.skippedRanges(k)).containsExactly(first, second);
        assertThat(store.skippedRanges(key("skip-log-other"))).isEmpty();
        assertThat(store.skippedRanges(AggregateKey.of("tck_domain:skip-log", "x"))).isEmpty();
    }

    @Test
    void asyncCallsOnOneAggregateAreAppliedInTheOrderIssued() throws Exception {
        AggregateKey k = key("async-order");
        List<java.util.concurrent.CompletableFuture<AdvanceResult>> results = new ArrayList<>();
        for (long seq = 1; seq <= 200; seq++) {
            results.add(store.advanceAsync(k, seq, STRICT).toCompletableFuture());
        }
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(AdvanceResult.inOrder(i + 1));
        }
    }

    // ---------------------------------------------------------------- commit

    @Test
    void commit_advancesAndDropsTheClaim() {
        AggregateKey k = key("commit");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        AggregateState state = store.read(k);
        assertThat(state.lastCommitted()).isEqualTo(1);
        assertThat(state.claim()).isEmpty();
        assertThat(store.claim(k, 2, STRICT, "w2", LEASE).status())
                .as("another worker may claim the next sequence at once").isEqualTo(ClaimStatus.CLAIMED);
    }

    @Test
    void commit_retriedAfterUnknownOutcomeIsAlreadyCommitted() {
        AggregateKey k = key("commit-retry");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.ALREADY_COMMITTED);
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.ALREADY_COMMITTED);
        assertThat(store.read(k).lastCommitted()).isEqualTo(1);
    }

    @Test
    void commit_fencedWorkerGetsClaimLostAndChangesNothing() {
        AggregateKey k = key("fenced");
        Duration lease = Duration.ofSeconds(2);
        ClaimResult paused = store.claim(k, 1, STRICT, "paused-worker", lease);
        advanceStoreClock(Duration.ofSeconds(3));
        ClaimResult successor = store.claim(k, 1, STRICT, "successor", lease);
        assertThat(successor.fencingToken()).isGreaterThan(paused.fencingToken());

        assertThat(store.commit(k, 1, paused.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.read(k).claim().orElseThrow().owner()).isEqualTo("successor");

        assertThat(store.commit(k, 1, successor.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.commit(k, 1, paused.fencingToken()))
                .as("still fenced after the successor committed").isEqualTo(CommitResult.CLAIM_LOST);
    }

    @Test
    void commit_afterLeaseExpirySucceedsWhenNoNewerClaimWasIssued() {
        AggregateKey k = key("late-commit");
        ClaimResult c = store.claim(k, 1, STRICT, "slow", Duration.ofSeconds(1));
        advanceStoreClock(Duration.ofSeconds(5));
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        assertThat(store.read(k).lastCommitted()).isEqualTo(1);
    }

    @Test
    void commit_withWrongTokenOrSequenceOrWithoutClaimIsClaimLost() {
        AggregateKey k = key("wrong");
        assertThat(store.commit(k, 1, 1)).isEqualTo(CommitResult.CLAIM_LOST);
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.commit(k, 1, c.fencingToken() + 1)).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.commit(k, 2, c.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.read(k).claim()).isPresent();
    }

    // ---------------------------------------------------------------- release

    @Test
    void release_givesTheClaimBackWithoutAdvancing() {
        AggregateKey k = key("release");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.release(k, 1, c.fencingToken())).isEqualTo(ReleaseResult.RELEASED);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.read(k).claim()).isEmpty();
        assertThat(store.commit(k, 1, c.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        ClaimResult other = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(other.status()).as("claimable at once, no lease wait").isEqualTo(ClaimStatus.CLAIMED);
        assertThat(other.fencingToken()).isGreaterThan(c.fencingToken());
    }

    @Test
    void release_invalidatesTheTokenEvenIfTheSequenceGetsCommittedOtherwise() {
        AggregateKey k = key("release-then-advance");
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        store.release(k, 1, c.fencingToken());
        store.advance(k, 1, STRICT);
        assertThat(store.commit(k, 1, c.fencingToken()))
                .as("the released attempt never committed").isEqualTo(CommitResult.CLAIM_LOST);
    }

    @Test
    void release_ofAClaimNotHeldChangesNothing() {
        AggregateKey k = key("release-wrong");
        assertThat(store.release(k, 1, 1)).isEqualTo(ReleaseResult.NOT_HELD);
        ClaimResult c = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.release(k, 1, c.fencingToken() + 1)).isEqualTo(ReleaseResult.NOT_HELD);
        assertThat(store.release(k, 2, c.fencingToken())).isEqualTo(ReleaseResult.NOT_HELD);
        assertThat(store.read(k).claim().orElseThrow().fencingToken()).isEqualTo(c.fencingToken());
        store.commit(k, 1, c.fencingToken());
        assertThat(store.release(k, 1, c.fencingToken())).isEqualTo(ReleaseResult.NOT_HELD);
        assertThat(store.read(k).lastCommitted()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- read, reset, delete

    @Test
    void reset_setsLastDropsTheClaimAndKeepsFencing() {
        AggregateKey k = key("reset");
        store.advance(k, 1, STRICT);
        store.advance(k, 2, STRICT);
        ClaimResult c = store.claim(k, 3, STRICT, "w1", LEASE);
        store.reset(k, 1);
        AggregateState state = store.read(k);
        assertThat(state.lastCommitted()).isEqualTo(1);
        assertThat(state.claim()).isEmpty();
        assertThat(state.fencingToken()).as("reset invalidates earlier tokens").isGreaterThan(c.fencingToken());
        assertThat(store.advance(k, 2, STRICT)).isEqualTo(AdvanceResult.inOrder(2));
        store.reset(k, 41);
        assertThat(store.advance(k, 42, STRICT)).isEqualTo(AdvanceResult.inOrder(42));
        assertThat(store.commit(k, 3, c.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
    }

    /**
     * Invariant 10: a worker holding an unexpired claim may answer duplicates from its own view, so a reset revokes a
     * live claim at once and changes the aggregate only once that claim has expired by the store's clock. Looked at
     * from inside the wait: the holder is fenced off, other workers meet BUSY, and nothing was reset yet.
     */
    @Test
    void reset_ofAClaimedAggregateRevokesTheClaimAtOnceAndActsOnceItExpired() {
        AggregateKey k = key("reset-revokes");
        store.advance(k, 1, STRICT);
        store.advance(k, 2, STRICT);
        ClaimResult held = store.claim(k, 3, STRICT, "w1", LEASE);
        List<String> seenDuringWait = new ArrayList<>();
        duringStoreWait = () -> {
            if (!seenDuringWait.isEmpty()) {
                return; // the first wait is the revoked claim's (a near cache may make the store wait again after)
            }
            seenDuringWait.add("commit " + store.commit(k, 3, held.fencingToken()));
            seenDuringWait.add("renew " + store.renew(k, 3, held.fencingToken(), LEASE));
            seenDuringWait.add("release " + store.release(k, 3, held.fencingToken()));
            seenDuringWait.add("claim by w2 " + store.claim(k, 3, STRICT, "w2", LEASE).status());
            seenDuringWait.add("claim by w1 " + store.claim(k, 3, STRICT, "w1", LEASE).status());
            seenDuringWait.add("last " + store.read(k).lastCommitted());
        };
        store.reset(k, 0);
        duringStoreWait = () -> { };
        assertThat(seenDuringWait).containsExactly("commit CLAIM_LOST", "renew CLAIM_LOST", "release NOT_HELD",
                "claim by w2 BUSY", "claim by w1 BUSY", "last 2");
        assertThat(waitedMillis.get()).as("waited until the revoked claim expired (ms)")
                .isGreaterThanOrEqualTo(LEASE.toMillis() - 5_000);
        AggregateState state = store.read(k);
        assertThat(state.lastCommitted()).isZero();
        assertThat(state.claim()).as("the operator's hold is gone once it acted").isEmpty();
        ClaimResult next = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(next.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
        assertThat(store.commit(k, 3, held.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
    }

    /**
     * Review finding (invariant 10): the operator's hold is a claim whose owner is "seqtrack-operator@&lt;ms&gt;", and
     * owners are free text — so a worker whose id happens to look like a hold is taken for one. Its live claim is then
     * not revoked and not waited out: the reset acts at once (Redis), or fails with a NumberFormatException (in-memory,
     * for an id that is not followed by digits), while the worker may still answer duplicates from its own view. A store
     * may instead refuse such an owner (the name is reserved); it must not act while the claim is live.
     */
    @ParameterizedTest
    @ValueSource(strings = {"seqtrack-operator@1", "seqtrack-operator@worker-7"})
    void reset_waitsOutALiveClaimWhoseOwnerLooksLikeAnOperatorHold(String owner) {
        AggregateKey k = key("reset-operator-named-" + owner.length());
        store.advance(k, 1, STRICT);
        store.advance(k, 2, STRICT);
        ClaimResult held;
        try {
            held = store.claim(k, 3, STRICT, owner, LEASE);
        } catch (IllegalArgumentException reserved) {
            return; // the store reserves the operator's name: no worker can be taken for the operator
        }
        assertThat(held.status()).isEqualTo(ClaimStatus.CLAIMED);
        List<Long> lastDuringWait = new ArrayList<>();
        duringStoreWait = () -> {
            if (lastDuringWait.isEmpty()) {
                lastDuringWait.add(store.read(k).lastCommitted());
            }
        };
        waitedMillis.set(0);
        store.reset(k, 0);
        duringStoreWait = () -> { };
        assertThat(lastDuringWait).as("the reset waited, unchanged, for the live claim to expire").containsExactly(2L);
        assertThat(waitedMillis.get()).isGreaterThanOrEqualTo(LEASE.toMillis() - 5_000);
        assertThat(store.read(k).lastCommitted()).isZero();
    }

    @Test
    void delete_ofAClaimedAggregateRevokesTheClaimAtOnceAndActsOnceItExpired() {
        AggregateKey k = key("delete-revokes");
        store.advance(k, 1, STRICT);
        ClaimResult held = store.claim(k, 2, STRICT, "w1", LEASE);
        List<String> seenDuringWait = new ArrayList<>();
        duringStoreWait = () -> {
            if (!seenDuringWait.isEmpty()) {
                return; // the first wait is the revoked claim's
            }
            seenDuringWait.add("commit " + store.commit(k, 2, held.fencingToken()));
            seenDuringWait.add("claim by w2 " + store.claim(k, 2, STRICT, "w2", LEASE).status());
            seenDuringWait.add("last " + store.read(k).lastCommitted());
        };
        assertThat(store.delete(k)).isTrue();
        duringStoreWait = () -> { };
        assertThat(seenDuringWait).containsExactly("commit CLAIM_LOST", "claim by w2 BUSY", "last 1");
        assertThat(waitedMillis.get()).isGreaterThanOrEqualTo(LEASE.toMillis() - 5_000);
        assertThat(store.read(k).lastCommitted()).isZero();
        assertThat(store.read(k).claim()).isEmpty();
        ClaimResult next = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
    }

    @Test
    void resetAndDelete_withoutALiveClaimActAtOnce() {
        AggregateKey k = key("reset-unclaimed");
        store.advance(k, 1, STRICT);
        store.reset(k, 5);
        ClaimResult expired = store.claim(k, 6, STRICT, "w1", LEASE);
        advanceStoreClock(LEASE.plusSeconds(1));
        waitedMillis.set(0);
        store.reset(k, 7); // the claim expired: nobody can still be answering from it
        assertThat(store.delete(k)).isTrue();
        // (a store may wait for other reasons — a near cache ageing out — but not for a lease)
        assertThat(waitedMillis.get()).as("no live claim: no lease waited out").isLessThan(LEASE.toMillis() / 2);
        assertThat(store.commit(k, 6, expired.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
    }

    /**
     * Workers that claim the aggregate again each time a revoked claim has expired (here the clock jumps past the
     * operator's hold while it waits) do not make a reset wait forever: after a bounded number of rounds it fails with
     * a {@link SequenceStoreException} naming the aggregate, and has not changed its last committed sequence.
     */
    @Test
    void reset_givesUpAfterBoundedRoundsWhenTheAggregateIsClaimedAgainEachTime() {
        AggregateKey k = key("reset-contended");
        store.advance(k, 4, MONOTONIC);
        store.claim(k, 5, STRICT, "w1", LEASE);
        java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
        duringStoreWait = () -> {
            advanceStoreClock(Duration.ofMinutes(10)); // past the revoked claim and the operator's hold
            // a lease that outlasts the rest of the store's wait: the next round finds it live
            if (store.claim(k, 5, STRICT, "w" + (2 + claims.get()), Duration.ofMinutes(1)).status()
                    == ClaimStatus.CLAIMED) {
                claims.incrementAndGet();
            }
        };
        assertThatThrownBy(() -> store.reset(k, 0)).isInstanceOf(SequenceStoreException.class)
                .hasMessageContaining(k.aggregateId());
        duringStoreWait = () -> { };
        assertThat(claims.get()).as("claimed again in every wait").isGreaterThanOrEqualTo(2);
        assertThat(store.read(k).lastCommitted()).isEqualTo(4);
    }

    @Test
    void delete_forgetsTheAggregate() {
        AggregateKey k = key("delete");
        store.advance(k, 1, STRICT);
        assertThat(store.delete(k)).isTrue();
        assertThat(store.read(k)).isEqualTo(AggregateState.UNKNOWN);
        assertThat(store.delete(k)).isFalse();
        assertThat(store.advance(k, 1, STRICT)).isEqualTo(AdvanceResult.inOrder(1));
    }

    // ---------------------------------------------------------------- batches and async

    @Test
    void advanceAll_equalsTheSinglesInOrder() {
        List<AdvanceRequest> requests = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            TrackingMode mode = i % 3 == 0 ? MONOTONIC : STRICT;
            requests.add(new AdvanceRequest(key("batch-" + mode + "-" + random.nextInt(5)), 1 + random.nextInt(8), mode));
        }
        List<AdvanceResult> batched = store.advanceAll(requests);
        try (SequenceStore singles = createStore()) {
            List<AdvanceResult> expected = new ArrayList<>();
            for (AdvanceRequest r : requests) {
                expected.add(singles.advance(r.key(), r.seq(), r.mode()));
            }
            assertThat(batched).containsExactlyElementsOf(expected);
        }
        assertThat(store.advanceAll(List.of())).isEmpty();
    }

    @Test
    void claimAllAndCommitAll_equalTheSinglesInOrder() {
        List<ClaimRequest> claims = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            claims.add(new ClaimRequest(key("batch-claim-" + (i % 7)), 1 + i / 7, STRICT, "w" + (i % 2), LEASE));
        }
        List<ClaimResult> batched = store.claimAll(claims);
        List<CommitRequest> commits = new ArrayList<>();
        for (int i = 0; i < claims.size(); i++) {
            if (batched.get(i).status() == ClaimStatus.CLAIMED) {
                commits.add(new CommitRequest(claims.get(i).key(), claims.get(i).seq(), batched.get(i).fencingToken()));
            }
        }
        List<CommitResult> committed = store.commitAll(commits);

        try (SequenceStore singles = createStore()) {
            List<ClaimResult> expectedClaims = new ArrayList<>();
            for (ClaimRequest r : claims) {
                expectedClaims.add(singles.claim(r.key(), r.seq(), r.mode(), r.owner(), r.leaseTtl()));
            }
            List<CommitResult> expectedCommits = new ArrayList<>();
            for (int i = 0; i < claims.size(); i++) {
                if (expectedClaims.get(i).status() == ClaimStatus.CLAIMED) {
                    expectedCommits.add(singles.commit(claims.get(i).key(), claims.get(i).seq(),
                            expectedClaims.get(i).fencingToken()));
                }
            }
            assertThat(batched).extracting(ClaimResult::status, ClaimResult::lastCommitted)
                    .containsExactlyElementsOf(expectedClaims.stream()
                            .map(r -> org.assertj.core.groups.Tuple.tuple(r.status(), r.lastCommitted())).toList());
            assertThat(committed).containsExactlyElementsOf(expectedCommits);
        }
    }

    @Test
    void claimAllAndProbe_answersTheClaimsAndTheBufferPresenceReadAfterThem() {
        io.seqtrack.core.port.out.EventBuffer buffer = createBufferFor(store);
        org.junit.jupiter.api.Assumptions.assumeTrue(buffer != null, "no buffer for claimAllAndProbe given");
        try {
            AggregateKey parked = key("probe-parked");
            AggregateKey pending = key("probe-pending");
            AggregateKey both = key("probe-both");
            AggregateKey none = key("probe-none");
            AggregateKey gap = key("probe-gap");
            AggregateKey duplicate = key("probe-duplicate");
            buffer.park(parked, parkedEvent(2));
            buffer.add(pending, bufferedEvent(3), 100);
            buffer.park(both, parkedEvent(4));
            buffer.add(both, bufferedEvent(5), 100);
            buffer.add(gap, bufferedEvent(4), 100);
            store.advance(duplicate, 1, STRICT);

            io.seqtrack.core.port.out.ClaimsAndPresence answer = store.claimAllAndProbe(List.of(
                    new ClaimRequest(parked, 1, STRICT, "w1", LEASE), new ClaimRequest(pending, 1, STRICT, "w1", LEASE),
                    new ClaimRequest(both, 1, STRICT, "w1", LEASE), new ClaimRequest(none, 1, STRICT, "w1", LEASE),
                    new ClaimRequest(gap, 3, STRICT, "w1", LEASE), new ClaimRequest(duplicate, 1, STRICT, "w1", LEASE)),
                    buffer);

            assertThat(answer.claims()).extracting(ClaimResult::status).containsExactly(ClaimStatus.CLAIMED,
                    ClaimStatus.CLAIMED, ClaimStatus.CLAIMED, ClaimStatus.CLAIMED, ClaimStatus.GAP, ClaimStatus.DUPLICATE);
            assertThat(answer.presence().parked()).contains(parked, both).doesNotContain(pending, none, gap);
            assertThat(answer.presence().pending()).contains(pending, both, gap).doesNotContain(parked, none);
            // the claims were made: another owner meets them, and each commits with its token
            assertThat(store.claim(none, 1, STRICT, "w2", LEASE).status()).isEqualTo(ClaimStatus.BUSY);
            assertThat(store.commit(parked, 1, answer.claims().get(0).fencingToken())).isEqualTo(CommitResult.COMMITTED);
            assertThat(store.claimAllAndProbe(List.of(), buffer).claims()).isEmpty();
        } finally {
            buffer.close();
        }
    }

    private static io.seqtrack.core.port.out.BufferedEvent bufferedEvent(long seq) {
        return new io.seqtrack.core.port.out.BufferedEvent(seq, "probe-" + seq, "ProbeType", new byte[] {1, 2},
                java.time.Instant.parse("2026-01-01T00:00:00Z"));
    }

    private static io.seqtrack.core.port.out.ParkedEvent parkedEvent(long seq) {
        return new io.seqtrack.core.port.out.ParkedEvent(bufferedEvent(seq), "probe test",
                java.time.Instant.parse("2026-01-01T00:00:01Z"));
    }

    /**
     * Sticky ownership. A store may decline to claim the next sequence (the SPI default only commits); where it claims,
     * it does so for the same owner with the next token, and a retried commit still learns that it landed.
     */
    @Test
    void commitAndClaimAll_commitsAndClaimsTheNextSequenceWithTheNextTokenInOneStep() {
        AggregateKey sticky = key("sticky");
        AggregateKey plain = key("sticky-plain");
        ClaimResult first = store.claim(sticky, 1, STRICT, "w1", LEASE);
        ClaimResult other = store.claim(plain, 1, STRICT, "w1", LEASE);

        List<CommitAndClaimResult> results = store.commitAndClaimAll(List.of(
                new CommitAndClaimRequest(new CommitRequest(sticky, 1, first.fencingToken()), STRICT, "w1", LEASE),
                CommitAndClaimRequest.commitOnly(new CommitRequest(plain, 1, other.fencingToken()))));

        assertThat(results.get(0).commit()).isEqualTo(CommitResult.COMMITTED);
        assertThat(results.get(1)).isEqualTo(new CommitAndClaimResult(CommitResult.COMMITTED,
                java.util.Optional.empty()));
        assertThat(store.read(sticky).lastCommitted()).isEqualTo(1);
        assertThat(store.read(plain).claim()).isEmpty();
        assertThat(store.commit(sticky, 1, first.fencingToken()))
                .as("a retry after an unknown outcome learns that the commit landed").isEqualTo(CommitResult.ALREADY_COMMITTED);
        if (results.get(0).next().isEmpty()) {
            assertThat(store.read(sticky).claim()).as("declined: nothing claimed").isEmpty();
            return;
        }
        ClaimResult next = results.get(0).next().get();
        assertThat(next.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(next.lastCommitted()).isEqualTo(1);
        assertThat(next.fencingToken()).as("tokens strictly increase per claim (invariant 9)")
                .isGreaterThan(first.fencingToken());
        assertThat(store.commit(sticky, 1, first.fencingToken()))
                .as("still a retry of a commit that landed").isEqualTo(CommitResult.ALREADY_COMMITTED);
        assertThat(store.read(sticky).claim()).hasValueSatisfying(c -> {
            assertThat(c.owner()).isEqualTo("w1");
            assertThat(c.sequence()).isEqualTo(2);
            assertThat(c.fencingToken()).isEqualTo(next.fencingToken());
        });
        assertThat(store.claim(sticky, 2, STRICT, "w2", LEASE).status()).as("another worker meets the held claim")
                .isEqualTo(ClaimStatus.BUSY);
        assertThat(store.commit(sticky, 2, next.fencingToken())).isEqualTo(CommitResult.COMMITTED);

        // once another worker claimed after the held claim expired, the old token is fenced everywhere
        ClaimResult again = store.claim(sticky, 3, STRICT, "w1", LEASE);
        List<CommitAndClaimResult> moved = store.commitAndClaimAll(List.of(
                new CommitAndClaimRequest(new CommitRequest(sticky, 3, again.fencingToken()), STRICT, "w1", LEASE)));
        assertThat(moved.get(0).next()).isPresent();
        advanceStoreClock(LEASE.plusSeconds(1));
        ClaimResult taken = store.claim(sticky, 4, STRICT, "w2", LEASE);
        assertThat(taken.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(taken.fencingToken()).isGreaterThan(again.fencingToken());
        assertThat(store.commit(sticky, 4, again.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(store.commit(sticky, 3, again.fencingToken())).as("another worker's claim came between: fenced")
                .isEqualTo(CommitResult.CLAIM_LOST);
    }

    /**
     * A commit whose answer was lost is retried; meanwhile another worker may already have claimed the next sequence
     * (which only our commit made possible). The retry must still learn that it landed, not be told it lost its claim.
     */
    @Test
    void commit_retriedAfterTheNextSequenceWasClaimedElsewhereAnswersAlreadyCommitted() {
        AggregateKey k = key("retry-after-next-claimed");
        ClaimResult mine = store.claim(k, 1, STRICT, "w1", LEASE);
        assertThat(store.commit(k, 1, mine.fencingToken())).isEqualTo(CommitResult.COMMITTED);
        ClaimResult theirs = store.claim(k, 2, STRICT, "w2", LEASE);
        assertThat(theirs.status()).isEqualTo(ClaimStatus.CLAIMED);

        assertThat(store.commit(k, 1, mine.fencingToken())).isEqualTo(CommitResult.ALREADY_COMMITTED);
        assertThat(store.read(k).claim()).as("the retry changes nothing")
                .hasValueSatisfying(c -> assertThat(c.owner()).isEqualTo("w2"));
        assertThat(store.commit(k, 2, theirs.fencingToken())).isEqualTo(CommitResult.COMMITTED);
    }

    @Test
    void commitAndClaimAll_claimsNothingWhenTheCommitDoesNotLand() {
        AggregateKey k = key("sticky-lost");
        ClaimResult paused = store.claim(k, 1, STRICT, "w1", LEASE);
        advanceStoreClock(LEASE.plusSeconds(1));
        ClaimResult successor = store.claim(k, 1, STRICT, "w2", LEASE);
        assertThat(successor.status()).isEqualTo(ClaimStatus.CLAIMED);

        List<CommitAndClaimResult> results = store.commitAndClaimAll(List.of(
                new CommitAndClaimRequest(
                        new CommitRequest(k, 1, paused.fencingToken()), STRICT, "w1", LEASE)));

        assertThat(results.get(0).commit()).isEqualTo(CommitResult.CLAIM_LOST);
        assertThat(results.get(0).next()).as("a fenced worker claims nothing").isEmpty();
        assertThat(store.read(k).claim()).hasValueSatisfying(c -> assertThat(c.owner()).isEqualTo("w2"));
        assertThat(store.commitAndClaimAll(List.of())).isEmpty();
    }

    @Test
    void asyncForms_answerLikeTheBlockingForms() throws Exception {
        AggregateKey k = key("async");
        assertThat(store.advanceAsync(k, 1, STRICT).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo(AdvanceResult.inOrder(1));
        ClaimResult c = store.claimAsync(k, 2, STRICT, "w1", LEASE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(c.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(store.releaseAsync(k, 2, c.fencingToken()).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo(ReleaseResult.RELEASED);
        ClaimResult again = store.claimAsync(k, 2, STRICT, "w1", LEASE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(store.commitAsync(k, 2, again.fencingToken()).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isEqualTo(CommitResult.COMMITTED);
        assertThat(store.readAsync(k).toCompletableFuture().get(10, TimeUnit.SECONDS).lastCommitted()).isEqualTo(2);
        assertThat(store.advanceAllAsync(List.of(new AdvanceRequest(k, 3, STRICT), new AdvanceRequest(k, 3, STRICT)))
                .toCompletableFuture().get(10, TimeUnit.SECONDS))
                .containsExactly(AdvanceResult.inOrder(3), AdvanceResult.duplicate(3));
    }

    // ---------------------------------------------------------------- keys

    @Test
    void keys_areInjective_separatorInDomainOrIdDoesNotCollide() {
        AggregateKey left = AggregateKey.of("a", "b:c");
        AggregateKey right = AggregateKey.of("a:b", "c");
        store.advance(left, 1, STRICT);
        assertThat(store.read(right)).isEqualTo(AggregateState.UNKNOWN);
        assertThat(store.advance(right, 1, STRICT)).isEqualTo(AdvanceResult.inOrder(1));
        store.advance(left, 2, STRICT);
        assertThat(store.read(left).lastCommitted()).isEqualTo(2);
        assertThat(store.read(right).lastCommitted()).isEqualTo(1);
    }

    @Test
    void keys_withSpecialCharactersAreTrackedIndependently() {
        List<String> ids = List.of("{user}", "user", "}{", "{", "}", "a:b", "a%3Ab", "a%b", "%", "a b", "a+b", " x",
                "ünïcødé-日本語-🙂", "line\nbreak", "nul\0char", "tab\tid", "x".repeat(1000), "x".repeat(999),
                "seqtrack:tck_domain:x", "{tck_domain}:x");
        for (int i = 0; i < ids.size(); i++) {
            store.advance(AggregateKey.of("tck_domain", ids.get(i)), i + 1, MONOTONIC);
        }
        for (int i = 0; i < ids.size(); i++) {
            assertThat(store.read(AggregateKey.of("tck_domain", ids.get(i))).lastCommitted())
                    .as("last of id #%d %s", i, ids.get(i)).isEqualTo(i + 1);
        }
        assertThat(store.read(AggregateKey.of("tck_domain", "never"))).isEqualTo(AggregateState.UNKNOWN);
    }

    @Test
    void keys_domainsWithSpecialCharactersAreTrackedIndependently() {
        List<String> domains = List.of("d", "d:", "{d}", "d%", "d d", "δ", "d\n");
        for (int i = 0; i < domains.size(); i++) {
            store.advance(AggregateKey.of(domains.get(i), "same-id"), i + 1, MONOTONIC);
        }
        for (int i = 0; i < domains.size(); i++) {
            assertThat(store.read(AggregateKey.of(domains.get(i), "same-id")).lastCommitted()).isEqualTo(i + 1);
        }
    }

    // ---------------------------------------------------------------- concurrency

    /**
     * Many workers race over the same events — one hot aggregate and several cold ones — with claim → handle →
     * commit. No lease runs out (the clock stands still), so every sequence must be handled exactly once, in order,
     * and never by two workers at once.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentWorkers_claimAndCommitEverySequenceExactlyOnceInOrder() throws Exception {
        ConcurrencyHarness.claimCommitRace(store, key("hot"), List.of(key("cold-1"), key("cold-2"), key("cold-3")),
                4, 150);
    }

    /** Many threads advance the same sequences: each sequence is IN_ORDER for exactly one of them. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentAdvance_eachSequenceIsInOrderExactlyOnce() throws Exception {
        ConcurrencyHarness.advanceRace(store, key("advance-race"), 4, 300);
    }
}
