package io.seqtrack.torture;

import io.seqtrack.torture.History.Entry;
import io.seqtrack.torture.TorturePlan.Aggregate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks the histories of a torture run against its plan and the final state of the store and buffer.
 *
 * <ul>
 *   <li><b>exactly once</b>: every sequence up to the aggregate's final {@code last} was committed by exactly one
 *       handler run, or skipped by the gap policy — missing sequences, or late ones that had not reached any buffer
 *       when the gap timed out (never one the buffer held);</li>
 *   <li><b>in order</b>: the committing run of {@code n+1} started after the committing run of {@code n} ended;</li>
 *   <li><b>fenced, not overlapping</b>: of two handler runs on one aggregate that overlap in time, the one with the
 *       lower fencing token was not committed (its lease had run out; it was fenced), and no two share a token;</li>
 *   <li><b>nothing lost</b>: no acknowledged commit is missing from the store, every event beyond {@code last} is
 *       parked or buffered, and an aggregate only stops at a permanent gap or a parked event;</li>
 *   <li><b>accounted</b>: every delivery ended with a safe outcome (processed, duplicate, buffered, parked,
 *       skipped).</li>
 * </ul>
 *
 * A commit record can be missing although the commit landed: its worker was killed right after, or the reply was
 * lost (a timeout, e.g. when a paused JVM resumes). Such a commit is accepted, and counted as "outcome unknown", only
 * when a completed handler run of that event exists; a store that advanced without one is a violation.
 */
final class HistoryChecker {

    /** The end state of one aggregate, read from the store and the buffer after the run. */
    record FinalState(long last, Set<Long> parked, Set<Long> pending, Set<Long> skipped) {
    }

    /** What a run did and what broke. {@code duplicates}, {@code outOfOrder}, {@code lost} count violations. */
    record Figures(int events, int deliveries, int processors, long handlerRuns, long injectedFailures, long fenced,
            long overlapsFenced, long committed, long skipped, long skippedLate, long parked, long parkedLate,
            long duplicates, long outOfOrder, long lost, long overlapsCommitted, long unaccounted,
            long acceptedUnrecorded, List<String> violations) {

        /** The same figures with {@code more} violations found outside the histories (e.g. a worker's exit code). */
        Figures plus(List<String> more) {
            List<String> all = new ArrayList<>(violations);
            all.addAll(more);
            return new Figures(events, deliveries, processors, handlerRuns, injectedFailures, fenced, overlapsFenced,
                    committed, skipped, skippedLate, parked, parkedLate, duplicates, outOfOrder, lost,
                    overlapsCommitted, unaccounted, acceptedUnrecorded, List.copyOf(all));
        }
    }

    private record Run(String proc, String key, long seq, long start, long end, long token, boolean completed) {
    }

    private HistoryChecker() {
    }

