package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.internal.LaneOf;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Processor v2's API: lane batches, the batch handler, and following a submission to its fate. */
class LaneBatchesAndSubmissionsTest {

    private static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(1)).multiplier(2).jitter(0).build();

    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.of(
            DomainRegistration.builder("user_account").retryPolicy(RETRY).gapTimeout(Duration.ofSeconds(30))
                    .gapPolicy(GapPolicy.FAIL).leaseTtl(Duration.ofSeconds(10)).build()));

    @AfterEach
    void close() {
        harness.close();
    }

    private static Event event(String id, long seq) {
        return ProcessorHarness.event("user_account", id, seq);
    }

    @Test
    void eventsQueuedTogetherAreClaimedHandledAndCommittedAsOneBatchPerLane() {
        EventProcessor processor = harness.batchProcessor("w", b -> { });
        List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
        for (int a = 0; a < 40; a++) {
            outcomes.add(processor.submit(event("a" + a, 1)));
            outcomes.add(processor.submit(event("a" + a, 2)));
        }
        harness.scheduler.runReady();

        assertThat(outcomes).allSatisfy(o -> assertThat(o.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED));
        // 4 lanes, 40 aggregates with 2 events each: every lane makes two batches (#1s, then #2s), none of one event
        assertThat(harness.batchSizes).hasSize(8).allMatch(n -> n > 1);
        assertThat(harness.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(80);
        for (int a = 0; a < 40; a++) {
            assertThat(harness.handled("user_account", "a" + a)).containsExactly(1L, 2L);
        }
    }

    /**
     * A handler run is timed only while listeners observe the processor (the time is told only to them, in
     * {@code Processed}; the harness listens): each handler here runs until the clock has moved, so a run that was
     * not timed shows as zero. Per event and per batch.
     */
    @Test
    void aProcessedEventTellsHowLongItsHandlerTookWhileListenersObserve() {
        harness.duringHandler = ctx -> {
            long started = System.nanoTime();
            while (System.nanoTime() == started) {
                Thread.onSpinWait();
            }
        };
        EventProcessor single = harness.processor("single");
        single.submit(event("s", 1));
        harness.scheduler.runReady();
        EventProcessor batch = harness.batchProcessor("batch", b -> { });
        batch.submit(event("b1", 1));
        batch.submit(event("b2", 1));
        harness.scheduler.runReady();

        assertThat(harness.events(ProcessorEvent.Processed.class)).hasSize(3)
                .allSatisfy(p -> assertThat(p.handlerTime()).isPositive());
    }

    @Test
    void maxBatchBoundsTheBatch() {
        EventProcessor processor = harness.batchProcessor("w", b -> b.maxBatch(3));
        for (int a = 0; a < 40; a++) {
            processor.submit(event("a" + a, 1));
        }
        harness.scheduler.runReady();
        assertThat(harness.batchSizes).allMatch(n -> n <= 3);
        assertThat(harness.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
    }

    @Test
    void aFailedBatchIsSplitSoOnlyThePoisonEventIsRetriedAndParked() {
        EventProcessor processor = harness.batchProcessor("w", b -> b.maxBatch(64));
        harness.failTimes("user_account", "poison", 1, Integer.MAX_VALUE);
        List<CompletionStage<Outcome>> good = new ArrayList<>();
        for (int a = 0; a < 12; a++) {
            good.add(processor.submit(event("a" + a, 1)));
        }
        CompletionStage<Outcome> poison = processor.submit(event("poison", 1));
        harness.scheduler.advance(Duration.ofSeconds(5));

        assertThat(good).allSatisfy(o -> assertThat(o.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED));
        assertThat(harness.events(ProcessorEvent.Retried.class)).as("only the poison event is retried")
                .extracting(r -> r.key().aggregateId()).containsOnly("poison");
        assertThat(harness.events(ProcessorEvent.Processed.class)).extracting(ProcessorEvent.Processed::attempts)
                .as("the others keep attempt 1: the split charges no attempt").containsOnly(1);
        assertThat(poison.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PARKED);
        assertThat(harness.buffer.parked(AggregateKey.of("user_account", "poison"))).extracting(ParkedEvent::sequence)
                .containsExactly(1L);
    }

    @Test
    void aBufferedSubmissionSettlesWhenItsGapFillsAndIsAcknowledgeableOnlyThenWithAnInMemoryBuffer() {
        EventProcessor processor = harness.processor("w");
        assertThat(processor.durableBuffer()).isFalse();
        Submission early = processor.submitTracked(event("u", 2));
        harness.scheduler.runReady();
        assertThat(early.accepted().toCompletableFuture().getNow(null)).isEqualTo(Outcome.BUFFERED);
        assertThat(early.settled().toCompletableFuture()).isNotDone();
        assertThat(early.acknowledgeable().toCompletableFuture()).as("an in-memory buffer dies with the process")
                .isNotDone();

        harness.submit(processor, event("u", 1));
        assertThat(early.settled().toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(early.acknowledgeable().toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(early.event()).isEqualTo(event("u", 2));
    }

    @Test
    void aBufferedSubmissionDroppedByGapPolicyFailSettlesAsSkipped() {
        EventProcessor processor = harness.processor("w");
        Submission early = processor.submitTracked(event("u", 3));
        harness.scheduler.advance(Duration.ofSeconds(31));
        assertThat(early.settled().toCompletableFuture().getNow(null)).isEqualTo(Outcome.SKIPPED);
    }

    @Test
    void closingFailsWhatHasNotSettledSoTheBrokerRedelivers() {
        EventProcessor processor = harness.processor("w");
        Submission early = processor.submitTracked(event("u", 2));
        harness.scheduler.runReady();
        processor.close();
        CompletableFuture<Outcome> settled = early.settled().toCompletableFuture();
        assertThat(settled).isCompletedExceptionally();
        assertThat(early.accepted().toCompletableFuture().getNow(null)).isEqualTo(Outcome.BUFFERED);
    }

    @Test
    void aDurableBufferMakesTheFirstOutcomeAcknowledgeable() {
        InMemoryEventBuffer memory = InMemoryEventBuffer.create();
        ForwardingEventBuffer durable = new ForwardingEventBuffer(memory) {
            @Override
            public boolean durable() {
                return true;
            }
        };
        try (ProcessorHarness durableHarness = new ProcessorHarness(harness.registry, null, durable)) {
            EventProcessor processor = durableHarness.processor("w");
            assertThat(processor.durableBuffer()).isTrue();
            Submission early = processor.submitTracked(event("u", 2));
            durableHarness.scheduler.runReady();
            assertThat(early.acknowledgeable().toCompletableFuture().getNow(null)).isEqualTo(Outcome.BUFFERED);
        }
    }

    /**
     * Found by the torture suite (a Cluster master killed): a drain after a commit that meets a failing buffer must
     * not leave the aggregate's queued events waiting forever — they run, and the buffered one is drained later.
     */
    @Test
    void aDrainThatFailsAfterACommitLeavesTheAggregatesQueuedEventsRunning() {
        java.util.concurrent.atomic.AtomicInteger failPending = new java.util.concurrent.atomic.AtomicInteger();
        ForwardingEventBuffer failing = new ForwardingEventBuffer(InMemoryEventBuffer.create()) {
            @Override
            public List<io.seqtrack.core.port.out.BufferedEvent> pending(AggregateKey key) {
                if (failPending.getAndDecrement() > 0) {
                    throw io.seqtrack.core.domain.SequenceStoreException.of("pending", key,
                            new IllegalStateException("scripted: the cluster is failing over"));
                }
                return super.pending(key);
            }

            @Override
            public io.seqtrack.core.port.out.BufferPresence presence(java.util.Collection<AggregateKey> keys) {
                return delegate.presence(keys); // the probe answers; only the drain's read fails
            }
        };
        try (ProcessorHarness h = new ProcessorHarness(harness.registry, null, failing)) {
            EventProcessor processor = h.processor("w");
            assertThat(h.submit(processor, event("u", 3))).isEqualTo(Outcome.BUFFERED);
            failPending.set(1); // the drain right after #1's commit fails
            CompletionStage<Outcome> first = processor.submit(event("u", 1));
            CompletionStage<Outcome> second = processor.submit(event("u", 2));
            h.scheduler.runReady();

            assertThat(first.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
            assertThat(second.toCompletableFuture().getNow(null)).as("#2 was queued behind #1 and still runs")
                    .isEqualTo(Outcome.PROCESSED);
            h.scheduler.advance(Duration.ofSeconds(2)); // the gap's recheck drains #3
            assertThat(h.handled("user_account", "u")).containsExactly(1L, 2L, 3L);
        }
    }

    /**
     * Found by the torture suite (a worker blackholed past its lease): a claim is trusted only until three quarters of
     * its lease after it was asked for. Here the first handler of a batch takes 8 s of a 10 s lease, so the second
     * event's claim may have expired before its handler is due: it does not run, fails closed, and its redelivery is
     * handled.
     */
    @Test
    void aClaimThatCanNoLongerBeTrustedWhenItsHandlerIsDueIsNotUsed() {
        harness.duringHandler = ctx -> {
            if (ctx.key().aggregateId().equals("slow")) {
                harness.scheduler.manualClock().advance(Duration.ofSeconds(8));
            }
        };
        EventProcessor processor = harness.processor("w");
        String lateId = sameLaneAs("slow");
        CompletionStage<Outcome> slow = processor.submit(event("slow", 1));
        CompletionStage<Outcome> late = processor.submit(event(lateId, 1));
        harness.scheduler.runReady();

        assertThat(slow.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(late.toCompletableFuture()).as("not handled under a claim that may have expired")
                .isCompletedExceptionally();
        assertThat(harness.handled("user_account", lateId)).isEmpty();
        assertThat(harness.submit(processor, event(lateId, 1))).as("the redelivery").isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", lateId)).containsExactly(1L);
    }

    /** An aggregate id of the harness's domain on the same lane (of its 4) as {@code id}: they share batches. */
    private static String sameLaneAs(String id) {
        int lane = LaneOf.lane(AggregateKey.of("user_account", id), 4);
        for (int i = 0; ; i++) {
            if (LaneOf.lane(AggregateKey.of("user_account", "late-" + i), 4) == lane) {
                return "late-" + i;
            }
        }
    }

    @Test
    void theBuilderRefusesBothHandlersNeitherHandlerAndABadMaxBatch() {
        EventProcessor.Builder both = EventProcessor.builder().registry(harness.registry).store(harness.store)
                .buffer(harness.buffer).handler((e, c) -> { }).batchHandler(batch -> { });
        assertThatThrownBy(both::build).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("processor.batchHandler");
        EventProcessor.Builder neither = EventProcessor.builder().registry(harness.registry).store(harness.store)
                .buffer(harness.buffer);
        assertThatThrownBy(neither::build).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("processor.handler");
        assertThatThrownBy(() -> EventProcessor.builder().maxBatch(0)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("processor.maxBatch");
    }
}
