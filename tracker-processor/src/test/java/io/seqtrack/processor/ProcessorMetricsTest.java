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
            assertThat(meters.get("seqtrack.store.duration").tag("operation", "claim").timer().count()).isEqualTo(4);
            assertThat(meters.get("seqtrack.store.duration").tag("operation", "commit").timer().count()).isEqualTo(1);
        }
    }
}