    static Figures check(TorturePlan plan, List<Entry> entries, Map<String, FinalState> finals, Set<String> deadProcs,
            int deliveriesSent) {
        List<String> violations = new ArrayList<>();
        Map<String, TorturePlan.Delivery> deliveriesById = new HashMap<>();
        plan.deliveries().forEach(d -> deliveriesById.put(d.id(), d));
        Map<String, List<Run>> runsByKey = runs(entries);
        Map<String, Map<Long, List<Entry>>> commits = new HashMap<>();
        Set<String> procs = new HashSet<>();
        long injected = 0;
        long fenced = 0;
        long parkedRecords = 0;
        Set<String> acked = new HashSet<>();
        long unaccounted = 0;
        for (Entry e : entries) {
            procs.add(e.proc());
            switch (e.type()) {
                case 'C' -> commits.computeIfAbsent(e.key(), k -> new TreeMap<>())
                        .computeIfAbsent(e.seq(), s -> new ArrayList<>()).add(e);
                case 'F' -> injected++;
                case 'X' -> fenced++;
                case 'P' -> parkedRecords++;
                case 'A' -> {
                    String outcome = e.fields().get(1);
                    if (!TortureWorker.SAFE_OUTCOMES.contains(outcome)) {
                        unaccounted++;
                        violations.add("delivery " + e.fields().get(0) + " ended " + outcome);
                    }
                    acked.add(original(e.fields().get(0)));
                }
                default -> { }
            }
        }
        long duplicates = 0;
        long outOfOrder = 0;
        long lost = 0;
        long overlapsCommitted = 0;
        long overlapsFenced = 0;
        long committedTotal = 0;
        long skippedTotal = 0;
        long parkedTotal = 0;
        long acceptedUnrecorded = 0;
        long skippedLate = 0;
        long parkedLate = 0;
        for (Aggregate aggregate : plan.aggregates().values()) {
            String key = aggregate.key();
            FinalState end = finals.getOrDefault(key, new FinalState(0, Set.of(), Set.of(), Set.of()));
            Map<Long, List<Entry>> byseq = commits.getOrDefault(key, Map.of());
            List<Run> runs = runsByKey.getOrDefault(key, List.of());
            Map<Long, Run> committing = new TreeMap<>();
            for (Map.Entry<Long, List<Entry>> c : byseq.entrySet()) {
                long seq = c.getKey();
                if (c.getValue().size() > 1) {
                    duplicates += c.getValue().size() - 1;
                    violations.add(key + " #" + seq + " committed " + c.getValue().size() + " times");
                }
                if (seq > end.last()) {
                    lost++;
                    violations.add(key + " #" + seq + " was committed but the store says last=" + end.last());
                }
                Entry first = c.getValue().get(0);
                Run run = committingRun(runs, first);
                if (run == null) {
                    violations.add(key + " #" + seq + " committed by " + first.proc() + " without a completed run");
                } else {
                    committing.put(seq, run);
                }
            }
            for (long seq = 1; seq <= end.last(); seq++) {
                boolean skipped = end.skipped().contains(seq);
                if (skipped) {
                    skippedTotal++;
                    if (aggregate.exists(seq)) {
                        // gap policy SKIP skips what has not arrived by the gap timeout; a late event is then a
                        // duplicate. Skipping an event the buffer already held would be a loss.
                        long skippedAt = skipTime(entries, key, seq);
                        long s = seq;
                        boolean wasBuffered = entries.stream().anyMatch(e -> e.type() == 'A'
                                && "BUFFERED".equals(e.fields().get(1)) && e.micros() < skippedAt
                                && matches(deliveriesById, e.fields().get(0), key, s));
                        if (wasBuffered) {
                            lost++;
                            violations.add(key + " #" + seq + " was skipped although it was buffered before");
                        } else if (byseq.containsKey(seq)) {
                            // the skip record is written ahead of the skip; a racing commit won (handled once)
                            committedTotal++;
                            skippedTotal--;
                        } else {
                            skippedLate++;
                        }
                    }
                    continue;
                }
                if (byseq.containsKey(seq)) {
                    committedTotal++;
                    continue;
                }
                long s = seq;
                // the commit landed but its worker never learned it: killed right after, or the reply timed out
                // (a paused JVM's command timeout fires on resume). A completed handler run must exist.
                Run unrecorded = runs.stream().filter(r -> r.seq() == s && r.completed())
                        .max(Comparator.comparingLong(r -> deadProcs.contains(r.proc()) ? Long.MAX_VALUE : r.end()))
                        .orElse(null);
                if (unrecorded != null) {
                    acceptedUnrecorded++;
                    committedTotal++;
                    committing.put(seq, unrecorded);
                } else {
                    lost++;
                    violations.add(key + " #" + seq + " is committed in the store but no run committed it");
                }
            }
            for (long seq = end.last() + 1; seq <= aggregate.events(); seq++) {
                if (!aggregate.exists(seq)) {
                    continue;
                }
                if (end.parked().contains(seq)) {
                    parkedTotal++;
                    if (aggregate.missing() == 0 || seq < aggregate.missing() || aggregate.skips()) {
                        parkedLate++; // parked by the gap policy although nothing was missing for good: it was late
                    }
                } else if (!end.pending().contains(seq)) {
                    lost++;
                    violations.add(key + " #" + seq + " is neither committed, parked nor buffered (last="
                            + end.last() + ")");
                }
            }
            long next = end.last() + 1;
            if (next <= aggregate.events() && aggregate.exists(next) && !end.parked().contains(next)) {
                lost++;
                violations.add(key + " stopped at last=" + end.last() + " although #" + next
                        + " was delivered and is not parked");
            }
            Run previous = null;
            for (Run run : committing.values()) {
                if (previous != null && run.seq() == previous.seq() + 1 && run.start() < previous.end()) {
                    outOfOrder++;
                    violations.add(key + " #" + run.seq() + " started at " + run.start() + " before #"
                            + previous.seq() + " ended at " + previous.end());
                }
                previous = run;
            }
            Set<Run> committingRuns = new HashSet<>(committing.values());
            List<Run> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingLong(Run::start));
            for (int i = 0; i < sorted.size(); i++) {
                for (int j = i + 1; j < sorted.size() && sorted.get(j).start() < sorted.get(i).end(); j++) {
                    Run a = sorted.get(i);
                    Run b = sorted.get(j);
                    if (a.proc().equals(b.proc())) {
                        continue;
                    }
                    if (a.token() == b.token()) {
                        overlapsCommitted++;
                        violations.add(key + ": runs of " + a.proc() + " and " + b.proc() + " overlap with token "
                                + a.token());
                        continue;
                    }
                    Run lower = a.token() < b.token() ? a : b;
                    if (committingRuns.contains(lower)) {
                        overlapsCommitted++;
                        violations.add(key + " #" + lower.seq() + ": " + lower.proc() + " (token " + lower.token()
                                + ") committed although a run with a higher token overlapped it");
                    } else {
                        overlapsFenced++;
                    }
                }
            }
        }
        long unacked = plan.deliveries().stream().filter(d -> !acked.contains(d.id())).count();
        if (unacked > 0) {
            unaccounted += unacked;
            violations.add(unacked + " deliveries never acknowledged");
        }
        long handlerRuns = runsByKey.values().stream().mapToLong(List::size).sum();
        return new Figures(plan.distinctEvents(), deliveriesSent, procs.size(), handlerRuns, injected, fenced,
                overlapsFenced, committedTotal, skippedTotal, skippedLate, parkedTotal, parkedLate, duplicates,
                outOfOrder, lost, overlapsCommitted, unaccounted, acceptedUnrecorded, List.copyOf(violations));
    }

    /** When {@code seq} was skipped (the earliest K record covering it), or {@code Long.MAX_VALUE} if unrecorded. */
    private static long skipTime(List<Entry> entries, String key, long seq) {
        return entries.stream().filter(e -> e.type() == 'K' && e.key().equals(key)
                        && Long.parseLong(e.fields().get(1)) <= seq && seq <= Long.parseLong(e.fields().get(2)))
                .mapToLong(Entry::micros).min().orElse(Long.MAX_VALUE);
    }

    private static boolean matches(Map<String, TorturePlan.Delivery> deliveries, String deliveryId, String key,
            long seq) {
        TorturePlan.Delivery d = deliveries.get(original(deliveryId));
        return d != null && d.key().equals(key) && d.seq() == seq;
    }

    /** {@code d17.r2} (second redelivery of d17) → {@code d17}. */
    static String original(String deliveryId) {
        int dot = deliveryId.indexOf('.');
        return dot < 0 ? deliveryId : deliveryId.substring(0, dot);
    }

    /** Handler runs per aggregate from S/E/F records; a run without an end (killed worker) lasts forever. */
    private static Map<String, List<Run>> runs(List<Entry> entries) {
        Map<String, Entry> open = new HashMap<>();
        Map<String, List<Run>> runs = new HashMap<>();
        for (Entry e : entries) {
            if (e.type() != 'S' && e.type() != 'E' && e.type() != 'F') {
                continue;
            }
            String id = e.proc() + " " + e.key() + " " + e.seq();
            if (e.type() == 'S') {
                open.put(id, e);
                continue;
            }
            Entry start = open.remove(id);
            if (start == null) {
                continue; // the start was torn off with a killed worker's last line
            }
            runs.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(new Run(e.proc(), e.key(), e.seq(),
                    start.micros(), e.micros(), Math.max(start.token(), e.token()), e.type() == 'E'));
        }
        for (Entry start : open.values()) {
            runs.computeIfAbsent(start.key(), k -> new ArrayList<>()).add(new Run(start.proc(), start.key(),
                    start.seq(), start.micros(), Long.MAX_VALUE, start.token(), false));
        }
        return runs;
    }

    /** The last completed run of the committing processor for that sequence before its commit record. */
    private static Run committingRun(List<Run> runs, Entry commit) {
        Run found = null;
        for (Run run : runs) {
            if (run.proc().equals(commit.proc()) && run.seq() == commit.seq() && run.completed()
                    && run.end() <= commit.micros() && (found == null || run.end() > found.end())) {
                found = run;
            }
        }
        return found;
    }
}
