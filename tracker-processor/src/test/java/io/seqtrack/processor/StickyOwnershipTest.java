package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitAndClaimRequest;
import io.seqtrack.core.port.out.CommitAndClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Sticky ownership: a commit claims the aggregate's next event in the same store operation when that event is queued
 * already, so a stream of events costs one store operation each; held claims never outlive the lane's run.
 */
class StickyOwnershipTest {

    /** Aggregates whose handlers stand for what happens in between on a's lane: they must share it with "a". */
    private static final String SLOW = ProcessorHarness.idOnTheLaneOf("user_account", "a", "slow");
    private static final String OPERATOR_MOMENT = ProcessorHarness.idOnTheLaneOf("user_account", "a", "operator-moment");

    /** Counts store operations (batch elements) and keeps the next claims made with commits. */
    static final class CountingStore extends ForwardingSequenceStore {
        final AtomicLong elements = new AtomicLong();
        final AtomicLong releases = new AtomicLong();
        /** Claims the store answered DUPLICATE: duplicates that cost a store operation. */
        final AtomicLong duplicateClaims = new AtomicLong();
        final List<ClaimResult> heldClaims = new CopyOnWriteArrayList<>();

        CountingStore(SequenceStore delegate) {
            super(delegate);
        }

        @Override
        public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
            elements.addAndGet(requests.size());
            List<ClaimResult> results = delegate.claimAll(requests);
            duplicateClaims.addAndGet(results.stream()
                    .filter(r -> r.status() == io.seqtrack.core.port.out.ClaimStatus.DUPLICATE).count());
            return results;
        }

        @Override
        public List<CommitResult> commitAll(List<CommitRequest> requests) {
            elements.addAndGet(requests.size());
            return delegate.commitAll(requests);
        }

        @Override
        public List<CommitAndClaimResult> commitAndClaimAll(List<CommitAndClaimRequest> requests) {
            elements.addAndGet(requests.size());
            List<CommitAndClaimResult> results = delegate.commitAndClaimAll(requests);
            results.forEach(r -> r.next().ifPresent(heldClaims::add));
            return results;
        }

