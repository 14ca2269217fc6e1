package io.seqtrack.core.port.out;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The default async and batch forms of {@link SequenceStore}, which adapters inherit unless they pipeline. */
class SequenceStoreDefaultsTest {

    private static final AggregateKey A = AggregateKey.of("user_account", "a");
    private static final AggregateKey B = AggregateKey.of("user_account", "b");
    private static final Duration TTL = Duration.ofSeconds(10);

    private final FakeSequenceStore store = new FakeSequenceStore();

    @Test
    void advanceAllEqualsTheSinglesInListOrder() {
        List<AdvanceResult> results = store.advanceAll(List.of(
                new AdvanceRequest(A, 1, TrackingMode.STRICT),
                new AdvanceRequest(A, 1, TrackingMode.STRICT),
                new AdvanceRequest(A, 3, TrackingMode.STRICT),
                new AdvanceRequest(B, 5, TrackingMode.MONOTONIC),
                new AdvanceRequest(A, 2, TrackingMode.STRICT)));
        assertThat(results).containsExactly(
                AdvanceResult.inOrder(1),
                AdvanceResult.duplicate(1),
                AdvanceResult.gap(1),
                AdvanceResult.inOrder(5),
                AdvanceResult.inOrder(2));
        assertThat(store.calls()).hasSize(5);
        assertThat(store.advanceAll(List.of())).isEmpty();
    }

