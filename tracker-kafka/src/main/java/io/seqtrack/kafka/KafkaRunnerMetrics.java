package io.seqtrack.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Micrometer meters of a {@link KafkaConsumerRunner}: add it as a listener to the builder, then {@link #bind} the
 * built runner for the gauges.
 *
 * <ul>
 *   <li>{@code seqtrack.kafka.records{outcome}} — records acknowledged, by the processor's outcome;</li>
 *   <li>{@code seqtrack.kafka.rejected{kind}} — records handed to the rejection handler;</li>
 *   <li>{@code seqtrack.kafka.redeliveries} — partitions rewound (BUFFER_FULL, store failing closed, …);</li>
 *   <li>{@code seqtrack.kafka.commits{result}} — offset commits, {@code ok} or {@code failed};</li>
 *   <li>gauges {@code seqtrack.kafka.lag} (records fetched whose offsets are not committable yet: the lag of the
 *       committable offset behind the fetched one, summed over partitions), {@code seqtrack.kafka.partitions.paused},
 *       {@code seqtrack.kafka.in_flight}.</li>
 * </ul>
 *
 * Alert on a lag that only grows (a record that never settles: a gap waiting for its timeout, a store outage) and on
 * paused partitions that stay paused (a caught-up partition beside one held back is paused for
 * {@code fetch.max.wait.ms} at most each time a queue fills: docs/brokers.md, <em>Back-pressure</em>).
 */
public final class KafkaRunnerMetrics implements KafkaRunnerListener {

    private final MeterRegistry registry;
    private final Counter redeliveries;
    private final Counter commitsOk;
    private final Counter commitsFailed;

    private KafkaRunnerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.redeliveries = registry.counter("seqtrack.kafka.redeliveries");
        this.commitsOk = registry.counter("seqtrack.kafka.commits", "result", "ok");
        this.commitsFailed = registry.counter("seqtrack.kafka.commits", "result", "failed");
    }

    public static KafkaRunnerMetrics create(MeterRegistry registry) {
        return new KafkaRunnerMetrics(Objects.requireNonNull(registry, "registry"));
    }

    /** Registers the gauges, read from {@code runner}'s snapshot. */
    public void bind(KafkaConsumerRunner runner) {
        Objects.requireNonNull(runner, "runner");
        Gauge.builder("seqtrack.kafka.lag", runner, r -> r.snapshot().lag())
                .description("records fetched whose offsets are not committable yet").register(registry);
        Gauge.builder("seqtrack.kafka.partitions.paused", runner, r -> r.snapshot().pausedPartitions())
                .description("partitions paused by back-pressure, a redelivery backoff, or caught up beside one held back")
                .register(registry);
        Gauge.builder("seqtrack.kafka.in_flight", runner, r -> r.snapshot().inFlight())
                .description("records submitted and not yet acknowledged").register(registry);
    }

    @Override
    public void on(KafkaRunnerEvent event) {
        if (event instanceof KafkaRunnerEvent.Acknowledged a) {
            registry.counter("seqtrack.kafka.records", "outcome", a.outcome().name().toLowerCase()).increment();
        } else if (event instanceof KafkaRunnerEvent.Rejected r) {
            registry.counter("seqtrack.kafka.rejected", "kind", r.rejected().kind().name().toLowerCase()).increment();
        } else if (event instanceof KafkaRunnerEvent.Redelivering) {
            redeliveries.increment();
        } else if (event instanceof KafkaRunnerEvent.Committed) {
            commitsOk.increment();
        } else if (event instanceof KafkaRunnerEvent.CommitFailed) {
            commitsFailed.increment();
        }
    }
}
