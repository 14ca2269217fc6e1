package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import java.time.Duration;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Found by the torture suite (Redis killed mid-run): the first event of an aggregate asks the buffer whether the
 * aggregate is parked before any guard was in place, so a buffer failure there escaped the lane task and its
 * submission never completed — the broker never learned to redeliver. It must fail closed like any store failure.
 */
class BufferFailureTest {

    private final FlakyBuffer buffer = new FlakyBuffer(InMemoryEventBuffer.create());
    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.seedDefaults(), null, buffer);
    private final EventProcessor processor = harness.processor("w1");

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aBufferFailureOnAnAggregatesFirstEventFailsItsSubmissionClosed() throws Exception {
        buffer.failing = true;
        CompletionStage<Outcome> first = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        assertThat(first.toCompletableFuture()).isCompletedExceptionally();
        assertThat(first.toCompletableFuture()).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(SequenceStoreException.class);
        assertThat(harness.store.read(AggregateKey.of("user_account", "u-1")).lastCommitted()).isZero();

        buffer.failing = false; // the broker redelivers once the buffer answers again
        CompletionStage<Outcome> again = processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        assertThat(again.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L);
    }

    /**
     * Found by the torture suite (Cluster failover under WAIT): gap policy SKIP advanced the store and then failed to
     * record the skipped range — a skip nobody could see. The skip and its record are now one atomic store step: a
     * failure leaves neither, and the retry does both.
     */
    @Test
    void aFailedSkipLeavesNeitherTheSkipNorItsRecordAndIsRetried() {
        DomainRegistry registry = DomainRegistry.of(DomainRegistration.builder("skipper")
                .mode(TrackingMode.STRICT).firstSequence(1).gapTimeout(Duration.ofSeconds(1))
                .gapPolicy(GapPolicy.SKIP).build());
        FlakySkipStore[] store = new FlakySkipStore[1];
        try (ProcessorHarness skipping = ProcessorHarness.withStoreOnItsClock(registry,
                clock -> store[0] = new FlakySkipStore(clock), InMemoryEventBuffer.create())) {
            EventProcessor p = skipping.processor("w1");
            AggregateKey key = AggregateKey.of("skipper", "s-1");
            p.submit(ProcessorHarness.event("skipper", "s-1", 1));
            p.submit(ProcessorHarness.event("skipper", "s-1", 3)); // #2 never comes
            skipping.scheduler.runReady();
            store[0].skipFailures = 1;
            skipping.scheduler.advance(Duration.ofSeconds(1));
            assertThat(store[0].skipCalls).as("the policy tried to skip").isEqualTo(1);
            assertThat(skipping.store.read(key).lastCommitted()).isEqualTo(1);
            assertThat(skipping.store.skippedRanges(key)).isEmpty();
            skipping.scheduler.advance(Duration.ofSeconds(5));
            assertThat(skipping.store.read(key).lastCommitted()).isEqualTo(3);
            assertThat(skipping.store.skippedRanges(key)).extracting(SkippedRange::fromSequence, SkippedRange::toSequence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 2L));
            assertThat(skipping.handled("skipper", "s-1")).containsExactly(1L, 3L);
        }
    }

    /**
     * Found by the torture suite (Redis paused for as long as the gap timeout): the missing events waited at the
     * broker behind failed submissions, and the gap policy parked aggregates the moment Redis answered again. Time
     * while the store fails does not count against the producer.
     */
    @Test
    void aGapPolicyWaitsWhileTheStoreIsFailing() {
        DomainRegistry registry = DomainRegistry.of(DomainRegistration.builder("parker")
                .mode(TrackingMode.STRICT).firstSequence(1).gapTimeout(Duration.ofSeconds(30))
                .gapPolicy(GapPolicy.PARK).build());
        FlakyBuffer flaky = new FlakyBuffer(InMemoryEventBuffer.create());
        try (ProcessorHarness parking = new ProcessorHarness(registry, null, flaky)) {
            EventProcessor p = parking.processor("w1");
            p.submit(ProcessorHarness.event("parker", "p-1", 2)); // #1 is late
            parking.scheduler.runReady();
            parking.scheduler.advance(Duration.ofSeconds(25));
            flaky.failing = true; // the store goes away: another aggregate's event fails closed
            CompletionStage<Outcome> failed = p.submit(ProcessorHarness.event("parker", "p-2", 1));
            parking.scheduler.runReady();
            assertThat(failed.toCompletableFuture()).isCompletedExceptionally();
            flaky.failing = false;
            parking.scheduler.advance(Duration.ofSeconds(29)); // 54 s since the gap opened, 29 s since the failure
            assertThat(parking.events(ProcessorEvent.Parked.class)).as("no policy during an outage").isEmpty();
            parking.scheduler.advance(Duration.ofSeconds(3));
            assertThat(parking.events(ProcessorEvent.Parked.class)).extracting(ProcessorEvent.Parked::sequence)
                    .containsExactly(2L);
        }
    }

    /** The operator's skip is one store step too: if it fails, nothing was removed or skipped. */
    @Test
    void anOperatorSkipThatFailsChangesNothing() {
        DomainRegistry registry = DomainRegistry.of(DomainRegistration.builder("parker")
                .mode(TrackingMode.STRICT).firstSequence(1).gapTimeout(Duration.ofSeconds(30))
                .retryPolicy(io.seqtrack.core.registry.RetryPolicy.builder().maxAttempts(1).build())
                .gapPolicy(GapPolicy.PARK).build());
        FlakySkipStore[] store = new FlakySkipStore[1];
        try (ProcessorHarness parking = ProcessorHarness.withStoreOnItsClock(registry,
                clock -> store[0] = new FlakySkipStore(clock), InMemoryEventBuffer.create())) {
            EventProcessor p = parking.processor("w1");
            AggregateKey key = AggregateKey.of("parker", "p-1");
            parking.failTimes("parker", "p-1", 1, 1);
            p.submit(ProcessorHarness.event("parker", "p-1", 1));
            parking.scheduler.runReady();
            assertThat(parking.buffer.parked(key)).hasSize(1);

            store[0].skipFailures = 1;
            CompletionStage<Void> failed = p.admin().skipParked(key, 1);
            parking.scheduler.runReady();
            assertThat(failed.toCompletableFuture()).isCompletedExceptionally();
            assertThat(parking.store.read(key).lastCommitted()).as("not skipped").isZero();
            assertThat(parking.store.skippedRanges(key)).isEmpty();
            assertThat(parking.buffer.parked(key)).as("still parked").hasSize(1);

            p.admin().skipParked(key, 1);
            parking.scheduler.runReady();
            assertThat(parking.store.read(key).lastCommitted()).isEqualTo(1);
            assertThat(parking.store.skippedRanges(key)).extracting(SkippedRange::fromSequence).containsExactly(1L);
            assertThat(parking.buffer.parked(key)).isEmpty();
        }
    }

    /** An in-memory store (on the harness's clock) whose {@code skip} fails {@link #skipFailures} times. */
    private static final class FlakySkipStore extends ForwardingSequenceStore {
        volatile int skipFailures;
        volatile int skipCalls;

        FlakySkipStore(java.time.Clock clock) {
            super(io.seqtrack.inmemory.InMemorySequenceStore.builder().clock(clock).build());
        }

        @Override
        public io.seqtrack.core.port.out.SkipResult skip(AggregateKey key, long expectedLast, long newLast,
                SkippedRange record) {
            skipCalls++;
            if (skipFailures > 0) {
                skipFailures--;
                throw SequenceStoreException.of("skip", key, new IllegalStateException("timeout"));
            }
            return super.skip(key, expectedLast, newLast, record);
        }
    }

    /** An in-memory buffer whose reads of the parked list fail while {@link #failing} is set. */
    private static final class FlakyBuffer extends ForwardingEventBuffer {
        volatile boolean failing;

        FlakyBuffer(EventBuffer delegate) {
            super(delegate);
        }

        @Override
        public List<ParkedEvent> parked(AggregateKey key) {
            if (failing) {
                throw SequenceStoreException.of("parked", key, new IllegalStateException("connection reset"));
            }
            return super.parked(key);
        }
    }
}
