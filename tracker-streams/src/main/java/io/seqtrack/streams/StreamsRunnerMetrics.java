package io.seqtrack.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Micrometer meters of a {@link StreamsConsumerRunner}: add it as a listener to the builder, then {@link #bind} the
 * built runner for the gauge.
 *
 * <ul>
 *   <li>{@code seqtrack.streams.entries{outcome}} — entries acknowledged ({@code XACK}), by the processor's outcome;</li>
 *   <li>{@code seqtrack.streams.rejected{kind}} — entries handed to the rejection handler (unmappable, delivery
 *       limit, …);</li>
 *   <li>{@code seqtrack.streams.left_pending} — entries without a safe outcome, left pending for a takeover;</li>
 *   <li>{@code seqtrack.streams.claimed} — idle pending entries taken over ({@code XCLAIM}), this consumer's own or a
 *       dead one's;</li>
 *   <li>{@code seqtrack.streams.claimed.delivery} — distribution of the delivery number of each takeover (2: the
 *       first redelivery; near {@code maxDeliveries}: entries going round without a safe outcome);</li>
 *   <li>{@code seqtrack.streams.trimmed_while_pending} — pending entries the stream no longer holds: gaps;</li>
 *   <li>{@code seqtrack.streams.taken_over_by_peer} — entries taken over by a peer while this runner held them (it
 *       was stalled past {@code claimIdle}); left to the peer, no longer refreshed here;</li>
 *   <li>gauge {@code seqtrack.streams.in_flight} — entries read and not yet acknowledged by this runner;</li>
 *   <li>gauges {@code seqtrack.streams.pending} and {@code seqtrack.streams.pending.owned} — the group's pending
 *       entries and this consumer's, as of the runner's last takeover round.</li>
 * </ul>
 *
 * Alert on {@code trimmed_while_pending} (events lost to the group: trim with {@code MINID} behind the group, not
 * {@code MAXLEN}), on {@code rejected}, on {@code left_pending} that keeps rising (a store outage), and look into
 * {@code taken_over_by_peer} (pauses longer than {@code claimIdle}: GC, an overloaded host).
 */
public final class StreamsRunnerMetrics implements StreamsRunnerListener {

    private final MeterRegistry registry;
    private final Counter leftPending;
    private final Counter claimed;
    private final Counter trimmed;
    private final Counter takenOverByPeer;
    private final DistributionSummary claimedDelivery;

    private StreamsRunnerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.leftPending = registry.counter("seqtrack.streams.left_pending");
        this.claimed = registry.counter("seqtrack.streams.claimed");
        this.trimmed = registry.counter("seqtrack.streams.trimmed_while_pending");
        this.takenOverByPeer = registry.counter("seqtrack.streams.taken_over_by_peer");
        this.claimedDelivery = DistributionSummary.builder("seqtrack.streams.claimed.delivery")
                .description("the delivery number of entries taken over").register(registry);
    }

    public static StreamsRunnerMetrics create(MeterRegistry registry) {
        return new StreamsRunnerMetrics(Objects.requireNonNull(registry, "registry"));
    }

    /** Registers the gauge, read from {@code runner}. */
    public void bind(StreamsConsumerRunner runner) {
        Objects.requireNonNull(runner, "runner");
        Gauge.builder("seqtrack.streams.in_flight", runner, StreamsConsumerRunner::inFlight)
                .description("entries read and not yet acknowledged").register(registry);
        Gauge.builder("seqtrack.streams.pending", runner, StreamsConsumerRunner::groupPending)
                .description("the group's pending entries, as of the last takeover round").register(registry);
        Gauge.builder("seqtrack.streams.pending.owned", runner, StreamsConsumerRunner::ownedPending)
                .description("this consumer's pending entries, as of the last takeover round").register(registry);
    }

    @Override
    public void on(StreamsRunnerEvent event) {
        if (event instanceof StreamsRunnerEvent.Acknowledged a) {
            registry.counter("seqtrack.streams.entries", "outcome", a.outcome().name().toLowerCase()).increment();
        } else if (event instanceof StreamsRunnerEvent.Rejected r) {
            registry.counter("seqtrack.streams.rejected", "kind", r.rejection().kind().name().toLowerCase())
                    .increment();
        } else if (event instanceof StreamsRunnerEvent.LeftPending) {
            leftPending.increment();
        } else if (event instanceof StreamsRunnerEvent.Claimed c) {
            claimed.increment();
            claimedDelivery.record(c.delivery());
        } else if (event instanceof StreamsRunnerEvent.TrimmedWhilePending) {
            trimmed.increment();
        } else if (event instanceof StreamsRunnerEvent.TakenOverByPeer) {
            takenOverByPeer.increment();
        }
    }
}
