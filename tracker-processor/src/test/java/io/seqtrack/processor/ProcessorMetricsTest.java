package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.metrics.ProcessorMetrics;
import io.seqtrack.processor.metrics.TimedSequenceStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessorMetricsTest {

    @Test
    void countersGaugesAndTimersAreVisibleInAMeterRegistry() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ProcessorMetrics metrics = new ProcessorMetrics();
        try (ProcessorHarness harness = new ProcessorHarness(DomainRegistry.seedDefaults())) {
            EventProcessor processor = harness.processor("w", b -> b.listener(metrics)
                    .store(new TimedSequenceStore(harness.store, meters)));
            metrics.attach(processor).bindTo(meters);

            harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1));
            harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1));
            harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 3));
            harness.submit(processor, ProcessorHarness.event("user_account", "u-2", 5));
            harness.submit(processor, ProcessorHarness.event("nope", "x", 1));
            harness.scheduler.advance(Duration.ofSeconds(7));

            assertThat(meters.get("seqtrack.events").tag("domain", "user_account").tag("outcome", "processed")
                    .counter().count()).isEqualTo(1);
            assertThat(meters.get("seqtrack.events").tag("outcome", "duplicate").counter().count()).isEqualTo(1);
            assertThat(meters.get("seqtrack.events").tag("outcome", "buffered").counter().count()).isEqualTo(2);
            assertThat(meters.get("seqtrack.events").tag("domain", "unknown").tag("outcome", "rejected").counter().count())
                    .isEqualTo(1);
            assertThat(meters.get("seqtrack.gaps.open").gauge().value()).isEqualTo(2);
            assertThat(meters.get("seqtrack.buffer.pending").gauge().value()).isEqualTo(2);
            assertThat(meters.get("seqtrack.gaps.oldest.seconds").gauge().value()).isEqualTo(7.0);
            assertThat(meters.get("seqtrack.handler.duration").tag("domain", "user_account").timer().count()).isEqualTo(1);
            assertThat(meters.get("seqtrack.store.duration").tag("operation", "claim_batch").timer().count()).isEqualTo(4);
            assertThat(meters.get("seqtrack.store.duration").tag("operation", "commit_batch").timer().count()).isEqualTo(1);
        }
    }

    /** Issue 12: wrapping a store must not lose its own async and batch paths; every SPI method is forwarded. */
    @Test
    void theTimedStoreOverridesEveryOperationOfTheSpi() {
        for (java.lang.reflect.Method m : io.seqtrack.core.port.out.SequenceStore.class.getMethods()) {
            if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> TimedSequenceStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes())))
                    .as("TimedSequenceStore forwards %s", m).isNull();
        }
    }

    @Test
    void anAsyncCallGoesToTheDelegatesAsyncFormAndIsTimedWhenItCompletes() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        java.util.concurrent.CompletableFuture<io.seqtrack.core.port.out.AdvanceResult> pending =
                new java.util.concurrent.CompletableFuture<>();
        io.seqtrack.core.port.out.SequenceStore asyncOnly = new ForwardingSequenceStore(
                io.seqtrack.inmemory.InMemorySequenceStore.create()) {
            @Override
            public java.util.concurrent.CompletionStage<io.seqtrack.core.port.out.AdvanceResult> advanceAsync(
                    io.seqtrack.core.domain.AggregateKey key, long seq, io.seqtrack.core.domain.TrackingMode mode) {
                return pending;
            }
        };
        TimedSequenceStore timed = new TimedSequenceStore(asyncOnly, meters);
        var stage = timed.advanceAsync(io.seqtrack.core.domain.AggregateKey.of("user_account", "u-1"), 1,
                io.seqtrack.core.domain.TrackingMode.STRICT);
        assertThat(meters.find("seqtrack.store.duration").tag("operation", "advance").timer().count()).isZero();
        pending.complete(io.seqtrack.core.port.out.AdvanceResult.inOrder(1));
        assertThat(stage.toCompletableFuture().join()).isEqualTo(io.seqtrack.core.port.out.AdvanceResult.inOrder(1));
        assertThat(meters.get("seqtrack.store.duration").tag("operation", "advance").timer().count()).isEqualTo(1);
    }
}
