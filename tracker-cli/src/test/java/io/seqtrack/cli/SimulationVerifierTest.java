package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.port.out.SkippedRange;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The verification can fail: a faithful observation of the plan passes, and each way a processor could go wrong,
 * tampered into that observation, is reported.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulationVerifierTest {

    /** Small and dense: plenty of duplicates, displacements and gaps (including inner ones) to tamper with. */
    private final SimulationPlan plan = new SimulationGenerator(20, 30, 0.2, 0.2, 0.1, 3)
            .generate("user_account", 1, "sim-test-");

    @Test
    void aFaithfulObservationPasses() {
        SimulationVerifier.Verdict verdict = SimulationVerifier.verify(plan, faithful(plan));

        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.passed()).isTrue();
    }

    @Test
    void anEventHandledTwiceFails() {
        int a = aggregateWithInnerGap();
        SimulationVerifier.Verdict verdict = verify(a, o -> withHandled(o, append(o.handled(), o.handled()[0])));

        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.problems()).anyMatch(p -> p.contains(plan.aggregateId(a) + " #")
                && p.endsWith("handled more than once"));
    }

    @Test
    void aDeliveredEventNeverHandledFails() {
        int a = aggregateWithInnerGap();
        int[] handled = plan.delivered(a).stream().skip(1).toArray();
        SimulationVerifier.Verdict verdict = verify(a, o -> withHandled(o, handled));

        assertThat(verdict.problems()).anyMatch(p -> p.contains("#" + plan.sequence(plan.delivered(a).nextSetBit(0))
                + " delivered but never handled"));
    }

    @Test
    void eventsHandledOutOfSequenceOrderFail() {
        int a = aggregateWithInnerGap();
        int[] handled = plan.delivered(a).stream().toArray();
        int tmp = handled[0];
        handled[0] = handled[1];
        handled[1] = tmp;
        SimulationVerifier.Verdict verdict = verify(a, o -> withHandled(o, handled));

        assertThat(verdict.problems()).anyMatch(p -> p.endsWith("(out of sequence order)"));
    }

    @Test
    void aGapNotRecordedAsSkippedFails() {
        int a = aggregateWithInnerGap();
        SimulationVerifier.Verdict verdict = verify(a, o -> new SimulationObservation.Aggregate(o.handled(),
                o.skipped().subList(1, o.skipped().size()), 0, 0, o.lastCommitted()));

        assertThat(verdict.problems()).anyMatch(p -> p.endsWith("never delivered but not recorded as skipped"));
    }

    @Test
    void aDeliveredEventRecordedAsSkippedFails() {
        int a = aggregateWithInnerGap();
        long delivered = plan.sequence(plan.delivered(a).nextSetBit(0));
        List<SkippedRange> skipped = new ArrayList<>(faithfulAggregate(plan, a).skipped());
        skipped.add(new SkippedRange(delivered, delivered, Instant.EPOCH, "tampered"));
        SimulationVerifier.Verdict verdict = verify(a, o -> new SimulationObservation.Aggregate(o.handled(), skipped,
                0, 0, o.lastCommitted()));

        assertThat(verdict.problems()).anyMatch(p -> p.endsWith("#" + delivered + " recorded as skipped but it was "
                + "delivered"));
    }

    @Test
    void eventsLeftPendingOrParkedFail() {
        int a = aggregateWithInnerGap();
        SimulationVerifier.Verdict verdict = verify(a, o -> new SimulationObservation.Aggregate(o.handled(),
                o.skipped(), 2, 1, o.lastCommitted()));

        assertThat(verdict.problemCount()).isEqualTo(2);
        assertThat(verdict.problems()).anyMatch(p -> p.endsWith("2 event(s) left pending in the buffer"))
                .anyMatch(p -> p.endsWith("1 event(s) parked"));
    }

    @Test
    void aStoreBehindTheLastDeliveredSequenceFails() {
        int a = aggregateWithInnerGap();
        SimulationVerifier.Verdict verdict = verify(a, o -> new SimulationObservation.Aggregate(o.handled(),
                o.skipped(), 0, 0, o.lastCommitted() - 1));

        assertThat(verdict.problems()).containsExactly("user_account/" + plan.aggregateId(a) + ": last committed #"
                + (plan.sequence(plan.lastDeliveredOffset(a)) - 1) + ", expected #"
                + plan.sequence(plan.lastDeliveredOffset(a)));
    }

    @Test
    void runLevelDiscrepanciesFail() {
        SimulationObservation ok = faithful(plan);
        SimulationObservation tampered = new SimulationObservation(ok.aggregates(), ok.submitted(), ok.submitted() - 1,
                ok.duplicatesSkipped() - 1, List.of("parked user_account/x #3: handler failed"), "2 gap(s) open");

        SimulationVerifier.Verdict verdict = SimulationVerifier.verify(plan, tampered);

        assertThat(verdict.problems()).containsExactly(
                "the processor did not come to rest: 2 gap(s) open",
                "parked user_account/x #3: handler failed",
                "1 submission(s) never finished",
                (plan.duplicates() - 1) + " duplicate(s) skipped, " + plan.duplicates() + " delivered");
    }

    @Test
    void manyProblemsAreCountedButOnlyTheFirstAreListed() {
        List<SimulationObservation.Aggregate> nothingHandled = new ArrayList<>();
        for (int a = 0; a < plan.aggregates(); a++) {
            SimulationObservation.Aggregate o = faithfulAggregate(plan, a);
            nothingHandled.add(withHandled(o, new int[0]));
        }
        SimulationObservation ok = faithful(plan);
        SimulationVerifier.Verdict verdict = SimulationVerifier.verify(plan, new SimulationObservation(nothingHandled,
                ok.submitted(), ok.finished(), ok.duplicatesSkipped(), List.of(), null));

        assertThat(verdict.problems()).hasSize(SimulationVerifier.MAX_LISTED);
        assertThat(verdict.problemCount()).isEqualTo(plan.distinctDelivered());
    }

    @Test
    void theReportEndsWithTheFailureAndListsTheProblems() {
        SimulationVerifier.Verdict verdict = verify(aggregateWithInnerGap(),
                o -> new SimulationObservation.Aggregate(o.handled(), o.skipped(), 1, 0, o.lastCommitted()));
        StringWriter text = new StringWriter();

        new SimulationReport(plan, "memory", 2, Duration.ofMillis(200), 3, plan.deliveries(), 0, 0, 0, 0, 0, 0, 1,
                Duration.ofMillis(1500), verdict).print(new PrintWriter(text));

        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(lines.size() - 2)).startsWith("  - user_account/sim-test-");
        assertThat(lines.get(lines.size() - 1)).startsWith("verification: FAILED: 1 problem, first: user_account/")
                .endsWith("1 event(s) left pending in the buffer");
    }

    // ------------------------------------------------------------------ helpers

    private SimulationVerifier.Verdict verify(int aggregate,
            UnaryOperator<SimulationObservation.Aggregate> tamper) {
        SimulationObservation ok = faithful(plan);
        List<SimulationObservation.Aggregate> aggregates = new ArrayList<>(ok.aggregates());
        aggregates.set(aggregate, tamper.apply(aggregates.get(aggregate)));
        return SimulationVerifier.verify(plan, new SimulationObservation(aggregates, ok.submitted(), ok.finished(),
                ok.duplicatesSkipped(), ok.errors(), ok.unfinishedWork()));
    }

    /** An aggregate with a gap below its last delivered sequence and at least two delivered events. */
    private int aggregateWithInnerGap() {
        for (int a = 0; a < plan.aggregates(); a++) {
            if (!plan.expectedSkipped(a).isEmpty() && plan.delivered(a).cardinality() >= 2) {
                return a;
            }
        }
        throw new AssertionError("the plan has no aggregate with an inner gap; pick denser rates");
    }

    /** What a correct processor leaves behind. */
    static SimulationObservation faithful(SimulationPlan plan) {
        List<SimulationObservation.Aggregate> aggregates = new ArrayList<>();
        for (int a = 0; a < plan.aggregates(); a++) {
            aggregates.add(faithfulAggregate(plan, a));
        }
        return new SimulationObservation(aggregates, plan.deliveries(), plan.deliveries(), plan.duplicates(),
                List.of(), null);
    }

    static SimulationObservation.Aggregate faithfulAggregate(SimulationPlan plan, int a) {
        BitSet missing = plan.expectedSkipped(a);
        List<SkippedRange> ranges = new ArrayList<>();
        for (int from = missing.nextSetBit(0); from >= 0; from = missing.nextSetBit(missing.nextClearBit(from))) {
            int to = missing.nextClearBit(from) - 1;
            ranges.add(new SkippedRange(plan.sequence(from), plan.sequence(to), Instant.EPOCH, "gap timed out"));
        }
        return new SimulationObservation.Aggregate(plan.delivered(a).stream().toArray(), ranges, 0, 0,
                plan.sequence(plan.lastDeliveredOffset(a)));
    }

    private static SimulationObservation.Aggregate withHandled(SimulationObservation.Aggregate o, int[] handled) {
        return new SimulationObservation.Aggregate(handled, o.skipped(), o.pending(), o.parked(), o.lastCommitted());
    }

    private static int[] append(int[] values, int value) {
        int[] more = java.util.Arrays.copyOf(values, values.length + 1);
        more[values.length] = value;
        return more;
    }
}