    /** A loop that fails part-way says what answered before the failure; the failed and later elements are unknown. */
    @Test
    void aBatchThatFailsPartWaySaysWhatIsKnownPerElement() {
        SequenceStore failingOnB = new MisbehavingSequenceStoreDelegate(store, B);
        SequenceStoreException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> failingOnB.advanceAll(
                List.of(new AdvanceRequest(A, 1, TrackingMode.STRICT), new AdvanceRequest(B, 1, TrackingMode.STRICT),
                        new AdvanceRequest(A, 2, TrackingMode.STRICT))), SequenceStoreException.class);
        assertThat(e.batchResults()).hasSize(3);
        assertThat(e.batchResults().get(0)).contains(AdvanceResult.inOrder(1));
        assertThat(e.batchResults().get(1)).isEmpty();
        assertThat(e.batchResults().get(2)).isEmpty();
        assertThat(e.getMessage()).contains("2 of 3").contains("outcome unknown");
        assertThat(store.state(A).lastCommitted()).as("the first element did take effect").isEqualTo(1);
        assertThat(SequenceStoreException.of("advance", A, new IllegalStateException("x")).batchResults()).isEmpty();
    }

    /**
     * claimAllAndProbe's default: the claims, then the buffer asked about the claimed and early aggregates only; if the
     * buffer cannot answer, the granted claims are given back and no element is known (none may be handled).
     */
    @Test
    void claimAllAndProbeAsksTheBufferAfterTheClaimsAndGivesTheClaimsBackWhenItCannotAnswer() {
        store.advance(B, 1, TrackingMode.STRICT);
        java.util.List<java.util.Collection<AggregateKey>> asked = new java.util.ArrayList<>();
        EventBuffer answering = buffer(keys -> {
            asked.add(List.copyOf(keys));
            assertThat(store.read(A).claim()).as("asked after the claims").isPresent();
            return new BufferPresence(java.util.Set.of(A), java.util.Set.of());
        });
        ClaimsAndPresence answer = store.claimAllAndProbe(List.of(new ClaimRequest(A, 1, TrackingMode.STRICT, "w", TTL),
                new ClaimRequest(B, 1, TrackingMode.STRICT, "w", TTL)), answering);
        assertThat(answer.claims()).extracting(ClaimResult::status)
                .containsExactly(ClaimStatus.CLAIMED, ClaimStatus.DUPLICATE);
        assertThat(answer.presence().parked()).containsExactly(A);
        assertThat(asked).as("a duplicate needs no buffer facts").containsExactly(List.of(A));

        AggregateKey c = AggregateKey.of("user_account", "c");
        EventBuffer failing = buffer(keys -> {
            throw SequenceStoreException.of("presence", new IllegalStateException("buffer down"));
        });
        SequenceStoreException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> store.claimAllAndProbe(
                List.of(new ClaimRequest(c, 1, TrackingMode.STRICT, "w", TTL)), failing), SequenceStoreException.class);
        assertThat(e.batchResults()).hasSize(1).allSatisfy(r -> assertThat(r).isEmpty());
        assertThat(store.read(c).claim()).as("the granted claim was given back").isEmpty();
        assertThat(store.claim(c, 1, TrackingMode.STRICT, "other", TTL).status()).isEqualTo(ClaimStatus.CLAIMED);
    }

    /** A buffer whose only answering method is presence. */
    private static EventBuffer buffer(java.util.function.Function<java.util.Collection<AggregateKey>, BufferPresence> presence) {
        return (EventBuffer) java.lang.reflect.Proxy.newProxyInstance(EventBuffer.class.getClassLoader(),
                new Class<?>[] {EventBuffer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("presence")) {
                        @SuppressWarnings("unchecked")
                        java.util.Collection<AggregateKey> keys = (java.util.Collection<AggregateKey>) args[0];
                        return presence.apply(keys);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Forwards to a store but fails every advance of one aggregate. */
    private static final class MisbehavingSequenceStoreDelegate implements SequenceStore {
        private final SequenceStore delegate;
        private final AggregateKey failing;

        MisbehavingSequenceStoreDelegate(SequenceStore delegate, AggregateKey failing) {
            this.delegate = delegate;
            this.failing = failing;
        }

        @Override
        public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
            if (key.equals(failing)) {
                throw SequenceStoreException.of("advance", key, new IllegalStateException("connection reset"));
            }
            return delegate.advance(key, seq, mode);
        }

        @Override
        public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
            return delegate.claim(key, seq, mode, owner, leaseTtl);
        }

        @Override
        public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
            return delegate.commit(key, seq, fencingToken);
        }

        @Override
        public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
            return delegate.release(key, seq, fencingToken);
        }

        @Override
        public RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
            return delegate.renew(key, seq, fencingToken, leaseTtl);
        }

        @Override
        public SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
            return delegate.skip(key, expectedLast, newLast, record);
        }

        @Override
        public List<SkippedRange> skippedRanges(AggregateKey key) {
            return delegate.skippedRanges(key);
        }

        @Override
        public AggregateState read(AggregateKey key) {
            return delegate.read(key);
        }

        @Override
        public void reset(AggregateKey key, long last) {
            delegate.reset(key, last);
        }

        @Override
        public boolean delete(AggregateKey key) {
            return delegate.delete(key);
        }
    }

    @Test
    void claimAllAndCommitAllEqualTheSinglesInListOrder() {
        List<ClaimResult> claims = store.claimAll(List.of(
                new ClaimRequest(A, 1, TrackingMode.STRICT, "w1", TTL),
                new ClaimRequest(A, 1, TrackingMode.STRICT, "w2", TTL),
                new ClaimRequest(B, 1, TrackingMode.STRICT, "w2", TTL)));
        assertThat(claims).extracting(ClaimResult::status)
                .containsExactly(ClaimStatus.CLAIMED, ClaimStatus.BUSY, ClaimStatus.CLAIMED);

        List<CommitResult> commits = store.commitAll(List.of(
                new CommitRequest(A, 1, claims.get(0).fencingToken()),
                new CommitRequest(A, 1, claims.get(0).fencingToken()),
                new CommitRequest(B, 1, claims.get(2).fencingToken() + 1)));
        assertThat(commits).containsExactly(
                CommitResult.COMMITTED, CommitResult.ALREADY_COMMITTED, CommitResult.CLAIM_LOST);
    }

    @Test
    void asyncFormsAnswerLikeTheBlockingForms() {
        assertThat(done(store.advanceAsync(A, 1, TrackingMode.STRICT))).isEqualTo(AdvanceResult.inOrder(1));
        ClaimResult claim = done(store.claimAsync(A, 2, TrackingMode.STRICT, "w", TTL));
        assertThat(claim.status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(done(store.readAsync(A)).claim()).isPresent();
        assertThat(done(store.releaseAsync(A, 2, claim.fencingToken()))).isEqualTo(ReleaseResult.RELEASED);
        ClaimResult again = done(store.claimAsync(A, 2, TrackingMode.STRICT, "w", TTL));
        assertThat(done(store.commitAsync(A, 2, again.fencingToken()))).isEqualTo(CommitResult.COMMITTED);
        assertThat(done(store.advanceAllAsync(List.of(new AdvanceRequest(A, 3, TrackingMode.STRICT)))))
                .containsExactly(AdvanceResult.inOrder(3));
        assertThat(store.state(A).lastCommitted()).isEqualTo(3);
    }

    @Test
    void asyncFormsFailWithTheExceptionTheBlockingFormThrows() {
        IllegalStateException down = new IllegalStateException("down");
        MisbehavingSequenceStore broken = MisbehavingSequenceStore.throwing(down);
        assertThat(broken.advanceAsync(A, 1, TrackingMode.STRICT).toCompletableFuture())
                .failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCause(down);
        assertThat(broken.claimAsync(A, 1, TrackingMode.STRICT, "w", TTL).toCompletableFuture()).isCompletedExceptionally();
        assertThat(broken.commitAsync(A, 1, 1).toCompletableFuture()).isCompletedExceptionally();
        assertThat(broken.releaseAsync(A, 1, 1).toCompletableFuture()).isCompletedExceptionally();
        assertThat(broken.readAsync(A).toCompletableFuture()).isCompletedExceptionally();

        SequenceStoreException own = SequenceStoreException.of("advance", A, down);
        assertThat(MisbehavingSequenceStore.throwing(own).advanceAllAsync(
                List.of(new AdvanceRequest(A, 1, TrackingMode.STRICT))).toCompletableFuture())
                .failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .satisfies(e -> {
                    // the batch's failure, saying that its one element's outcome is unknown, caused by the single's
                    assertThat(e.getCause()).isInstanceOf(SequenceStoreException.class).hasCause(own);
                    assertThat(((SequenceStoreException) e.getCause()).batchResults()).hasSize(1)
                            .allMatch(java.util.Optional::isEmpty);
                });
    }

    @Test
    void asyncArgumentErrorsAreReportedThroughTheStageToo() {
        assertThat(store.advanceAsync(A, 0, TrackingMode.STRICT).toCompletableFuture())
                .failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchStopsAtTheFirstFailure() {
        MisbehavingSequenceStore broken = MisbehavingSequenceStore.throwing(new IllegalStateException("down"));
        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(() -> broken.advanceAll(List.of(
                new AdvanceRequest(A, 1, TrackingMode.STRICT),
                new AdvanceRequest(B, 1, TrackingMode.STRICT))));
        assertThat(broken.calls()).containsExactly("advance");
    }

    @Test
    void defaultCloseDoesNothing() {
        SequenceStore s = store;
        s.close();
        assertThat(store.advance(A, 1, TrackingMode.STRICT)).isEqualTo(AdvanceResult.inOrder(1));
    }

    private static <T> T done(CompletionStage<T> stage) {
        assertThat(stage.toCompletableFuture()).isDone();
        return stage.toCompletableFuture().join();
    }
}
