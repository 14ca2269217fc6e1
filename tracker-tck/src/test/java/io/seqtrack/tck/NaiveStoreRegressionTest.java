package io.seqtrack.tck;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.SequenceStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Proves the contract's race check bites: the replaced system's GET → compare → SET in three steps lets two workers
 * both pass the check. The barrier makes the interleaving deterministic instead of hoping for it.
 */
class NaiveStoreRegressionTest {

    @Test
    void regression1_getCompareSetInThreeStepsFailsTheConcurrencyContract() {
        SequenceStore naive = new GetCompareSetStore(new CyclicBarrier(2));
        assertThatThrownBy(() -> ConcurrencyHarness.advanceRace(naive, AggregateKey.of("user_account", "u-1"), 2, 1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("IN_ORDER answers for sequence 1");
    }

    /** The replaced system's store: read, decide in the client, write — three steps, no atomicity. */
    private static final class GetCompareSetStore implements SequenceStore {
        private final Map<AggregateKey, Long> lastByKey = new ConcurrentHashMap<>();
        private final CyclicBarrier bothHaveRead;

        GetCompareSetStore(CyclicBarrier bothHaveRead) {
            this.bothHaveRead = bothHaveRead;
        }

        @Override
        public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
            long last = lastByKey.getOrDefault(key, 0L);           // GET
            awaitOtherWorker();
            Verdict verdict = SequenceRules.classify(last, seq, mode); // compare
            if (verdict == Verdict.IN_ORDER) {
                lastByKey.put(key, seq);                            // SET
                return AdvanceResult.inOrder(seq);
            }
            return new AdvanceResult(verdict, last);
        }

        private void awaitOtherWorker() {
            try {
                bothHaveRead.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the other worker never read", e);
            }
        }

        @Override
        public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
            throw new UnsupportedOperationException("not needed");
        }

        @Override
        public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
            throw new UnsupportedOperationException("not needed");
        }

        @Override
        public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
            throw new UnsupportedOperationException("not needed");
        }

        @Override
        public AggregateState read(AggregateKey key) {
            long last = lastByKey.getOrDefault(key, 0L);
            return last == 0 ? AggregateState.UNKNOWN : new AggregateState(last, 0, java.util.Optional.<ActiveClaim>empty());
        }

        @Override
        public void reset(AggregateKey key, long last) {
            lastByKey.put(key, last);
        }

        @Override
        public boolean delete(AggregateKey key) {
            return lastByKey.remove(key) != null;
        }

        @Override
        public io.seqtrack.core.port.out.RenewResult renew(AggregateKey key, long seq, long fencingToken,
                Duration leaseTtl) {
            throw new UnsupportedOperationException("not needed");
        }

        @Override
        public io.seqtrack.core.port.out.SkipResult skip(AggregateKey key, long expectedLast, long newLast,
                io.seqtrack.core.port.out.SkippedRange record) {
            throw new UnsupportedOperationException("not needed");
        }

        @Override
        public java.util.List<io.seqtrack.core.port.out.SkippedRange> skippedRanges(AggregateKey key) {
            throw new UnsupportedOperationException("not needed");
        }
    }
}
