package io.seqtrack.cli;

import io.seqtrack.core.port.out.SkippedRange;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Checks a run against the generator's ground truth:
 * <ul>
 *   <li>every delivered sequence was handled exactly once, and each aggregate's in sequence order;</li>
 *   <li>every copy beyond the first was skipped as a duplicate;</li>
 *   <li>every never-delivered sequence below its aggregate's last delivered one was skipped and recorded as a
 *       skipped range (and nothing else was);</li>
 *   <li>the store's last committed sequence is the last delivered one; nothing is left pending or parked;</li>
 *   <li>every submission finished, and the processor reported nothing going wrong.</li>
 * </ul>
 */
final class SimulationVerifier {

    /** Problems listed in full; beyond, only counted. */
    static final int MAX_LISTED = 10;

    private SimulationVerifier() {
    }

    /** The verdict: passed when there is no problem. */
    record Verdict(List<String> problems, long problemCount) {
        Verdict {
            problems = List.copyOf(problems);
        }

        boolean passed() {
            return problemCount == 0;
        }
    }

    static Verdict verify(SimulationPlan plan, SimulationObservation observed) {
        Problems problems = new Problems();
        if (observed.unfinishedWork() != null) {
            problems.add("the processor did not come to rest: " + observed.unfinishedWork());
        }
        observed.errors().forEach(problems::add);
        if (observed.submitted() != plan.deliveries()) {
            problems.add(observed.submitted() + " deliveries submitted, " + plan.deliveries() + " generated");
        }
        if (observed.finished() != observed.submitted()) {
            problems.add((observed.submitted() - observed.finished()) + " submission(s) never finished");
        }
        if (observed.duplicatesSkipped() != plan.duplicates()) {
            problems.add(observed.duplicatesSkipped() + " duplicate(s) skipped, " + plan.duplicates() + " delivered");
        }
        if (observed.aggregates().size() != plan.aggregates()) {
            problems.add(observed.aggregates().size() + " aggregates observed, " + plan.aggregates() + " generated");
            return problems.verdict();
        }
        for (int a = 0; a < plan.aggregates(); a++) {
            verifyAggregate(plan, a, observed.aggregates().get(a), problems);
        }
        return problems.verdict();
    }

    private static void verifyAggregate(SimulationPlan plan, int a, SimulationObservation.Aggregate observed,
            Problems problems) {
        String name = plan.domain() + "/" + plan.aggregateId(a);
        BitSet delivered = plan.delivered(a);
        verifyHandled(plan, name, delivered, observed.handled(), problems);
        verifySkipped(plan, name, delivered, plan.expectedSkipped(a), observed.skipped(), problems);
        long expectedLast = plan.sequence(plan.lastDeliveredOffset(a));
        if (observed.lastCommitted() != expectedLast) {
            problems.add(name + ": last committed #" + observed.lastCommitted() + ", expected #" + expectedLast);
        }
        if (observed.pending() != 0) {
            problems.add(name + ": " + observed.pending() + " event(s) left pending in the buffer");
        }
        if (observed.parked() != 0) {
            problems.add(name + ": " + observed.parked() + " event(s) parked");
        }
    }

    /** Exactly the delivered offsets, each once, ascending. */
    private static void verifyHandled(SimulationPlan plan, String name, BitSet delivered, int[] handled,
            Problems problems) {
        BitSet seen = new BitSet();
        int previous = -1;
        for (int offset : handled) {
            long sequence = plan.sequence(offset);
            if (seen.get(offset)) {
                problems.add(name + " #" + sequence + " handled more than once");
            } else if (!delivered.get(offset)) {
                problems.add(name + " #" + sequence + " handled but never delivered");
            } else if (offset < previous) {
                problems.add(name + " #" + sequence + " handled after #" + plan.sequence(previous)
                        + " (out of sequence order)");
            }
            seen.set(offset);
            previous = Math.max(previous, offset);
        }
        BitSet missing = (BitSet) delivered.clone();
        missing.andNot(seen);
        for (int offset = missing.nextSetBit(0); offset >= 0; offset = missing.nextSetBit(offset + 1)) {
            problems.add(name + " #" + plan.sequence(offset) + " delivered but never handled"
                    + " (did it arrive after its gap was skipped? try a longer --gap-timeout)");
        }
    }

    /** The recorded ranges cover exactly the expected gaps, none twice. */
    private static void verifySkipped(SimulationPlan plan, String name, BitSet delivered, BitSet expected,
            List<SkippedRange> ranges, Problems problems) {
        BitSet recorded = new BitSet();
        for (SkippedRange range : ranges) {
            long from = range.fromSequence() - plan.firstSequence();
            long to = range.toSequence() - plan.firstSequence();
            if (from < 0 || to >= plan.eventsPerAggregate()) {
                problems.add(name + ": skipped range #" + range.fromSequence() + "..#" + range.toSequence()
                        + " lies outside the generated sequences");
                continue;
            }
            BitSet covered = new BitSet();
            covered.set((int) from, (int) to + 1);
            if (covered.intersects(recorded)) {
                problems.add(name + ": skipped range #" + range.fromSequence() + "..#" + range.toSequence()
                        + " overlaps another one");
            }
            recorded.or(covered);
        }
        BitSet notRecorded = (BitSet) expected.clone();
        notRecorded.andNot(recorded);
        for (int offset = notRecorded.nextSetBit(0); offset >= 0; offset = notRecorded.nextSetBit(offset + 1)) {
            problems.add(name + " #" + plan.sequence(offset) + " never delivered but not recorded as skipped");
        }
        BitSet unexpected = (BitSet) recorded.clone();
        unexpected.andNot(expected);
        for (int offset = unexpected.nextSetBit(0); offset >= 0; offset = unexpected.nextSetBit(offset + 1)) {
            problems.add(name + " #" + plan.sequence(offset) + " recorded as skipped but it was "
                    + (delivered.get(offset) ? "delivered" : "after the last delivered sequence"));
        }
    }

    /** Collects the first {@value #MAX_LISTED} problems and counts the rest. */
    private static final class Problems {
        private final List<String> listed = new ArrayList<>();
        private long count;

        void add(String problem) {
            if (listed.size() < MAX_LISTED) {
                listed.add(problem);
            }
            count++;
        }

        Verdict verdict() {
            return new Verdict(listed, count);
        }
    }
}
