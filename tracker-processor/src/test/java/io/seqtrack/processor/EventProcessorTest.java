package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.registry.SequenceSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The processor's semantics on the in-memory store and buffer, on virtual time. */
class EventProcessorTest {

    private static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(10)).multiplier(2).jitter(0).build();

    private static DomainRegistry registry(GapPolicy gapPolicy) {
        return DomainRegistry.of(
                DomainRegistration.builder("user_account").retryPolicy(RETRY).gapTimeout(Duration.ofSeconds(30))
                        .gapPolicy(gapPolicy).maxBufferedPerAggregate(3).leaseTtl(Duration.ofSeconds(10)).build(),
                DomainRegistration.builder("ledger").mode(TrackingMode.MONOTONIC).build(),
                DomainRegistration.builder("versioned").sequenceSource(SequenceSource.AGGREGATE_VERSION).build(),
                DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).retryPolicy(RETRY).build());
    }

    private ProcessorHarness harness = new ProcessorHarness(registry(GapPolicy.PARK));
    private EventProcessor processor = harness.processor("worker-1");

    @AfterEach
    void close() {
        harness.close();
    }

    private Outcome submit(String domain, String id, long seq) {
        return harness.submit(processor, ProcessorHarness.event(domain, id, seq));
    }

    @Test
    void inOrderEventsAreHandledOnceAndCommitted() {
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(submit("user_account", "u-1", seq)).isEqualTo(Outcome.PROCESSED);
        }
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(harness.store.read(AggregateKey.of("user_account", "u-1")).lastCommitted()).isEqualTo(5);
    }

    @Test
    void duplicatesAreNeverHandedToTheHandler() {
        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.PROCESSED);
        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.DUPLICATE);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L);
        assertThat(Outcome.DUPLICATE.safeToAcknowledge()).isTrue();
    }

    /**
     * Found by the torture suite: an early copy from a second consumer opened a gap, its predecessors kept arriving
     * in order, and the gap policy still parked the aggregate once the gap was old enough. The timeout counts from
     * when the first missing event became the next one expected.
     */
    @Test
    void theGapTimeoutCountsFromTheLastProgressNotFromWhenTheGapOpened() {
        assertThat(submit("user_account", "u-1", 4)).isEqualTo(Outcome.BUFFERED); // gap #1..#3, timeout 30 s
        harness.scheduler.advance(Duration.ofSeconds(20));
        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.PROCESSED);
        harness.scheduler.advance(Duration.ofSeconds(20)); // 40 s since the gap opened, 20 s since it last moved
        assertThat(harness.events(ProcessorEvent.Parked.class)).as("a moving aggregate is not parked").isEmpty();
        assertThat(submit("user_account", "u-1", 2)).isEqualTo(Outcome.PROCESSED);
        harness.scheduler.advance(Duration.ofSeconds(29));
        assertThat(harness.events(ProcessorEvent.Parked.class)).isEmpty();
        harness.scheduler.advance(Duration.ofSeconds(2)); // #3 has now been the next expected for 31 s
        assertThat(harness.events(ProcessorEvent.Parked.class)).extracting(ProcessorEvent.Parked::sequence)
                .containsExactly(4L);
    }

    @Test
    void earlyEventsAreBufferedAndDrainedInOrderTheMomentTheGapFills() {
        assertThat(submit("user_account", "u-1", 3)).isEqualTo(Outcome.BUFFERED);
        assertThat(submit("user_account", "u-1", 2)).isEqualTo(Outcome.BUFFERED);
        assertThat(harness.handled("user_account", "u-1")).isEmpty();
        assertThat(processor.snapshot().openGaps()).isEqualTo(1);

        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).as("no timer tick needed").containsExactly(1L, 2L, 3L);
        assertThat(harness.buffer.pending(AggregateKey.of("user_account", "u-1"))).isEmpty();
        assertThat(harness.events(ProcessorEvent.GapClosed.class)).hasSize(1);
        assertThat(processor.snapshot().openGaps()).isZero();
        assertThat(processor.snapshot().bufferedEvents()).isZero();
    }

    @Test
    void gapListenerIsAskedForTheMissingRange() {
        List<String> asked = new ArrayList<>();
        EventProcessor withHook = harness.processor("worker-2",
                b -> b.gapListener((key, from, to) -> asked.add(key + " " + from + ".." + to)));
        harness.submit(withHook, ProcessorHarness.event("user_account", "u-9", 4));
        assertThat(asked).containsExactly("user_account/u-9 1..3");
    }

    /** The replaced system saved the sequence before the handler ran: a handler crash lost the event. */
    @Test
    void regression2_aHandlerFailureNeverLosesTheEvent() {
        harness.failTimes("user_account", "u-1", 1, 1);
        CompletionStage<Outcome> outcome = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(outcome.toCompletableFuture()).isNotDone();
        assertThat(harness.store.read(key).lastCommitted()).as("not committed before it was handled").isZero();
        assertThat(harness.store.read(key).claim()).as("the claim was released").isEmpty();

        harness.scheduler.advance(Duration.ofMillis(100));
        assertThat(outcome.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L);
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(1);
    }

    @Test
    void retriesBackOffExponentiallyOnVirtualTime() {
        harness.failTimes("user_account", "u-1", 1, 2);
        CompletionStage<Outcome> outcome = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        harness.scheduler.advance(Duration.ofMillis(99));
        assertThat(harness.handlerRuns).hasSize(1);
        harness.scheduler.advance(Duration.ofMillis(1));
        assertThat(harness.handlerRuns).hasSize(2);
        harness.scheduler.advance(Duration.ofMillis(199));
        assertThat(harness.handlerRuns).hasSize(2);
        harness.scheduler.advance(Duration.ofMillis(1));
        assertThat(harness.handlerRuns).hasSize(3);
        assertThat(outcome.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.events(ProcessorEvent.Retried.class)).extracting(ProcessorEvent.Retried::delay)
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void afterTheLastAttemptTheEventIsParkedAndItsAggregateBlockedWhileOthersGoOn() {
        harness.failTimes("user_account", "u-1", 1, 3);
        CompletionStage<Outcome> first = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.advance(Duration.ofSeconds(1));
        assertThat(first.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PARKED);
        assertThat(Outcome.PARKED.safeToAcknowledge()).isTrue();

        assertThat(submit("user_account", "u-1", 2)).as("parked behind #1").isEqualTo(Outcome.PARKED);
        assertThat(submit("user_account", "u-2", 1)).as("other aggregates go on").isEqualTo(Outcome.PROCESSED);
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(processor.admin().parked().get(key)).extracting(p -> p.sequence()).containsExactly(1L, 2L);
        assertThat(processor.snapshot().blockedAggregates()).isEqualTo(1);

        // the operator fixed the cause and replays: in order, once, then the aggregate flows again
        CompletionStage<List<Outcome>> replay = processor.admin().replayParked(key);
        harness.scheduler.runReady();
        assertThat(replay.toCompletableFuture().getNow(null)).containsExactly(Outcome.PROCESSED, Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L);
        assertThat(submit("user_account", "u-1", 3)).isEqualTo(Outcome.PROCESSED);
        assertThat(processor.admin().parked()).doesNotContainKey(key);
        assertThat(harness.events(ProcessorEvent.AdminAction.class)).extracting(ProcessorEvent.AdminAction::action)
                .containsExactly("replay-parked");
    }

    @Test
    void operatorCanSkipAParkedEvent() {
        harness.failTimes("user_account", "u-1", 1, 3);
        processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.advance(Duration.ofSeconds(1));
        submit("user_account", "u-1", 2);
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        processor.admin().skipParked(key, 1);
        harness.scheduler.runReady();
        assertThat(harness.store.skippedRanges(key)).extracting(SkippedRange::fromSequence).containsExactly(1L);
        // #2 is still parked; replay runs it
        CompletionStage<List<Outcome>> replay = processor.admin().replayParked(key);
        harness.scheduler.runReady();
        assertThat(replay.toCompletableFuture().getNow(null)).containsExactly(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(2L);
    }

    /**
     * A replay that finds another worker holding the parked event's claim answers PARKED and leaves it parked — and
     * must not leave a replay of it behind that handles it later, once the claim is gone, while it is still parked.
     */
    @Test
    void aReplayThatMeetsAClaimHeldElsewhereLeavesNothingBehindThatHandlesItLater() {
        harness.failTimes("user_account", "u-1", 1, 3);
        processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.advance(Duration.ofSeconds(1));
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(harness.buffer.parked(key)).extracting(p -> p.sequence()).containsExactly(1L);
        harness.store.claim(key, 1, TrackingMode.STRICT, "other-worker", Duration.ofSeconds(5));

        CompletionStage<List<Outcome>> replay = processor.admin().replayParked(key);
        harness.scheduler.runReady();
        assertThat(replay.toCompletableFuture().getNow(null)).containsExactly(Outcome.PARKED);

        harness.scheduler.advance(Duration.ofSeconds(20)); // the other worker's lease runs out
        assertThat(harness.handled("user_account", "u-1")).as("nothing handled the still parked #1").isEmpty();
        assertThat(harness.store.read(key).lastCommitted()).isZero();
        assertThat(harness.buffer.parked(key)).extracting(p -> p.sequence()).containsExactly(1L);
    }

    /** The replaced system kept 100 pending events per aggregate and silently dropped the oldest. */
    @Test
    void regression6_aFullBufferPushesBackAndNeverDropsTheOldest() {
        assertThat(submit("user_account", "u-1", 2)).isEqualTo(Outcome.BUFFERED);
        assertThat(submit("user_account", "u-1", 3)).isEqualTo(Outcome.BUFFERED);
        assertThat(submit("user_account", "u-1", 4)).isEqualTo(Outcome.BUFFERED);
        assertThat(submit("user_account", "u-1", 5)).isEqualTo(Outcome.BUFFER_FULL);
        assertThat(Outcome.BUFFER_FULL.safeToAcknowledge()).isFalse();
        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L, 3L, 4L);
        assertThat(submit("user_account", "u-1", 5)).as("redelivered after back-pressure").isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void totalBufferLimitPushesBackToo() {
        EventProcessor small = harness.processor("small", b -> b.maxBufferedTotal(1));
        assertThat(harness.submit(small, ProcessorHarness.event("user_account", "a", 2))).isEqualTo(Outcome.BUFFERED);
        assertThat(harness.submit(small, ProcessorHarness.event("user_account", "b", 2))).isEqualTo(Outcome.BUFFER_FULL);
    }

    /**
     * The replaced system retried pending events only when another event of the domain succeeded, so a gap filled by
     * another worker stayed stuck. Here the store's wake-up releases it at once, with no further event and no tick.
     */
    @Test
    void regression7_aGapFilledByAnotherWorkerIsDrainedAtOnceWithoutFurtherEvents() {
        // the other worker keeps its own buffer, so it cannot drain ours: only the store's wake-up can
        EventProcessor other = harness.processor("worker-2",
                b -> b.buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create()));
        assertThat(submit("user_account", "u-1", 2)).isEqualTo(Outcome.BUFFERED);
        assertThat(harness.submit(other, ProcessorHarness.event("user_account", "u-1", 1))).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).as("no virtual time passed").containsExactly(1L, 2L);
    }

    /**
     * When neither a wake-up nor a recheck told this worker that another one committed a predecessor, the gap timer
     * itself notices the shrunken gap and restarts instead of acting.
     */
    @Test
    void aGapTimerThatFindsTheGapShrunkRestartsInsteadOfActing() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK), new SilentStore(
                io.seqtrack.inmemory.InMemorySequenceStore.builder().clock(harness.scheduler.manualClock()).build()),
                io.seqtrack.inmemory.InMemoryEventBuffer.create());
        processor = harness.processor("worker-1", b -> b.bufferRecheckInterval(Duration.ofSeconds(60)));
        EventProcessor other = harness.processor("worker-2",
                b -> b.buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create()));
        assertThat(submit("user_account", "u-1", 3)).isEqualTo(Outcome.BUFFERED); // gap #1..#2, timeout 30 s
        harness.scheduler.advance(Duration.ofSeconds(20));
        assertThat(harness.submit(other, ProcessorHarness.event("user_account", "u-1", 1)))
                .isEqualTo(Outcome.PROCESSED); // worker-1 is not told: no wake-up, recheck only every 60 s
        harness.scheduler.advance(Duration.ofSeconds(11)); // the timer fires at 30 s and finds #1 committed
        assertThat(harness.events(ProcessorEvent.Parked.class)).as("restarted, not parked").isEmpty();
        harness.scheduler.advance(Duration.ofSeconds(30)); // #2 has now been the next expected for 30 s
        assertThat(harness.events(ProcessorEvent.Parked.class)).extracting(ProcessorEvent.Parked::sequence)
                .containsExactly(3L);
    }

    /** Without wake-ups from the store (they are best effort), the recheck timer is the fallback. */
    @Test
    void withoutWakeUpsTheRecheckTimerDrainsTheGap() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK), new SilentStore(
                io.seqtrack.inmemory.InMemorySequenceStore.builder().clock(harness.scheduler.manualClock()).build()),
                io.seqtrack.inmemory.InMemoryEventBuffer.create());
        processor = harness.processor("worker-1");
        EventProcessor other = harness.processor("worker-2",
                b -> b.buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create()));
        assertThat(submit("user_account", "u-1", 2)).isEqualTo(Outcome.BUFFERED);
        harness.submit(other, ProcessorHarness.event("user_account", "u-1", 1));
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L);
        harness.scheduler.advance(Duration.ofMillis(500));
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L);
    }

    /** A store that sends no commit notifications (the SPI default). */
    private static final class SilentStore extends ForwardingSequenceStore {
        SilentStore(io.seqtrack.core.port.out.SequenceStore delegate) {
            super(delegate);
        }
    }

    @Test
    void gapTimeoutWithParkPolicyParksTheWaitingEvents() {
        submit("user_account", "u-1", 3);
        submit("user_account", "u-1", 4);
        harness.scheduler.advance(Duration.ofSeconds(30));
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(harness.buffer.pending(key)).isEmpty();
        assertThat(harness.buffer.parked(key)).extracting(p -> p.sequence()).containsExactly(3L, 4L);
        assertThat(harness.events(ProcessorEvent.GapTimedOut.class)).singleElement()
                .satisfies(e -> assertThat(e.from()).isEqualTo(1))
                .satisfies(e -> assertThat(e.to()).isEqualTo(2));
        assertThat(submit("user_account", "u-1", 1)).as("blocked until an operator acts").isEqualTo(Outcome.PARKED);
    }

    @Test
    void gapTimeoutWithSkipPolicyAdvancesOverTheGapAndRecordsIt() {
        harness = new ProcessorHarness(registry(GapPolicy.SKIP));
        processor = harness.processor("worker-1");
        submit("user_account", "u-1", 1);
        submit("user_account", "u-1", 4);
        submit("user_account", "u-1", 5);
        harness.scheduler.advance(Duration.ofSeconds(30));
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 4L, 5L);
        assertThat(harness.store.skippedRanges(key)).singleElement()
                .satisfies(r -> assertThat(r.fromSequence()).isEqualTo(2))
                .satisfies(r -> assertThat(r.toSequence()).isEqualTo(3));
        assertThat(harness.events(ProcessorEvent.Skipped.class)).hasSize(1);
        assertThat(submit("user_account", "u-1", 2)).as("a late arrival of a skipped event").isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void gapTimeoutWithFailPolicyDropsTheWaitingEventsLoudly() {
        harness = new ProcessorHarness(registry(GapPolicy.FAIL));
        processor = harness.processor("worker-1");
        submit("user_account", "u-1", 3);
        harness.scheduler.advance(Duration.ofSeconds(30));
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        assertThat(harness.buffer.pending(key)).isEmpty();
        assertThat(harness.events(ProcessorEvent.GapFailed.class)).singleElement()
                .satisfies(e -> assertThat(e.sequences()).containsExactly(3L));
        assertThat(submit("user_account", "u-1", 1)).isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void monotonicDomainsSkipDuplicatesByHighWatermarkOnly() {
        assertThat(submit("ledger", "l-1", 5)).isEqualTo(Outcome.PROCESSED);
        assertThat(submit("ledger", "l-1", 3)).isEqualTo(Outcome.DUPLICATE);
        assertThat(submit("ledger", "l-1", 1_000_000)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("ledger", "l-1")).containsExactly(5L, 1_000_000L);
    }

    @Test
    void disabledDomainsPassStraightToTheHandler() {
        assertThat(submit("chat", "room-1", 9)).isEqualTo(Outcome.PROCESSED);
        assertThat(submit("chat", "room-1", 9)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.submit(processor, Event.of("x", "chat", "room-1", 0, "Msg", null))).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.store.read(AggregateKey.of("chat", "room-1")).lastCommitted()).isZero();
    }

    @Test
    void aggregateVersionDomainsReadTheVersion() {
        assertThat(harness.submit(processor, Event.ofAggregateVersion("e", "versioned", "v-1", 1, "A", null)))
                .isEqualTo(Outcome.PROCESSED);
        assertThat(harness.submit(processor, Event.ofAggregateVersion("e", "versioned", "v-1", 2, "B", null)))
                .isEqualTo(Outcome.PROCESSED);
    }

    /** The replaced system defaulted a missing sequence to 1. */
    @Test
    void regression8_aMissingSequenceIsRejectedNotDefaulted() {
        Event unsequenced = new Event("e", "user_account", "u-1", OptionalLong.empty(), OptionalLong.empty(), "T", null);
        assertThat(harness.submit(processor, unsequenced)).isEqualTo(Outcome.REJECTED);
        assertThat(harness.submit(processor, ProcessorHarness.event("no_such_domain", "x", 1))).isEqualTo(Outcome.REJECTED);
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", " ", 1))).isEqualTo(Outcome.REJECTED);
        assertThat(harness.events(ProcessorEvent.Rejected.class)).hasSize(3)
                .allSatisfy(r -> assertThat(r.error()).isNotBlank());
        assertThat(harness.handlerRuns).isEmpty();
        assertThat(harness.store.read(AggregateKey.of("user_account", "u-1")).lastCommitted()).isZero();
    }

    /** Events left in the buffer by a worker that died are adopted by the sweep: the gap policy still gets to act. */
    @Test
    void bufferedEventsNobodyWaitsForAreAdoptedBySweepAndTimedOut() {
        AggregateKey key = AggregateKey.of("user_account", "orphan");
        harness.buffer.add(key, new io.seqtrack.core.port.out.BufferedEvent(3, "e3", "T", new byte[0],
                harness.scheduler.clock().instant()), 10);
        EventProcessor fresh = harness.processor("after-crash");
        harness.scheduler.advance(Duration.ofSeconds(31));
        assertThat(harness.buffer.parked(key)).extracting(p -> p.sequence()).as("gap policy PARK acted").containsExactly(3L);
        assertThat(fresh.snapshot().openGaps()).isZero();
    }

    /** A retrying event keeps its place: in a monotonic domain a later one must not overtake it and make it a duplicate. */
    @Test
    void laterEventsWaitBehindARetryingOneInsteadOfOvertakingIt() {
        harness.failTimes("ledger", "l-1", 5, 1);
        CompletionStage<Outcome> five = processor.submit(ProcessorHarness.event("ledger", "l-1", 5));
        CompletionStage<Outcome> seven = processor.submit(ProcessorHarness.event("ledger", "l-1", 7));
        harness.scheduler.runReady();
        assertThat(seven.toCompletableFuture()).as("held behind #5").isNotDone();
        harness.scheduler.advance(Duration.ofSeconds(1));
        assertThat(five.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(seven.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("ledger", "l-1")).containsExactly(5L, 7L);
    }

    /** A retry still scheduled when the processor closes must not leave its caller waiting forever. */
    @Test
    void closingFailsWhatIsStillWaitingForARetry() {
        harness.failTimes("user_account", "u-1", 1, 1);
        CompletionStage<Outcome> outcome = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        assertThat(outcome.toCompletableFuture()).isNotDone();
        processor.close();
        assertThat(outcome.toCompletableFuture()).isCompletedExceptionally();
        assertThat(harness.store.read(AggregateKey.of("user_account", "u-1")).lastCommitted()).as("not committed").isZero();
    }

    /**
     * A guest processor (another handler than the application's: {@code tracker simulate} under a named key prefix)
     * turns adoption off and must then not drain other aggregates' buffers — not at start, not in later sweeps.
     */
    @Test
    void aProcessorThatDoesNotAdoptLeavesOrphanedBuffersAlone() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK)); // without the adopting default processor
        AggregateKey key = AggregateKey.of("user_account", "orphan");
        harness.buffer.add(key, new io.seqtrack.core.port.out.BufferedEvent(1, "e1", "T", new byte[0],
                harness.scheduler.clock().instant()), 10);
        harness.processor("guest", b -> b.adoptOrphanedBuffers(false));
        harness.scheduler.advance(Duration.ofSeconds(31));
        assertThat(harness.handled("user_account", "orphan")).isEmpty();
        assertThat(harness.buffer.pending(key)).hasSize(1);
    }
}
