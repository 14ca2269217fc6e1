package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code Submission.acknowledgeable()} for a parked event. On a buffer that is not durable the park dies with the
 * process, so — as for a buffered event — the broker's copy must stay: acknowledgeable only once the park is resolved
 * through this processor's admin (replayed, skipped), and failed if the processor closes first. On a durable buffer
 * PARKED is acknowledgeable at once. Before, PARKED was acknowledged on the in-memory buffer too, and a crash lost it.
 */
class ParkedAcknowledgementTest {

    private static final RetryPolicy ONCE = RetryPolicy.builder().maxAttempts(1).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(10)).multiplier(1).jitter(0).build();
    private static final DomainRegistry REGISTRY = DomainRegistry.of(DomainRegistration.builder("user_account")
            .retryPolicy(ONCE).gapTimeout(Duration.ofSeconds(5)).gapPolicy(GapPolicy.PARK).build());
    private static final AggregateKey POISON = AggregateKey.of("user_account", "poison");

    private static Submission submit(ProcessorHarness harness, EventProcessor processor, long seq) {
        Submission submission = processor.submitTracked(ProcessorHarness.event("user_account", "poison", seq));
        harness.scheduler.runReady();
        return submission;
    }

    private static Outcome now(java.util.concurrent.CompletionStage<Outcome> stage) {
        return stage.toCompletableFuture().getNow(null);
    }

    @Test
    void onAnInMemoryBufferAParkedEventIsAcknowledgeableOnlyOnceItsReplayHandledIt() {
        try (ProcessorHarness harness = new ProcessorHarness(REGISTRY)) {
            EventProcessor processor = harness.processor("w");
            harness.failTimes("user_account", "poison", 1, 1);
            Submission parked = submit(harness, processor, 1);
            Submission behind = submit(harness, processor, 2); // parked behind it

            assertThat(now(parked.settled())).isEqualTo(Outcome.PARKED);
            assertThat(now(behind.settled())).isEqualTo(Outcome.PARKED);
            assertThat(parked.acknowledgeable().toCompletableFuture()).as("the park is in memory only").isNotDone();
            assertThat(behind.acknowledgeable().toCompletableFuture()).isNotDone();

            CompletableFuture<java.util.List<Outcome>> replay = processor.admin().replayParked(POISON)
                    .toCompletableFuture();
            harness.scheduler.runReady();
            assertThat(replay.getNow(null)).containsExactly(Outcome.PROCESSED, Outcome.PROCESSED);
            assertThat(now(parked.acknowledgeable())).isEqualTo(Outcome.PROCESSED);
            assertThat(now(behind.acknowledgeable())).isEqualTo(Outcome.PROCESSED);
        }
    }

    @Test
    void onAnInMemoryBufferASkippedParkIsAcknowledgeableAsSkippedAndAnUnresolvedOneFailsAtClose() {
        try (ProcessorHarness harness = new ProcessorHarness(REGISTRY)) {
            EventProcessor processor = harness.processor("w");
            harness.failTimes("user_account", "poison", 1, 1);
            Submission skipped = submit(harness, processor, 1);
            harness.failTimes("user_account", "poison", 2, 1);
            CompletableFuture<Void> skip = processor.admin().skipParked(POISON, 1).toCompletableFuture();
            harness.scheduler.runReady();
            assertThat(skip).isCompleted();
            assertThat(now(skipped.acknowledgeable())).isEqualTo(Outcome.SKIPPED);

            Submission stillParked = submit(harness, processor, 2);
            assertThat(now(stillParked.settled())).isEqualTo(Outcome.PARKED);
            processor.close();
            assertThat(stillParked.acknowledgeable().toCompletableFuture())
                    .as("closed with the event parked in memory: never acknowledgeable, the broker redelivers it")
                    .isCompletedExceptionally();
        }
    }

    /**
     * A redelivered copy of an event waiting in the buffer settles as the first one does; when the gap policy parks
     * them, both wait for the park's resolution, and both become acknowledgeable with the replay (review finding: the
     * copy was never acknowledgeable, not even at close).
     */
    @Test
    void aRedeliveredCopyOfABufferedEventThatGetsParkedIsAcknowledgeableWithTheReplay() {
        try (ProcessorHarness harness = new ProcessorHarness(REGISTRY)) {
            EventProcessor processor = harness.processor("w");
            Submission first = submit(harness, processor, 2);
            Submission copy = submit(harness, processor, 2);
            assertThat(now(first.accepted())).isEqualTo(Outcome.BUFFERED);
            harness.scheduler.advance(Duration.ofSeconds(6)); // #1 never came: gap policy PARK parks #2
            assertThat(now(first.settled())).isEqualTo(Outcome.PARKED);
            assertThat(now(copy.settled())).isEqualTo(Outcome.PARKED);
            assertThat(copy.acknowledgeable().toCompletableFuture()).isNotDone();

            Submission missing = submit(harness, processor, 1); // arrives late: parked behind
            CompletableFuture<java.util.List<Outcome>> replay = processor.admin().replayParked(POISON)
                    .toCompletableFuture();
            harness.scheduler.runReady();
            assertThat(replay.getNow(null)).containsOnly(Outcome.PROCESSED);
            assertThat(now(missing.acknowledgeable())).isEqualTo(Outcome.PROCESSED);
            assertThat(now(first.acknowledgeable())).isEqualTo(Outcome.PROCESSED);
            assertThat(now(copy.acknowledgeable())).as("the copy too").isEqualTo(Outcome.PROCESSED);
        }
    }

    /**
     * A park in memory is this worker's alone; the event stays with the broker, and another worker may get it and
     * commit it. Then the stale park must not block the aggregate here for good: the next event finds everything
     * parked at or below the last committed, drops those parks as duplicates (their submissions acknowledgeable as
     * DUPLICATE) and is handled (review finding).
     */
    @Test
    void aParkInMemoryThatAnotherWorkerCommittedMeanwhileNoLongerBlocksTheAggregate() {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        try (ProcessorHarness a = new ProcessorHarness(REGISTRY, store, InMemoryEventBuffer.create());
                ProcessorHarness b = new ProcessorHarness(REGISTRY, store, InMemoryEventBuffer.create())) {
            EventProcessor workerA = a.processor("a");
            EventProcessor workerB = b.processor("b");
            a.failTimes("user_account", "poison", 1, 1);
            Submission parkedInA = submit(a, workerA, 1);
            assertThat(now(parkedInA.settled())).isEqualTo(Outcome.PARKED);

            assertThat(now(submit(b, workerB, 1).accepted())).isEqualTo(Outcome.PROCESSED); // the broker's copy, at B
            assertThat(now(submit(b, workerB, 2).accepted())).isEqualTo(Outcome.PROCESSED);

            assertThat(now(submit(a, workerA, 3).accepted())).as("not blocked behind a park committed elsewhere")
                    .isEqualTo(Outcome.PROCESSED);
            assertThat(now(parkedInA.acknowledgeable())).isEqualTo(Outcome.DUPLICATE);
            assertThat(workerA.admin().parked()).isEmpty();
        }
    }

    /**
     * A park resolved without this processor — a {@code StoreAdmin} over the same in-memory buffer skips it — leaves
     * the processor's submission waiting only until the aggregate's next event shows the store past it: then it is
     * acknowledgeable as DUPLICATE (review finding: it waited until close).
     */
    @Test
    void aParkSkippedByAStoreAdminOnTheSameBufferIsAcknowledgedWhenTheAggregateMovesOn() {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        InMemoryEventBuffer buffer = InMemoryEventBuffer.create();
        try (ProcessorHarness harness = new ProcessorHarness(REGISTRY, store, buffer)) {
            EventProcessor processor = harness.processor("w");
            harness.failTimes("user_account", "poison", 1, 1);
            Submission parked = submit(harness, processor, 1);
            assertThat(now(parked.settled())).isEqualTo(Outcome.PARKED);

            StoreAdmin.over(REGISTRY, store, buffer).build().skipParked(POISON, 1);
            assertThat(parked.acknowledgeable().toCompletableFuture()).isNotDone();

            assertThat(now(submit(harness, processor, 2).accepted())).isEqualTo(Outcome.PROCESSED);
            assertThat(now(parked.acknowledgeable())).isEqualTo(Outcome.DUPLICATE);
        }
    }

    @Test
    void onADurableBufferAParkedEventIsAcknowledgeableAtOnce() {
        InMemoryEventBuffer durable = InMemoryEventBuffer.create();
        io.seqtrack.core.port.out.EventBuffer claimsDurability = (io.seqtrack.core.port.out.EventBuffer)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {io.seqtrack.core.port.out.EventBuffer.class}, (proxy, method, args) ->
                                method.getName().equals("durable") ? Boolean.TRUE : invoke(method, durable, args));
        try (ProcessorHarness harness = new ProcessorHarness(REGISTRY, InMemorySequenceStore.create(),
                claimsDurability)) {
            EventProcessor processor = harness.processor("w");
            harness.failTimes("user_account", "poison", 1, 1);
            Submission parked = submit(harness, processor, 1);
            assertThat(now(parked.acknowledgeable())).isEqualTo(Outcome.PARKED);
        }
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
