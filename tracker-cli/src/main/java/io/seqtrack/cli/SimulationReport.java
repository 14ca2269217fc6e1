package io.seqtrack.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * The summary table of a simulation: the generator's ground truth next to what the processor reported, timing, and
 * the verification verdict as the last line.
 *
 * @param plan                the ground truth
 * @param store               {@code memory} or the Redis URI
 * @param lanes               lane threads
 * @param gapTimeout          the gap timeout the simulation ran with (policy SKIP)
 * @param seed                the generator's seed
 * @param submitted           deliveries submitted
 * @param processed           events handled and committed
 * @param processedFromBuffer of those, events that waited in the buffer first
 * @param duplicatesSkipped   copies recognised as duplicates
 * @param skippedSequences    sequences the processor skipped over
 * @param skippedRanges       ranges those were recorded in
 * @param parked              events parked
 * @param pending             events left pending at the end
 * @param elapsed             from the first submission until the processor came to rest
 * @param verdict             the verification
 */
record SimulationReport(SimulationPlan plan, String store, int lanes, Duration gapTimeout, long seed, long submitted,
        long processed, long processedFromBuffer, long duplicatesSkipped, long skippedSequences, long skippedRanges,
        long parked, long pending, Duration elapsed, SimulationVerifier.Verdict verdict) {

    void print(PrintWriter out) {
        out.printf(Locale.ROOT, "seqtrack simulate: %s aggregates x %s events of %s, seed %d%n",
                count(plan.aggregates()), count(plan.eventsPerAggregate()), plan.domain(), seed);
        out.printf(Locale.ROOT, "store %s, %d lane%s, gap policy SKIP after %s, aggregate ids %s0 .. %s%d%n%n",
                store, lanes, lanes == 1 ? "" : "s", duration(gapTimeout), plan.idPrefix(), plan.idPrefix(),
                plan.aggregates() - 1);
        out.println("expected: what the generator made and sent (the truth); observed: what the processor reported");
        out.println();
        row(out, "", "expected", "observed");
        row(out, "events generated", count(plan.generated()), "");
        row(out, "  never sent (gaps that never fill)", count(plan.neverDelivered()), "");
        row(out, "events sent, duplicate copies included", count(plan.deliveries()), count(submitted));
        row(out, "duplicate copies recognised, not handled", count(plan.duplicates()), count(duplicatesSkipped));
        row(out, "events sent out of order", count(plan.displaced()), "");
        row(out, "held back for a predecessor, then handled", "", count(processedFromBuffer));
        row(out, "missing events skipped after the gap timeout", count(plan.expectedSkippedTotal()),
                count(skippedSequences));
        row(out, "  skip records (one per run of missing events)", "", count(skippedRanges));
        // nothing after an aggregate's last event reveals that events are missing there: no gap opens
        row(out, "missing at an aggregate's end (no later event)", count(plan.trailingGaps()), "not visible");
        row(out, "handled exactly once, in order", count(plan.distinctDelivered()), count(processed));
        row(out, "parked", "0", count(parked));
        row(out, "still buffered at the end", "0", count(pending));
        row(out, "elapsed", "", String.format(Locale.ROOT, "%.2f s", elapsed.toNanos() / 1e9));
        double seconds = Math.max(elapsed.toNanos(), 1) / 1e9;
        row(out, "throughput (events sent per second)", "", count(Math.round(submitted / seconds)));
        out.println();
        if (verdict.passed()) {
            out.println("verification: PASSED");
        } else {
            for (String problem : verdict.problems()) {
                out.println("  - " + problem);
            }
            long more = verdict.problemCount() - verdict.problems().size();
            if (more > 0) {
                out.println("  - … and " + count(more) + " more");
            }
            out.println("verification: FAILED: " + count(verdict.problemCount()) + " problem"
                    + (verdict.problemCount() == 1 ? "" : "s") + ", first: " + verdict.problems().get(0));
        }
        out.flush();
    }

    private static void row(PrintWriter out, String label, String generated, String processor) {
        out.printf(Locale.ROOT, "%-46s %11s %15s%n", label, generated, processor);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String duration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
