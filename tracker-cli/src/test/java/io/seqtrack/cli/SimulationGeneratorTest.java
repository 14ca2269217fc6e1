package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.processor.Event;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generator's ground truth: reproducible, and consistent with the stream it describes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulationGeneratorTest {

    @Test
    void theSameSeedGivesTheSameStream() {
        SimulationPlan one = generate(100, 40, 0.1, 0.1, 0.05, 11);
        SimulationPlan two = generate(100, 40, 0.1, 0.1, 0.05, 11);
        SimulationPlan other = generate(100, 40, 0.1, 0.1, 0.05, 12);

        assertThat(stream(two)).isEqualTo(stream(one));
        assertThat(stream(other)).isNotEqualTo(stream(one));
        assertThat(two.duplicates()).isEqualTo(one.duplicates());
        assertThat(two.displaced()).isEqualTo(one.displaced());
    }

    @Test
    void theStreamDeliversEveryDeliveredSequenceOncePlusItsDuplicateCopies() {
        SimulationPlan plan = generate(50, 60, 0.2, 0.3, 0.05, 5);
        int[][] copies = new int[plan.aggregates()][plan.eventsPerAggregate()];
        for (int i = 0; i < plan.deliveries(); i++) {
            copies[plan.deliveryAggregate(i)][plan.deliveryOffset(i)]++;
        }
        long extra = 0;
        for (int a = 0; a < plan.aggregates(); a++) {
            BitSet delivered = plan.delivered(a);
            for (int offset = 0; offset < plan.eventsPerAggregate(); offset++) {
                assertThat(copies[a][offset] > 0).as("aggregate %d offset %d", a, offset)
                        .isEqualTo(delivered.get(offset));
                extra += Math.max(0, copies[a][offset] - 1);
            }
        }
        assertThat(extra).isEqualTo(plan.duplicates());
        assertThat(plan.deliveries()).isEqualTo(plan.distinctDelivered() + plan.duplicates());
        assertThat(plan.neverDelivered()).isEqualTo(plan.expectedSkippedTotal() + plan.trailingGaps());
    }

    @Test
    void ratesShapeTheStreamRoughlyAsAsked() {
        SimulationPlan plan = generate(1000, 50, 0.1, 0.1, 0.01, 42);

        assertThat(plan.generated()).isEqualTo(50_000);
        assertThat((double) plan.neverDelivered() / plan.generated()).isBetween(0.007, 0.013);
        assertThat((double) plan.duplicates() / plan.distinctDelivered()).isBetween(0.09, 0.11);
        assertThat((double) plan.displaced() / plan.distinctDelivered()).isBetween(0.09, 0.11);
    }

    @Test
    void withoutDisorderEachAggregateArrivesInSequenceOrder() {
        SimulationPlan plan = generate(40, 25, 0, 0, 0, 9);
        int[] next = new int[plan.aggregates()];
        for (int i = 0; i < plan.deliveries(); i++) {
            assertThat(plan.deliveryOffset(i)).isEqualTo(next[plan.deliveryAggregate(i)]++);
        }
        assertThat(plan.deliveries()).isEqualTo(1000);
        assertThat(plan.duplicates()).isZero();
        assertThat(plan.displaced()).isZero();
    }

    @Test
    void aGapRateOfOneDeliversNothing() {
        SimulationPlan plan = generate(10, 10, 0.5, 0.5, 1, 1);

        assertThat(plan.deliveries()).isZero();
        assertThat(plan.neverDelivered()).isEqualTo(100);
        assertThat(plan.trailingGaps()).isEqualTo(100);
        assertThat(plan.lastDeliveredOffset(0)).isEqualTo(-1);
    }

    @Test
    void eventsCarryTheDomainNumberingAndAStableId() {
        SimulationPlan plan = new SimulationGenerator(3, 5, 0, 0, 0, 1).generate("order_book", 0, "sim-x-");

        Event bySequence = plan.event(0, SequenceSource.SEQUENCE_NUMBER);
        Event byVersion = plan.event(0, SequenceSource.AGGREGATE_VERSION);

        assertThat(bySequence.domain()).isEqualTo("order_book");
        assertThat(bySequence.sequence()).hasValue(0);
        assertThat(byVersion.aggregateVersion()).hasValue(0);
        assertThat(byVersion.sequence()).isEmpty();
        assertThat(bySequence.eventId()).isEqualTo(bySequence.aggregateId() + "#0");
        assertThat(plan.aggregateIndex(bySequence.aggregateId())).isEqualTo(plan.deliveryAggregate(0));
        assertThat(plan.aggregateIndex("sim-y-1")).isEqualTo(-1);
        assertThat(plan.aggregateIndex("sim-x-3")).isEqualTo(-1);
    }

    @Test
    void theProgressLineShowsTheFractionDone() {
        assertThat(ProgressBar.simulation(27_000, 54_000, 3))
                .isEqualTo("[###############---------------]  50%  27,000 / 54,000 events sent, 3 gaps open");
        assertThat(ProgressBar.simulation(10, 10, 0)).startsWith("[" + "#".repeat(30) + "] 100%");
        assertThat(ProgressBar.replay(512, 2048, 10, 7, 1))
                .isEqualTo("[########----------------------]  25%  10 lines read, 7 events handled, 1 gap open");
    }

    private static SimulationPlan generate(int aggregates, int events, double duplicates, double reorder, double gaps,
            long seed) {
        return new SimulationGenerator(aggregates, events, duplicates, reorder, gaps, seed)
                .generate("user_account", 1, "sim-t-");
    }

    private static List<Long> stream(SimulationPlan plan) {
        List<Long> deliveries = new ArrayList<>(plan.deliveries());
        for (int i = 0; i < plan.deliveries(); i++) {
            deliveries.add(((long) plan.deliveryAggregate(i) << 32) | plan.deliveryOffset(i));
        }
        return deliveries;
    }
}
