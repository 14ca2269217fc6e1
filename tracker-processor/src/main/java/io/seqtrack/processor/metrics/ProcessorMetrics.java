package io.seqtrack.processor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import io.seqtrack.processor.ProcessorSnapshot;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Micrometer metrics for a processor. Register it as a listener when building the processor, then bind it:
 *
 * <pre>{@code
 * ProcessorMetrics metrics = new ProcessorMetrics();
 * EventProcessor processor = EventProcessor.builder()...listener(metrics).build();
 * metrics.attach(processor).bindTo(meterRegistry);
 * }</pre>
 *
 * <ul>
 *   <li>{@code seqtrack.events} (counter; tags {@code domain}, {@code outcome}: processed, duplicate, buffered,
 *       buffer_full, parked, skipped, gap_failed, rejected, retried, fenced)</li>
 *   <li>{@code seqtrack.handler.duration} (timer; tag {@code domain})</li>
 *   <li>{@code seqtrack.gaps.timed_out} (counter; tags {@code domain}, {@code policy})</li>
 *   <li>gauges {@code seqtrack.buffer.pending}, {@code seqtrack.gaps.open}, {@code seqtrack.gaps.oldest.seconds},
 *       {@code seqtrack.aggregates.blocked}, {@code seqtrack.in_flight}</li>
 * </ul>
 * Store latency: wrap the store with {@link TimedSequenceStore}.
 */
public final class ProcessorMetrics implements ProcessorListener, MeterBinder {

    private final AtomicReference<MeterRegistry> registry = new AtomicReference<>();
    private final AtomicReference<EventProcessor> processor = new AtomicReference<>();

    /** Connects the gauges to the processor's snapshot. */
    public ProcessorMetrics attach(EventProcessor processor) {
        this.processor.set(Objects.requireNonNull(processor, "processor"));
        return this;
    }

    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        registry.set(meterRegistry);
        Gauge.builder("seqtrack.buffer.pending", this, m -> m.snapshot().bufferedEvents())
                .description("events this processor holds in the buffer, waiting for a gap to fill").register(meterRegistry);
        Gauge.builder("seqtrack.gaps.open", this, m -> m.snapshot().openGaps())
                .description("aggregates waiting for missing sequences").register(meterRegistry);
        Gauge.builder("seqtrack.gaps.oldest.seconds", this,
                m -> m.snapshot().oldestGap().map(d -> d.toMillis() / 1000.0).orElse(0.0))
                .description("age of the oldest open gap").register(meterRegistry);
        Gauge.builder("seqtrack.aggregates.blocked", this, m -> m.snapshot().blockedAggregates())
                .description("aggregates blocked by parked events").register(meterRegistry);
        Gauge.builder("seqtrack.in_flight", this, m -> m.snapshot().inFlight())
                .description("submissions not yet finished").register(meterRegistry);
    }

    private ProcessorSnapshot snapshot() {
        EventProcessor p = processor.get();
        return p == null ? new ProcessorSnapshot(0, 0, java.util.Optional.empty(), 0, 0) : p.snapshot();
    }

    @Override
    public void on(ProcessorEvent event) {
        MeterRegistry meters = registry.get();
        if (meters == null) {
            return;
        }
        String domain = domain(event.key());
        if (event instanceof ProcessorEvent.Processed p) {
            count(meters, domain, "processed");
            Timer.builder("seqtrack.handler.duration").tag("domain", domain).register(meters).record(p.handlerTime());
        } else if (event instanceof ProcessorEvent.Duplicate) {
            count(meters, domain, "duplicate");
        } else if (event instanceof ProcessorEvent.Buffered) {
            count(meters, domain, "buffered");
        } else if (event instanceof ProcessorEvent.BufferFull) {
            count(meters, domain, "buffer_full");
        } else if (event instanceof ProcessorEvent.Parked) {
            count(meters, domain, "parked");
        } else if (event instanceof ProcessorEvent.Skipped) {
            count(meters, domain, "skipped");
        } else if (event instanceof ProcessorEvent.GapFailed) {
            count(meters, domain, "gap_failed");
        } else if (event instanceof ProcessorEvent.Rejected) {
            count(meters, domain, "rejected");
        } else if (event instanceof ProcessorEvent.Retried) {
            count(meters, domain, "retried");
        } else if (event instanceof ProcessorEvent.Fenced) {
            count(meters, domain, "fenced");
        } else if (event instanceof ProcessorEvent.GapTimedOut t) {
            Counter.builder("seqtrack.gaps.timed_out").tag("domain", domain).tag("policy", t.policy().toLowerCase())
                    .register(meters).increment();
        }
    }

    private static void count(MeterRegistry meters, String domain, String outcome) {
        Counter.builder("seqtrack.events").description("events by outcome").tag("domain", domain)
                .tag("outcome", outcome).register(meters).increment();
    }

    private static String domain(AggregateKey key) {
        return key == null ? "unknown" : key.domain();
    }
}
