package io.seqtrack.torture;

import io.seqtrack.torture.History.Entry;
import io.seqtrack.torture.TorturePlan.Aggregate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks the histories of a torture run against its plan and the final state of the store and buffer.
 *
 * <p>Commits and the end state:
 * <ul>
 *   <li><b>exactly once</b>: every sequence up to the aggregate's final {@code last} was committed by exactly one
 *       handler run, or skipped by the gap policy — missing sequences, or late ones that had not reached any buffer
 *       when the gap timed out (never one the buffer held);</li>
 *   <li><b>nothing lost</b>: no acknowledged commit is missing from the store, every event beyond {@code last} is
 *       parked or buffered, and an aggregate only stops at a permanent gap or a parked event;</li>
 *   <li><b>accounted</b>: every delivery ended with a safe outcome (processed, duplicate, buffered, parked,
 *       skipped).</li>
 * </ul>
 *
 * <p>Every handler run, committed or not (what handlers saw):
 * <ul>
 *   <li><b>the planned event</b>: the event id and payload hash the handler received are the plan's for that
 *       (aggregate, sequence);</li>
 *   <li><b>no duplicate handed to a handler</b>: no run of {@code n} starts after {@code n} was certainly committed;
 *       </li>
 *   <li><b>in order</b>: no run of {@code n+1} starts before {@code n} may have been committed;</li>
 *   <li><b>tokens unique</b>: no fencing token is held by two runs of one aggregate, overlapping or not, across
 *       resets and deletes too;</li>
 *   <li><b>one run at a time per processor</b>: two runs of one aggregate in one processor never overlap;</li>
 *   <li><b>fenced</b>: of two overlapping runs in different processors, the one that <em>started</em> with the lower
 *       token did not commit (judging by the token it ended with would let a renewal that became a fresh claim pass).
 *   </li>
 * </ul>
 *
 * <p><b>When is {@code n} committed?</b> The histories give bounds, not an instant, and the checker uses the bound
 * that favours the processor, so a report is always a real violation. Timestamps are {@code CLOCK_REALTIME}
 * microseconds of one machine, so the processes share one clock. A commit landed after the committing run's handler
 * returned ({@code E}) and before its worker wrote {@code C} (which it does once the store answered). So a run of
 * {@code n+1} is out of order only if it started before that {@code E}; a start inside the commit's round trip
 * ({@code E}..{@code C}) is accepted. A run of {@code n} is a duplicate only if it started after that {@code C}.
 * That tolerance is the commit's own measured round trip, not a constant. Why it is enough: a legitimate run of
 * {@code n} that does not commit claimed {@code n} before the committing claim, which could only be made once that
 * earlier claim had expired, a whole lease later; its {@code S} record would have to be written more than a lease
 * after its claim answered. That happens only if its process was frozen in between, so such a start is accepted
 * (counted as {@code frozenLateStarts}) only when the test reports a freeze of that process that began before the
 * commit, the run's token is lower than the committing run's, and it did not commit. Skips are bounded by the gap's
 * timeout record ({@code G}) and the skip record ({@code K}); an operator reset to {@code last} counts as committing
 * {@code 1..last} during its call, and re-handling above {@code last} after it is expected (the aggregate's epochs).
 *
 * <p>A commit record can be missing although the commit landed: its worker was killed right after, or the reply was
 * lost (a timeout, e.g. when a paused JVM resumes). Such a commit is accepted, and counted as "outcome unknown", only
 * when a completed handler run of that event exists; a store that advanced without one is a violation.
 */
final class HistoryChecker {

    /** The end state of one aggregate, read from the store and the buffer after the run. */
    record FinalState(long last, Set<Long> parked, Set<Long> pending, Set<Long> skipped) {
    }

    /**
     * What a run did and what broke. Violations: {@code duplicates} (an event committed twice), {@code outOfOrder}
     * (a handler run, committing or not, started before its predecessor may have been committed), {@code lost},
     * {@code overlapsCommitted} (the lower token of two overlapping runs committed), {@code unaccounted},
     * {@code runsAfterCommit} (a handler run started after its event was committed), {@code tokensReused},
     * {@code overlapsInProcess}, {@code eventMismatches} (a handler got another event or payload than planned).
     * {@code frozenLateStarts} counts runs that started after their event was committed but are accounted for by a
     * freeze of their process (see {@link HistoryChecker}).
     */
    record Figures(int events, int deliveries, int processors, long handlerRuns, long injectedFailures, long fenced,
            long overlapsFenced, long committed, long skipped, long skippedLate, long parked, long parkedLate,
            long duplicates, long outOfOrder, long lost, long overlapsCommitted, long unaccounted,
            long acceptedUnrecorded, long runsAfterCommit, long frozenLateStarts, long tokensReused,
            long overlapsInProcess, long eventMismatches, List<String> violations) {

        /** The same figures with {@code more} violations found outside the histories (e.g. a worker's exit code). */
        Figures plus(List<String> more) {
            List<String> all = new ArrayList<>(violations);
            all.addAll(more);
            return new Figures(events, deliveries, processors, handlerRuns, injectedFailures, fenced, overlapsFenced,
                    committed, skipped, skippedLate, parked, parkedLate, duplicates, outOfOrder, lost,
                    overlapsCommitted, unaccounted, acceptedUnrecorded, runsAfterCommit, frozenLateStarts,
                    tokensReused, overlapsInProcess, eventMismatches, List.copyOf(all));
        }
    }

    /**
     * An operator's {@code reset(key, last)} (a {@code delete} is a reset to 0), called at {@code fromMicros} and
     * returned at {@code toMicros}: sequences above {@code last} may be handled again after it.
     */
    record Reset(String key, long last, long fromMicros, long toMicros) {
    }

    /** A process frozen (SIGSTOP) from {@code fromMicros} until it was continued at {@code toMicros}. */
    record Freeze(String proc, long fromMicros, long toMicros) {
    }

    /** What the test did to the run besides delivering: resets and freezes the checker must know about. */
    record Interventions(List<Reset> resets, List<Freeze> freezes) {
        static final Interventions NONE = new Interventions(List.of(), List.of());
    }

    /**
     * One handler run. {@code startToken} is the token it was started with, {@code endToken} the one it ended with
     * (different when a lease renewal handed out a new token). {@code eventId}/{@code payloadHash} are what the handler
     * received ({@code null} when not recorded).
     */
    private record Run(String proc, String key, long seq, long start, long end, long startToken, long endToken,
            boolean completed, String eventId, String payloadHash) {

        String describe() {
            return proc + " #" + seq + " (token " + startToken + (endToken != startToken ? "→" + endToken : "")
                    + ", " + start + ".." + (end == Long.MAX_VALUE ? "never ended" : end) + ")";
        }
    }

    private HistoryChecker() {
    }

    static Figures check(TorturePlan plan, List<Entry> entries, Map<String, FinalState> finals, Set<String> deadProcs,
            int deliveriesSent) {
        return check(plan, entries, finals, deadProcs, deliveriesSent, Interventions.NONE);
    }

    static Figures check(TorturePlan plan, List<Entry> entries, Map<String, FinalState> finals, Set<String> deadProcs,
            int deliveriesSent, Interventions interventions) {
        List<String> violations = new ArrayList<>();
        Map<String, TorturePlan.Delivery> deliveriesById = new HashMap<>();
        plan.deliveries().forEach(d -> deliveriesById.put(d.id(), d));
        Map<String, TorturePlan.Expected> expected = plan.expectedEvents();
        Map<String, List<Run>> runsByKey = runs(entries);
        Map<String, List<Entry>> recordsByKey = new HashMap<>();
        Set<String> procs = new HashSet<>();
        long injected = 0;
        long fenced = 0;
        Set<String> acked = new HashSet<>();
        long unaccounted = 0;
        for (Entry e : entries) {
            procs.add(e.proc());
            switch (e.type()) {
                case 'C', 'K', 'G' -> recordsByKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
                case 'F' -> injected++;
                case 'X' -> {
                    fenced++;
                    recordsByKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
                }
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
        Counts n = new Counts();
        for (Aggregate aggregate : plan.aggregates().values()) {
            String key = aggregate.key();
            FinalState end = finals.getOrDefault(key, new FinalState(0, Set.of(), Set.of(), Set.of()));
            List<Run> runs = runsByKey.getOrDefault(key, List.of());
            List<Reset> resets = interventions.resets().stream().filter(r -> r.key().equals(key))
                    .sorted(Comparator.comparingLong(Reset::fromMicros)).toList();
            Timeline timeline = new Timeline(runs, recordsByKey.getOrDefault(key, List.of()), resets);
            checkCommits(aggregate, end, entries, deliveriesById, deadProcs, runs, timeline, violations, n);
            checkRuns(aggregate, runs, timeline, expected, interventions.freezes(), violations, n);
        }
        long unacked = plan.deliveries().stream().filter(d -> !acked.contains(d.id())).count();
        if (unacked > 0) {
            unaccounted += unacked;
            violations.add(unacked + " deliveries never acknowledged");
        }
        long handlerRuns = runsByKey.values().stream().mapToLong(List::size).sum();
        return new Figures(plan.distinctEvents(), deliveriesSent, procs.size(), handlerRuns, injected, fenced,
                n.overlapsFenced, n.committed, n.skipped, n.skippedLate, n.parked, n.parkedLate, n.duplicates,
                n.outOfOrder, n.lost, n.overlapsCommitted, unaccounted, n.acceptedUnrecorded, n.runsAfterCommit,
                n.frozenLateStarts, n.tokensReused, n.overlapsInProcess, n.eventMismatches,
                List.copyOf(violations));
    }

    /**
     * Exactly once and nothing lost, judged by commits and the end state: every sequence up to the final {@code last}
     * was committed once per epoch (or skipped, or committed before the last reset), nothing acknowledged is missing
     * from the store, nothing beyond {@code last} is unaccounted for.
     */
    private static void checkCommits(Aggregate aggregate, FinalState end, List<Entry> entries,
            Map<String, TorturePlan.Delivery> deliveriesById, Set<String> deadProcs, List<Run> runs,
            Timeline timeline, List<String> violations, Counts n) {
        String key = aggregate.key();
        for (int epoch = 0; epoch <= timeline.finalEpoch(); epoch++) {
            for (Map.Entry<Long, List<Entry>> c : timeline.commits(epoch).entrySet()) {
                long seq = c.getKey();
                if (c.getValue().size() > 1) {
                    n.duplicates += c.getValue().size() - 1;
                    violations.add(key + " #" + seq + " committed " + c.getValue().size() + " times"
                            + (epoch > 0 ? " after reset " + epoch : ""));
                }
                if (epoch == timeline.finalEpoch() && seq > end.last()) {
                    n.lost++;
                    violations.add(key + " #" + seq + " was committed but the store says last=" + end.last());
                }
                Entry first = c.getValue().get(0);
                if (timeline.committer(first) == null) {
                    violations.add(key + " #" + seq + " committed by " + first.proc() + " without a completed run");
                }
            }
        }
        Map<Long, List<Entry>> byseq = timeline.commits(timeline.finalEpoch());
        long resetTo = timeline.finalEpoch() == 0 ? 0 : timeline.resets.get(timeline.finalEpoch() - 1).last();
        for (long seq = 1; seq <= end.last(); seq++) {
            if (end.skipped().contains(seq)) {
                n.skipped++;
                if (aggregate.exists(seq)) {
                    // gap policy SKIP skips what has not arrived by the gap timeout; a late event is then a
                    // duplicate. Skipping an event the buffer already held would be a loss.
                    long at = seq;
                    long skippedAt = timeline.skips.stream().filter(k -> covers(k, at))
                            .mapToLong(Entry::micros).min().orElse(Long.MAX_VALUE);
                    boolean wasBuffered = entries.stream().anyMatch(e -> e.type() == 'A'
                            && "BUFFERED".equals(e.fields().get(1)) && e.micros() < skippedAt
                            && matches(deliveriesById, e.fields().get(0), key, at));
                    if (wasBuffered) {
                        n.lost++;
                        violations.add(key + " #" + seq + " was skipped although it was buffered before");
                    } else if (byseq.containsKey(seq)) {
                        // the skip record is written ahead of the skip; a racing commit won (handled once)
                        n.committed++;
                        n.skipped--;
                    } else {
                        n.skippedLate++;
                    }
                }
                continue;
            }
            if (byseq.containsKey(seq) || seq <= resetTo) {
                n.committed++;
                continue;
            }
            long at = seq;
            // the commit landed but its worker never learned it: killed right after, or the reply timed out
            // (a paused JVM's command timeout fires on resume). A completed handler run must exist.
            Run unrecorded = runs.stream().filter(r -> r.seq() == at && r.completed()
                            && timeline.epochOf(r.start()) == timeline.finalEpoch())
                    .max(Comparator.comparingLong(r -> deadProcs.contains(r.proc()) ? Long.MAX_VALUE : r.end()))
                    .orElse(null);
            if (unrecorded != null) {
                n.acceptedUnrecorded++;
                n.committed++;
                timeline.committing.add(unrecorded);
            } else {
                n.lost++;
                violations.add(key + " #" + seq + " is committed in the store but no run committed it");
            }
        }
        for (long seq = end.last() + 1; seq <= aggregate.events(); seq++) {
            if (!aggregate.exists(seq)) {
                continue;
            }
            if (end.parked().contains(seq)) {
                n.parked++;
                if (aggregate.missing() == 0 || seq < aggregate.missing() || aggregate.skips()) {
                    n.parkedLate++; // parked by the gap policy although nothing was missing for good: it was late
                }
            } else if (!end.pending().contains(seq)) {
                n.lost++;
                violations.add(key + " #" + seq + " is neither committed, parked nor buffered (last="
                        + end.last() + ")");
            }
        }
        long next = end.last() + 1;
        if (next <= aggregate.events() && aggregate.exists(next) && !end.parked().contains(next)) {
            n.lost++;
            violations.add(key + " stopped at last=" + end.last() + " although #" + next
                    + " was delivered and is not parked");
        }
    }

    /**
     * What every handler run saw, committed or not: the event the plan has for its sequence, not one already
     * committed, not before its predecessor was committed, with a token no other run held, not overlapping another
     * run of its processor, and — when overlapping another processor's run — fenced if it held the lower token.
     */
    private static void checkRuns(Aggregate aggregate, List<Run> runs, Timeline timeline,
            Map<String, TorturePlan.Expected> expected, List<Freeze> freezes, List<String> violations, Counts n) {
        String key = aggregate.key();
        Map<Long, Run> tokenHolders = new HashMap<>();
        for (Run run : runs) {
            TorturePlan.Expected want = expected.get(key + "#" + run.seq());
            if (want == null || !want.eventId().equals(run.eventId()) || !want.payloadHash().equals(run.payloadHash())) {
                n.eventMismatches++;
                violations.add(key + ": handler run " + run.describe() + " received event " + run.eventId()
                        + " with payload hash " + run.payloadHash() + "; the plan has "
                        + (want == null ? "no such event" : want.eventId() + " / " + want.payloadHash()));
            }
            int epoch = timeline.epochOf(run.start());
            long committedBy = timeline.certainlyCommitted(epoch, run.seq());
            if (run.start() > committedBy) {
                Run winner = timeline.committer(epoch, run.seq());
                boolean frozenBefore = freezes.stream().anyMatch(f -> f.proc().equals(run.proc())
                        && f.fromMicros() < committedBy && f.fromMicros() < run.start());
                if (frozenBefore && winner != null && !timeline.committing.contains(run)
                        && run.startToken() < winner.startToken()) {
                    // claimed before the winner, then frozen before its handler started: fenced, as a pause inside
                    // the handler would be (its token is lower than the winner's, and it did not commit)
                    n.frozenLateStarts++;
                } else {
                    n.runsAfterCommit++;
                    violations.add(key + ": handler run " + run.describe() + " started after #" + run.seq()
                            + " was committed (by " + committedBy + "): a duplicate was handed to the handler");
                }
            }
            long predecessorFrom = timeline.mayHaveCommitted(epoch, run.seq() - 1);
            if (run.start() < predecessorFrom) {
                n.outOfOrder++;
                violations.add(key + ": handler run " + run.describe() + " started before #" + (run.seq() - 1)
                        + " was committed (" + (predecessorFrom == Long.MAX_VALUE ? "never"
                        : "not before " + predecessorFrom) + ")");
            }
            for (long token : run.startToken() == run.endToken() ? new long[] {run.startToken()}
                    : new long[] {run.startToken(), run.endToken()}) {
                Run holder = tokenHolders.putIfAbsent(token, run);
                if (holder != null && holder != run) {
                    n.tokensReused++;
                    violations.add(key + ": fencing token " + token + " held by two runs: " + holder.describe()
                            + " and " + run.describe());
                }
            }
        }
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingLong(Run::start));
        for (int i = 0; i < sorted.size(); i++) {
            for (int j = i + 1; j < sorted.size() && sorted.get(j).start() < sorted.get(i).end(); j++) {
                Run a = sorted.get(i);
                Run b = sorted.get(j);
                if (a.proc().equals(b.proc())) {
                    n.overlapsInProcess++;
                    violations.add(key + ": two runs in one processor overlap: " + a.describe() + " and "
                            + b.describe());
                    continue;
                }
                if (a.startToken() == b.startToken()) {
                    continue; // reported as a reused token
                }
                Run lower = a.startToken() < b.startToken() ? a : b;
                Run higher = lower == a ? b : a;
                if (timeline.committing.contains(lower)) {
                    n.overlapsCommitted++;
                    violations.add(key + " #" + lower.seq() + ": " + lower.describe()
                            + " committed although it overlapped " + higher.describe()
                            + (lower.endToken() > higher.startToken() ? ", whose token its renewal jumped past"
                            + " (a renewal became a fresh claim)" : ""));
                } else {
                    n.overlapsFenced++;
                }
            }
        }
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

    /**
     * Handler runs per aggregate from S/E/F records; a run without an end (killed worker, or one that never returned)
     * lasts forever. An end closes the oldest open start of the same processor, aggregate and sequence.
     */
    private static Map<String, List<Run>> runs(List<Entry> entries) {
        Map<String, Deque<Entry>> open = new LinkedHashMap<>();
        Map<String, List<Run>> runs = new HashMap<>();
        for (Entry e : entries) {
            if (e.type() != 'S' && e.type() != 'E' && e.type() != 'F') {
                continue;
            }
            String id = e.proc() + " " + e.key() + " " + e.seq();
            if (e.type() == 'S') {
                open.computeIfAbsent(id, k -> new ArrayDeque<>()).add(e);
                continue;
            }
            Deque<Entry> starts = open.get(id);
            Entry start = starts == null ? null : starts.poll();
            if (start == null) {
                continue; // the start was torn off with a killed worker's last line
            }
            runs.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(run(start, e.micros(), e.token(),
                    e.type() == 'E'));
        }
        for (Deque<Entry> starts : open.values()) {
            for (Entry start : starts) {
                runs.computeIfAbsent(start.key(), k -> new ArrayList<>())
                        .add(run(start, Long.MAX_VALUE, start.token(), false));
            }
        }
        return runs;
    }

    private static Run run(Entry start, long end, long endToken, boolean completed) {
        List<String> f = start.fields();
        return new Run(start.proc(), start.key(), start.seq(), start.micros(), end, start.token(), endToken,
                completed, f.size() > 4 ? f.get(4) : null, f.size() > 5 ? f.get(5) : null);
    }

    /** Sequences {@code from..to} of a G or K record. */
    private static boolean covers(Entry range, long seq) {
        return Long.parseLong(range.fields().get(1)) <= seq && seq <= Long.parseLong(range.fields().get(2));
    }

    /** The counts behind {@link Figures}, filled aggregate by aggregate. */
    private static final class Counts {
        long duplicates;
        long outOfOrder;
        long lost;
        long overlapsCommitted;
        long overlapsFenced;
        long committed;
        long skipped;
        long parked;
        long acceptedUnrecorded;
        long skippedLate;
        long parkedLate;
        long runsAfterCommit;
        long frozenLateStarts;
        long tokensReused;
        long overlapsInProcess;
        long eventMismatches;
    }

    /**
     * When each sequence of one aggregate was committed, as far as the histories can tell. The histories give bounds,
     * not instants: a commit landed after the committing run's handler returned ({@code E}, the lower bound) and
     * before its worker wrote the commit record ({@code C}, written once the store answered: the upper bound). A
     * skip landed after its gap timed out ({@code G}) and before the {@code K} record (written once the skip
     * answered). An operator reset to {@code last} counts as committing {@code 1..last} during its call.
     *
     * <p>Resets split the aggregate's life into epochs: a record belongs to the epoch of its time (the number of
     * resets called before it), and only that epoch's commits count for it.
     */
    private static final class Timeline {
        private final List<Reset> resets;
        private final List<Run> runs;
        /** epoch → sequence → its commit records, in time order. */
        private final Map<Integer, Map<Long, List<Entry>>> commits = new HashMap<>();
        private final List<Entry> gaps = new ArrayList<>();
        private final List<Entry> skips = new ArrayList<>();
        private final List<Entry> fences = new ArrayList<>();
        private final Map<Entry, Run> committerOf = new HashMap<>();
        /** Every run whose commit landed: those with a commit record, and those accepted without one. */
        final Set<Run> committing = new HashSet<>();

        Timeline(List<Run> runs, List<Entry> records, List<Reset> resets) {
            this.runs = runs;
            this.resets = resets;
            List<Entry> sorted = new ArrayList<>(records);
            sorted.sort(Comparator.comparingLong(Entry::micros));
            for (Entry e : sorted) {
                switch (e.type()) {
                    case 'C' -> {
                        commits.computeIfAbsent(epochOf(e.micros()), k -> new TreeMap<>())
                                .computeIfAbsent(e.seq(), k -> new ArrayList<>()).add(e);
                        Run committer = committingRun(runs, e);
                        if (committer != null) {
                            committerOf.put(e, committer);
                            committing.add(committer);
                        }
                    }
                    case 'G' -> gaps.add(e);
                    case 'K' -> skips.add(e);
                    case 'X' -> fences.add(e);
                    default -> { }
                }
            }
        }

        int epochOf(long micros) {
            return (int) resets.stream().filter(r -> r.fromMicros() < micros).count();
        }

        int finalEpoch() {
            return resets.size();
        }

        /** The reset that opened {@code epoch}, if it covers {@code seq} (that is, {@code seq <= last}). */
        private Reset resetCovering(int epoch, long seq) {
            return epoch > 0 && seq <= resets.get(epoch - 1).last() ? resets.get(epoch - 1) : null;
        }

        Map<Long, List<Entry>> commits(int epoch) {
            return commits.getOrDefault(epoch, Map.of());
        }

        Run committer(Entry commit) {
            return committerOf.get(commit);
        }

        /** The run that made the first commit of {@code seq} in {@code epoch}, if recorded. */
        Run committer(int epoch, long seq) {
            List<Entry> c = commits(epoch).get(seq);
            return c == null ? null : committerOf.get(c.get(0));
        }

        /** The earliest time {@code seq} may have been committed in {@code epoch}; {@code MAX_VALUE} if never. */
        long mayHaveCommitted(int epoch, long seq) {
            if (seq < 1) {
                return Long.MIN_VALUE;
            }
            Reset reset = resetCovering(epoch, seq);
            if (reset != null) {
                return reset.fromMicros();
            }
            long bound = Long.MAX_VALUE;
            for (Entry c : commits(epoch).getOrDefault(seq, List.of())) {
                Run committer = committerOf.get(c);
                bound = Math.min(bound, committer != null ? committer.end() : c.micros());
            }
            for (Entry g : gaps) {
                if (epochOf(g.micros()) == epoch && covers(g, seq)) {
                    bound = Math.min(bound, g.micros());
                }
            }
            if (bound == Long.MAX_VALUE) {
                // no commit record (the worker died, or the reply was lost): any completed, unfenced run may have —
                // but not one whose token a later claim of seq superseded (see below)
                for (Run r : runs) {
                    if (r.seq() == seq && r.completed() && epochOf(r.start()) == epoch && !fenced(r)
                            && !superseded(r)) {
                        bound = Math.min(bound, r.end());
                    }
                }
            }
            if (bound == Long.MAX_VALUE && commits(epoch).containsKey(seq + 1)) {
                // the successor committed, so seq was committed by someone, and only a completed run can have: a run
                // that reports CLAIM_LOST may have committed too — its first commit's answer was lost (a killed master)
                // and the retry found a newer claim than its own (the successor's). Not a run whose token a later claim
                // of seq itself superseded: that claim proves seq was not committed when it was made, and the older
                // token could not commit after it
                for (Run r : runs) {
                    if (r.seq() == seq && r.completed() && epochOf(r.start()) == epoch && !superseded(r)) {
                        bound = Math.min(bound, r.end());
                    }
                }
            }
            return bound;
        }

        /** The time by which {@code seq} was certainly committed in {@code epoch}; {@code MAX_VALUE} if unknown. */
        long certainlyCommitted(int epoch, long seq) {
            if (seq < 1) {
                return Long.MIN_VALUE;
            }
            Reset reset = resetCovering(epoch, seq);
            if (reset != null) {
                return reset.toMicros();
            }
            long bound = Long.MAX_VALUE;
            List<Entry> c = commits(epoch).get(seq);
            if (c != null) {
                bound = c.get(0).micros();
            }
            for (Entry k : skips) {
                if (epochOf(k.micros()) == epoch && covers(k, seq)) {
                    bound = Math.min(bound, k.micros());
                }
            }
            Run successor = committer(epoch, seq + 1);
            if (bound == Long.MAX_VALUE && successor != null) {
                bound = successor.start(); // the successor's claim succeeded only once seq was committed
            }
            return bound;
        }

        /** A later run of the same sequence in this epoch claimed with a higher token than {@code run} ended with. */
        private boolean superseded(Run run) {
            int epoch = epochOf(run.start());
            return runs.stream().anyMatch(o -> o != run && o.seq() == run.seq() && o.startToken() > run.endToken()
                    && epochOf(o.start()) == epoch);
        }

        private boolean fenced(Run run) {
            return fences.stream().anyMatch(x -> x.proc().equals(run.proc()) && x.seq() == run.seq()
                    && x.token() == run.endToken() && x.micros() >= run.end());
        }
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