        @Override
        public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
            releases.incrementAndGet();
            return delegate.release(key, seq, fencingToken);
        }
    }

    /**
     * A harness whose in-memory store counts its operations ({@code store[0]}), judges leases by the harness's virtual
     * clock and waits (a reset waiting out a claim) by moving it.
     */
    private static ProcessorHarness countingHarness(CountingStore[] store) {
        return ProcessorHarness.withStoreOnItsClock(ModelScenario.registry(),
                clock -> store[0] = new CountingStore(InMemorySequenceStore.builder().clock(clock)
                        .sleeper(d -> ((io.seqtrack.tck.ManualClock) clock).advance(d)).build()),
                InMemoryEventBuffer.create());
    }

    /**
     * One sticky worker, one event per batch: a#1 (its commit claims a#2, queued), then {@code between}#1 (whose
     * handler the test uses for what happens while a#2's claim is held), then a#2 — and a redelivery of a#1, which the
     * lane takes before a#2 (lowest sequence first). Runs it all; returns the redelivery's outcome.
     */
    private static java.util.concurrent.CompletionStage<Outcome> holdAThenRedeliver(ProcessorHarness harness,
            String between) {
        EventProcessor processor = harness.processor("owner", b -> b.maxBatch(1).stickyOwnership(true));
        processor.submit(ProcessorHarness.event("user_account", "a", 1));
        processor.submit(ProcessorHarness.event("user_account", between, 1));
        processor.submit(ProcessorHarness.event("user_account", "a", 2));
        var redelivery = processor.submit(ProcessorHarness.event("user_account", "a", 1));
        harness.scheduler.runReady();
        return redelivery;
    }

    private static final int AGGREGATES = 20;
    private static final int EVENTS = 30;

    @Test
    void aStreamOfEventsCostsAboutOneStoreOperationPerHandledEvent() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            EventProcessor processor = harness.processor("owner", b -> b.maxInFlight(AGGREGATES * EVENTS).stickyOwnership(true));
            for (int seq = 1; seq <= EVENTS; seq++) {
                for (int a = 0; a < AGGREGATES; a++) {
                    processor.submit(ProcessorHarness.event("user_account", "a" + a, seq));
                }
            }
            harness.scheduler.runReady();

            for (int a = 0; a < AGGREGATES; a++) {
                AggregateKey key = AggregateKey.of("user_account", "a" + a);
                assertThat(harness.handled.get(key)).containsExactlyElementsOf(
                        LongStream.rangeClosed(1, EVENTS).boxed().toList());
                assertThat(harness.store.read(key).claim()).as("nothing held once the lane ran out of work").isEmpty();
            }
            double perEvent = store[0].elements.get() / (double) (AGGREGATES * EVENTS);
            assertThat(perEvent).as("store operations per handled event (%d)", store[0].elements.get())
                    .isLessThanOrEqualTo(1.2);
            assertThat(store[0].heldClaims).as("commits claimed the next event").hasSize(AGGREGATES * (EVENTS - 1));
        }
    }

    @Test
    void withoutTheNextEventAtHandACommitClaimsNothing() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            EventProcessor processor = harness.processor("owner", b -> b.stickyOwnership(true));
            for (int seq = 1; seq <= 5; seq++) {
                harness.submit(processor, ProcessorHarness.event("user_account", "one-by-one", seq));
            }
            assertThat(harness.handled("user_account", "one-by-one")).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(store[0].heldClaims).as("each event arrived after the previous one finished").isEmpty();
            assertThat(store[0].elements.get()).as("a claim and a commit each").isEqualTo(10);
        }
    }

    /**
     * A held claim is used only until a local deadline taken before it was sent: when the lane spends longer than
     * that on other aggregates in between (a pause does the same), the owner claims again, with a new token.
     */
    @Test
    void aHeldClaimPastItsLocalDeadlineIsClaimedAgainWithANewToken() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            List<Long> tokensOfA2 = new CopyOnWriteArrayList<>();
            harness.duringHandler = ctx -> {
                if (ctx.key().aggregateId().equals(SLOW)) { // the lane is busy longer than the held claim's lease
                    harness.scheduler.manualClock().advance(Duration.ofSeconds(31));
                }
                if (ctx.key().aggregateId().equals("a") && ctx.sequence() == 2) {
                    tokensOfA2.add(ctx.fencingToken());
                }
            };
            EventProcessor processor = harness.processor("owner", b -> b.maxBatch(1).stickyOwnership(true));
            processor.submit(ProcessorHarness.event("user_account", "a", 1));
            processor.submit(ProcessorHarness.event("user_account", SLOW, 1));
            processor.submit(ProcessorHarness.event("user_account", "a", 2));
            harness.scheduler.runReady();

            assertThat(harness.handled("user_account", "a")).containsExactly(1L, 2L);
            assertThat(store[0].heldClaims).as("the commit of a#1 claimed a#2").hasSize(1);
            assertThat(tokensOfA2).singleElement().as("a#2 ran under a fresh claim, not the stale held one")
                    .isNotEqualTo(store[0].heldClaims.get(0).fencingToken());
        }
    }

    /**
     * Issue 12: while this worker holds an aggregate's claim, a redelivered event is answered DUPLICATE from the held
     * claim's view without a store operation — every one of them here, since each redelivery arrives while the next
     * event is at hand.
     */
    @Test
    void redeliveriesOfAnAggregateThisWorkerHoldsAreAnsweredWithoutTheStore() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            EventProcessor processor = harness.processor("owner",
                    b -> b.maxInFlight(AGGREGATES * EVENTS * 2).stickyOwnership(true));
            List<java.util.concurrent.CompletionStage<Outcome>> redeliveries = new CopyOnWriteArrayList<>();
            for (int seq = 1; seq <= EVENTS; seq++) {
                for (int a = 0; a < AGGREGATES; a++) {
                    processor.submit(ProcessorHarness.event("user_account", "a" + a, seq));
                    if (seq >= 2 && seq < EVENTS) { // the previous event again, while its successor is queued
                        redeliveries.add(processor.submit(ProcessorHarness.event("user_account", "a" + a, seq - 1)));
                    }
                }
            }
            harness.scheduler.runReady();

            assertThat(redeliveries).hasSize(AGGREGATES * (EVENTS - 2)).allSatisfy(outcome ->
                    assertThat(outcome.toCompletableFuture().join()).isEqualTo(Outcome.DUPLICATE));
            for (int a = 0; a < AGGREGATES; a++) {
                assertThat(harness.handled("user_account", "a" + a)).containsExactlyElementsOf(
                        LongStream.rangeClosed(1, EVENTS).boxed().toList());
            }
            assertThat(store[0].duplicateClaims.get()).as("duplicates that asked the store").isZero();
            assertThat(store[0].elements.get() / (double) (AGGREGATES * EVENTS))
                    .as("store operations per handled event, redeliveries included").isLessThanOrEqualTo(1.2);
        }
    }

    /**
     * The local answer ends with the held claim's local deadline: a redelivery that reaches the lane after it (the lane
     * was busy elsewhere, or the process paused) asks the store — never a view the store may no longer back.
     */
    @Test
    void aRedeliveryPastTheHeldClaimsLocalDeadlineAsksTheStore() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            harness.duringHandler = ctx -> {
                if (ctx.key().aggregateId().equals(SLOW)) { // longer than the held claim may be trusted
                    harness.scheduler.manualClock().advance(Duration.ofSeconds(31));
                }
            };
            var redelivery = holdAThenRedeliver(harness, SLOW);

            assertThat(redelivery.toCompletableFuture().join()).isEqualTo(Outcome.DUPLICATE);
            assertThat(store[0].heldClaims).as("the commit of a#1 claimed a#2").hasSize(1);
            assertThat(store[0].duplicateClaims.get()).as("the stale view was not used").isEqualTo(1);
        }
    }

    /**
     * Invariant 10 against the local answer: an operator resets the aggregate (through the store, as another process
     * would) while this worker holds its claim and a redelivery of an already handled event is queued here. The reset
     * revokes the claim and waits until it has expired by the store's clock before acting, so by the time the
     * redelivery is looked at the worker's view is past its local deadline: it asks the store, which — reset to 0 —
     * has the event handled again, as the operator asked. Answered from the held claim, it would be lost as a
     * "duplicate" of a sequence the store no longer has.
     */
    @Test
    void aResetByAnOperatorWhileThisWorkerHoldsTheClaimIsNeverAnsweredFromTheOldView() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            AggregateKey a = AggregateKey.of("user_account", "a");
            java.time.Instant[] resetTook = new java.time.Instant[2];
            harness.duringHandler = ctx -> {
                if (ctx.key().aggregateId().equals(OPERATOR_MOMENT)) { // a#2's claim is held by now
                    resetTook[0] = harness.scheduler.manualClock().instant();
                    store[0].reset(a, 0);
                    resetTook[1] = harness.scheduler.manualClock().instant();
                }
            };
            var redelivery = holdAThenRedeliver(harness, OPERATOR_MOMENT);

            assertThat(store[0].heldClaims).as("the commits of a#1 claimed a#2 (before and after the reset)")
                    .hasSize(2);
            assertThat(Duration.between(resetTook[0], resetTook[1])).as("the reset waited out the held claim")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(22));
            assertThat(redelivery.toCompletableFuture().join()).as("a#1 after the reset to 0")
                    .isEqualTo(Outcome.PROCESSED);
            assertThat(harness.handled("user_account", "a")).containsExactly(1L, 1L, 2L);
        }
    }

    /**
     * The local answer's deadline is kept on the scheduler's monotonic clock, not the wall clock: here the wall clock
     * (which the store also judges leases by) stands still — as after an NTP step back — while 31 s pass for real during
     * another aggregate's handler. The held claim is then past its local deadline and the redelivery asks the store.
     * Judged by the wall clock, the worker would still trust its view.
     */
    @Test
    void aWallClockThatStepsBackDoesNotExtendHowLongAHeldClaimIsTrusted() {
        CountingStore[] store = new CountingStore[1];
        try (ProcessorHarness harness = countingHarness(store)) {
            io.seqtrack.tck.ManualClock monotonic = io.seqtrack.tck.ManualClock.startingAtEpochOf2026();
            harness.scheduler.deadlinesOn(monotonic);
            harness.duringHandler = ctx -> {
                if (ctx.key().aggregateId().equals(SLOW)) {
                    monotonic.advance(Duration.ofSeconds(31)); // real time passes; the wall clock shows none of it
                }
            };
            var redelivery = holdAThenRedeliver(harness, SLOW);

            assertThat(redelivery.toCompletableFuture().join()).isEqualTo(Outcome.DUPLICATE);
            assertThat(store[0].heldClaims).as("the commit of a#1 claimed a#2").hasSize(1);
            assertThat(store[0].duplicateClaims.get()).as("asked the store, not the stale view").isEqualTo(1);
        }
    }
}
