package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
