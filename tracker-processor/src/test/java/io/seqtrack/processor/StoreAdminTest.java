package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.CommitSubscription;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Operator actions over a store and a buffer with no processor running and no stand-in handler. */
class StoreAdminTest {

    private final ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry());
    private final AggregateKey key = AggregateKey.of("user_account", "blocked");

    /** Parks #1 (its handler always fails) and #2 behind it, then closes the processor that did it. */
    private void parkTwo() {
        harness.failTimes("user_account", "blocked", 1, Integer.MAX_VALUE);
        EventProcessor processor = harness.processor("worker");
        harness.submit(processor, ProcessorHarness.event("user_account", "blocked", 1));
        harness.scheduler.advance(Duration.ofSeconds(10)); // retries run out: #1 is parked
        harness.submit(processor, ProcessorHarness.event("user_account", "blocked", 2));
        processor.close();
        assertThat(harness.buffer.parked(key)).extracting(ParkedEvent::sequence).containsExactly(1L, 2L);
    }

    @Test
    void listsSkipsAndReplaysParkedEventsAndAuditsEachAction() {
        parkTwo();
        List<ProcessorEvent> audit = new ArrayList<>();
        StoreAdmin admin = StoreAdmin.over(harness.registry, harness.store, harness.buffer).listener(audit::add).build();

        assertThat(admin.parked()).containsOnlyKeys(key);
        admin.skipParked(key, 1);
        assertThat(harness.store.skippedRanges(key)).singleElement()
                .satisfies(r -> assertThat(r.fromSequence()).isEqualTo(1));
        List<Long> replayed = new ArrayList<>();
        assertThat(admin.replayParked(key, "ops", (event, ctx) -> replayed.add(ctx.sequence())))
                .containsExactly(Outcome.PROCESSED);
        assertThat(replayed).containsExactly(2L);
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(2);
        assertThat(admin.parked()).isEmpty();
        assertThat(audit).filteredOn(ProcessorEvent.AdminAction.class::isInstance)
                .extracting(e -> ((ProcessorEvent.AdminAction) e).action())
                .containsExactly("skip-parked", "replay-parked");

        admin.reset(key, 0);
        assertThat(harness.store.read(key).lastCommitted()).isZero();
    }

    /**
     * StoreAdmin is no processor: it subscribes to no wake-ups (a processor does so when it is built) and never lists the
     * buffer (a processor's sweep does, at start, to take charge of buffered events nobody waits for). So the in-order
     * event a crashed worker left buffered for another aggregate — which any processor here would handle at once —
     * stays where it is through a skip, a replay and a reset, and only the replayed aggregate meets the given handler.
     */
    @Test
    void needsNoProcessorAndLeavesACrashedWorkersBufferedEventsAlone() {
        parkTwo(); // and the processor that parked them is closed: none exists from here on
        AggregateKey orphan = AggregateKey.of("user_account", "orphan");
        BufferedEvent leftBehind = new BufferedEvent(1, "orphan-1", "Changed", new byte[0],
                harness.scheduler.clock().instant());
        harness.buffer.add(orphan, leftBehind, 10);
        SequenceStore noWakeUps = new ForwardingSequenceStore(harness.store) {
            @Override
            public CommitSubscription subscribeCommits(Consumer<AggregateKey> listener) {
                throw new AssertionError("subscribed to wake-ups, as a processor does");
            }
        };
        EventBuffer noSweep = new ForwardingEventBuffer(harness.buffer) {
            @Override
            public Set<AggregateKey> aggregatesWithPending() {
                throw new AssertionError("listed the buffer's pending aggregates, as a processor's sweep does");
            }

            @Override
            public long pendingCount() {
                throw new AssertionError("counted the buffer, as a processor's sweep does");
            }
        };
        List<ProcessorEvent> audit = new ArrayList<>();
        List<String> handled = new ArrayList<>();
        StoreAdmin admin = StoreAdmin.over(harness.registry, noWakeUps, noSweep).listener(audit::add).build();

        admin.skipParked(key, 1);
        assertThat(admin.replayParked(key, "ops", (event, ctx) -> handled.add(ctx.key() + "#" + ctx.sequence())))
                .containsExactly(Outcome.PROCESSED);
        admin.reset(key, 5);

        assertThat(handled).containsExactly(key + "#2");
        assertThat(harness.buffer.pending(orphan)).containsExactly(leftBehind);
        assertThat(harness.buffer.parked(orphan)).isEmpty();
        assertThat(harness.store.read(orphan).lastCommitted()).isZero();
        assertThat(audit).as("nothing about the orphan").noneMatch(e -> orphan.equals(e.key()));
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(5);
    }

    /**
     * A skip that puts buffered successors in order hands nothing to a handler — StoreAdmin has none for it — and
     * leaves them buffered, for the processors: here the next processor's sweep takes charge of them.
     */
    @Test
    void aSkipLeavesTheBufferedSuccessorsItPutsInOrderToTheProcessors() {
        java.time.Instant now = harness.scheduler.clock().instant();
        harness.buffer.park(key, new ParkedEvent(new BufferedEvent(1, "e1", "Changed", new byte[0], now), "failed", now));
        BufferedEvent second = new BufferedEvent(2, "e2", "Changed", new byte[0], now);
        harness.buffer.add(key, second, 10);
        List<ProcessorEvent> audit = new ArrayList<>();

        StoreAdmin.over(harness.registry, harness.store, harness.buffer).listener(audit::add).build().skipParked(key, 1);

        assertThat(audit).extracting(e -> e.getClass().getSimpleName()).containsExactly("AdminAction", "Skipped");
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(1);
        assertThat(harness.buffer.pending(key)).containsExactly(second);

        harness.processor("worker");
        harness.scheduler.advance(Duration.ofSeconds(1));
        assertThat(harness.handled("user_account", "blocked")).containsExactly(2L);
        assertThat(harness.buffer.pending(key)).isEmpty();
    }

    @Test
    void aRefusedSkipSaysWhyAndChangesNothing() {
        parkTwo();
        StoreAdmin admin = StoreAdmin.over(harness.registry, harness.store, harness.buffer).build();
        assertThatThrownBy(() -> admin.skipParked(key, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the next sequence");
        assertThat(harness.buffer.parked(key)).extracting(ParkedEvent::sequence).containsExactly(1L, 2L);
    }

    /**
     * A reset through the admin of an aggregate another worker holds revokes that worker's claim and waits it out by
     * the store's clock (invariant 10) before setting it; the worker is fenced.
     */
    @Test
    void aResetOfAnAggregateAnotherWorkerHoldsWaitsOutItsClaim() {
        AggregateKey held = AggregateKey.of("user_account", "held");
        harness.store.advance(held, 3, io.seqtrack.core.domain.TrackingMode.MONOTONIC);
        var claim = harness.store.claim(held, 4, io.seqtrack.core.domain.TrackingMode.STRICT, "other-worker",
                Duration.ofSeconds(30));
        java.time.Instant before = harness.scheduler.manualClock().instant();
        StoreAdmin admin = StoreAdmin.over(harness.registry, harness.store, harness.buffer)
                .timeout(Duration.ofSeconds(5)).build();

        admin.reset(held, 1);

        assertThat(harness.store.read(held).lastCommitted()).isEqualTo(1);
        assertThat(Duration.between(before, harness.scheduler.manualClock().instant()))
                .as("the store waited out the claim").isGreaterThanOrEqualTo(Duration.ofSeconds(29));
        assertThat(harness.store.commit(held, 4, claim.fencingToken()))
                .isEqualTo(io.seqtrack.core.port.out.CommitResult.CLAIM_LOST);
    }
}
