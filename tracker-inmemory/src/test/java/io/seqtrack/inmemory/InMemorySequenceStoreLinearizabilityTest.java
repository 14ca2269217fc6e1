package io.seqtrack.inmemory;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.tck.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * A linearizability check from outside (issue 11): Lincheck's model checker runs small concurrent scenarios of every
 * store operation over two aggregates and checks each outcome against some sequential order of the same operations on
 * a fresh store — the store itself, run one call at a time, is the sequential specification. A planted GET-then-SET
 * advance (the replaced system's failure 1) must be caught.
 *
 * <p>Adding an operation to the SPI is one method here.
 */
class InMemorySequenceStoreLinearizabilityTest {

    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions().iterations(25).invocationsPerIteration(300).threads(2).actorsPerThread(3)
                .actorsBefore(2).actorsAfter(1);
    }

    @Test
    void everyOperationIsLinearizable() {
        options().check(StoreOperations.class);
    }

    @Test
    void aGetThenSetAdvanceIsCaught() {
        assertThatThrownBy(() -> new ModelCheckingOptions().iterations(20).invocationsPerIteration(200).threads(2)
                .actorsPerThread(2).minimizeFailedScenario(false).check(GetThenSetAdvance.class))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Invalid execution results")
                .hasMessageContaining("advance");
    }

    /** The operations under test; parameters are small so that scenarios collide on keys, sequences and tokens. */
    @Param(name = "key", gen = IntGen.class, conf = "0:1")
    @Param(name = "seq", gen = IntGen.class, conf = "1:3")
    @Param(name = "token", gen = IntGen.class, conf = "1:4")
    @Param(name = "last", gen = IntGen.class, conf = "0:2")
    public static class StoreOperations {
        static final Duration LEASE = Duration.ofSeconds(30);
        final InMemorySequenceStore store = InMemorySequenceStore.builder()
                .clock(ManualClock.startingAtEpochOf2026()).build();

        static AggregateKey key(int k) {
            return AggregateKey.of("user_account", "u-" + k);
        }

        @Operation
        public AdvanceResult advance(@Param(name = "key") int k, @Param(name = "seq") int seq) {
            return store.advance(key(k), seq, TrackingMode.STRICT);
        }

        @Operation
        public AdvanceResult advanceMonotonic(@Param(name = "key") int k, @Param(name = "seq") int seq) {
            return store.advance(key(k), seq, TrackingMode.MONOTONIC);
        }

        @Operation
        public ClaimResult claim(@Param(name = "key") int k, @Param(name = "seq") int seq,
                @Param(name = "key") int owner) {
            return store.claim(key(k), seq, TrackingMode.STRICT, "w" + owner, LEASE);
        }

        @Operation
        public CommitResult commit(@Param(name = "key") int k, @Param(name = "seq") int seq,
                @Param(name = "token") int token) {
            return store.commit(key(k), seq, token);
        }

        @Operation
        public ReleaseResult release(@Param(name = "key") int k, @Param(name = "seq") int seq,
                @Param(name = "token") int token) {
            return store.release(key(k), seq, token);
        }

        @Operation
        public RenewResult renew(@Param(name = "key") int k, @Param(name = "seq") int seq,
                @Param(name = "token") int token) {
            return store.renew(key(k), seq, token, LEASE);
        }

        @Operation
        public SkipResult skip(@Param(name = "key") int k, @Param(name = "last") int expectedLast,
                @Param(name = "seq") int by) {
            return store.skip(key(k), expectedLast, expectedLast + by,
                    new SkippedRange(expectedLast + 1, expectedLast + by, Instant.EPOCH, "lincheck"));
        }

        @Operation
        public AggregateState read(@Param(name = "key") int k) {
            return store.read(key(k));
        }

        @Operation
        public String reset(@Param(name = "key") int k, @Param(name = "last") int last) {
            store.reset(key(k), last);
            return "ok";
        }

        @Operation
        public boolean delete(@Param(name = "key") int k) {
            return store.delete(key(k));
        }
    }

    /** The replaced system's advance: read, compare, then write — a window in which two callers both win. */
    public static class GetThenSetAdvance {
        final InMemorySequenceStore store = InMemorySequenceStore.create();
        final AggregateKey key = AggregateKey.of("user_account", "u-1");

        @Operation
        public AdvanceResult advance(@Param(gen = IntGen.class, conf = "1:2") int seq) {
            long last = store.read(key).lastCommitted(); // GET
            Verdict verdict = SequenceRules.classify(last, seq, TrackingMode.STRICT); // compare
            if (verdict != Verdict.IN_ORDER) {
                return new AdvanceResult(verdict, last);
            }
            store.reset(key, seq); // SET
            return AdvanceResult.inOrder(seq);
        }
    }
}
