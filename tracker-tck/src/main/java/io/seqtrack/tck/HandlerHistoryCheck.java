package io.seqtrack.tck;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.tck.HandlerHistory.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Judges the handler part of a {@link HandlerHistory} against what the test planned and the store's final state —
 * the single-JVM share of the torture suite's checker (there, histories of several processes are ordered by clock
 * bounds; here tickets order them exactly). Per aggregate of the plan:
 *
 * <ul>
 *   <li><b>exactly once per committed outcome</b>: every planned event is committed ({@code C}) exactly once — or, from
 *       the sequence the plan expects parked on, parked ({@code P}) and never committed — each commit by a completed
 *       handler run of its worker, and the store's last committed sequence is the plan's;</li>
 *   <li><b>in order</b>: no handler run of {@code n+1} starts before the run that committed {@code n} ended (the
 *       committing run: the last completed run of {@code n} in the committing worker before its {@code C});</li>
 *   <li><b>no duplicate handed to a handler</b>: no handler run starts after its event was committed;</li>
 *   <li><b>one run at a time per worker</b>: two runs of one aggregate in one worker never overlap;</li>
 *   <li><b>tokens unique</b>: no fencing token is held by two runs of one aggregate, overlapping or not (every claim,
 *       retries included, gets a fresh token);</li>
 *   <li><b>fenced</b>: of two overlapping runs in different workers, the one that started with the lower token did not
 *       commit;</li>
 *   <li><b>the planned event</b> (when the plan names its events): every handler run of {@code key #seq} was given
 *       an event id and payload the plan has for that aggregate and sequence — an adapter that maps the wrong
 *       header, swaps fields or loses the payload hands the handler an event nobody produced.</li>
 * </ul>
 *
 * A run whose end was never recorded (its worker killed, its handler never returned) lasts to the end of the history.
 * Commits are recorded after the store answered, so across workers {@code C} records may interleave: order is judged
 * on handler runs, not on commit records.
 */
public final class HandlerHistoryCheck {

    /**
     * What the test submitted: {@code eventsPerAggregate}: aggregate id → its events {@code 1..n} of {@code domain};
     * {@code parked}: aggregate id → the first sequence expected to park (it and all after it parked, never run to a
     * commit).
     */
    public record Plan(String domain, Map<String, Long> eventsPerAggregate, Map<String, Long> parked,
            PlannedEvents events) {

        public Plan {
            eventsPerAggregate = Map.copyOf(eventsPerAggregate);
            parked = Map.copyOf(parked);
        }

        /** A plan that does not name its events: the planned-event rule is not checked. */
        public Plan(String domain, Map<String, Long> eventsPerAggregate, Map<String, Long> parked) {
            this(domain, eventsPerAggregate, parked, null);
        }

        /** The last sequence the store must have committed for {@code aggregate}. */
        public long expectedLast(String aggregate) {
            return parked.containsKey(aggregate) ? parked.get(aggregate) - 1 : eventsPerAggregate.get(aggregate);
        }

        /** The history's key of {@code aggregate}: {@code domain/aggregate}. */
        public String key(String aggregate) {
            return new AggregateKey(domain, aggregate).toString();
        }
    }

    /** An event the test produced: its id and payload as the producer wrote them. */
    public record PlannedEvent(String eventId, byte[] payload) {

        /** How a handler start that was given this event reads ({@link HandlerHistory#received}). */
        public String received() {
            return HandlerHistory.received(eventId, payload);
        }
    }

    /**
     * The events produced for an aggregate's sequence: usually one; several where the test produced copies (a
     * redelivering producer), each of which the handler may get.
     */
    @FunctionalInterface
    public interface PlannedEvents {
        List<PlannedEvent> of(String aggregate, long seq);
    }

    /** One handler run, from its {@code S} to its {@code E}/{@code F} ({@code end == MAX_VALUE}: never ended). */
    private record Run(String worker, long seq, long start, long end, long token, boolean completed, String received) {

        boolean overlaps(Run other) {
            return start < other.end && other.start < end;
        }

        @Override
        public String toString() {
            return worker + " #" + seq + " (token " + token + ", " + start + ".."
                    + (end == Long.MAX_VALUE ? "never ended" : end + (completed ? "" : " failed")) + ")";
        }
    }

    private HandlerHistoryCheck() {
    }

    /** The violations of the run, the store's final state read from {@code store}. */
    public static List<String> violations(Plan plan, List<Entry> entries, SequenceStore store) {
        return violations(plan, entries, key -> store.read(key).lastCommitted());
    }

    /** The violations of the run; {@code lastCommitted} gives the store's final last committed sequence of a key. */
    public static List<String> violations(Plan plan, List<Entry> entries, ToLongFunction<AggregateKey> lastCommitted) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Entry>> byKey = new HashMap<>();
        for (Entry e : entries) {
            if (e.key() != null) {
                byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
            }
        }
        plan.eventsPerAggregate().forEach((aggregate, events) -> {
            String key = plan.key(aggregate);
            List<Entry> records = byKey.getOrDefault(key, List.of());
            List<Run> runs = runs(records);
            Map<Long, Run> committers = new HashMap<>();
            checkCommits(plan, aggregate, key, events, records, runs, committers, violations);
            checkRuns(key, records, runs, committers, violations);
            if (plan.events() != null) {
                checkPlannedEvents(plan, aggregate, key, runs, violations);
            }
            long last = lastCommitted.applyAsLong(new AggregateKey(plan.domain(), aggregate));
            if (last != plan.expectedLast(aggregate)) {
                violations.add(key + ": the store says last=" + last + ", expected " + plan.expectedLast(aggregate));
            }
        });
        return violations;
    }

    private static void checkCommits(Plan plan, String aggregate, String key, long events, List<Entry> records,
            List<Run> runs, Map<Long, Run> committers, List<String> violations) {
        long firstParked = plan.parked().getOrDefault(aggregate, Long.MAX_VALUE);
        Map<Long, List<Entry>> commits = new HashMap<>();
        Map<Long, Integer> parks = new HashMap<>();
        for (Entry e : records) {
            if (e.type() == HandlerHistory.COMMITTED) {
                commits.computeIfAbsent(e.seq(), s -> new ArrayList<>()).add(e);
            } else if (e.type() == HandlerHistory.PARKED) {
                parks.merge(e.seq(), 1, Integer::sum);
            }
        }
        for (long seq = 1; seq <= events; seq++) {
            int committed = commits.getOrDefault(seq, List.of()).size();
            int parked = parks.getOrDefault(seq, 0);
            if (seq >= firstParked) {
                if (committed != 0 || parked == 0) {
                    violations.add(key + " #" + seq + ": expected parked, was committed " + committed
                            + " time(s) and parked " + parked + " time(s)");
                }
            } else if (committed != 1) {
                violations.add(key + " #" + seq + " committed " + committed + " times");
            }
        }
        commits.forEach((seq, list) -> {
            if (seq < 1 || seq > events) {
                violations.add(key + " #" + seq + " committed, but the plan has events 1.." + events);
            }
            Entry first = list.get(0);
            Run committer = committingRun(runs, first);
            if (committer == null) {
                violations.add(key + " #" + seq + " committed (" + first + ") without a completed run of "
                        + first.worker());
            } else {
                committers.put(seq, committer);
            }
        });
    }

    private static void checkRuns(String key, List<Entry> records, List<Run> runs, Map<Long, Run> committers,
            List<String> violations) {
        Map<Long, Long> firstCommit = new HashMap<>();
        for (Entry e : records) {
            if (e.type() == HandlerHistory.COMMITTED) {
                firstCommit.putIfAbsent(e.seq(), e.ticket());
            }
        }
        Map<Long, Run> tokenHolders = new HashMap<>();
        for (Run run : runs) {
            Long committedAt = firstCommit.get(run.seq());
            if (committedAt != null && committedAt < run.start()) {
                violations.add(key + ": handler run " + run + " started after #" + run.seq() + " was committed (at "
                        + committedAt + "): a duplicate was handed to the handler");
            }
            if (run.seq() > 1) {
                Run predecessor = committers.get(run.seq() - 1);
                if (predecessor == null || predecessor.end() > run.start()) {
                    violations.add(key + ": handler run " + run + " started before #" + (run.seq() - 1)
                            + " was committed (" + (predecessor == null ? "never" : "its run " + predecessor) + ")");
                }
            }
            Run holder = tokenHolders.putIfAbsent(run.token(), run);
            if (holder != null) {
                violations.add(key + ": fencing token " + run.token() + " held by two runs: " + holder + " and "
                        + run);
            }
        }
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingLong(Run::start));
        for (int i = 0; i < sorted.size(); i++) {
            Run a = sorted.get(i);
            for (int j = i + 1; j < sorted.size() && sorted.get(j).start() < a.end(); j++) {
                Run b = sorted.get(j);
                if (a.worker().equals(b.worker())) {
                    violations.add(key + ": two runs at once in " + a.worker() + ": " + a + " and " + b);
                    continue;
                }
                if (a.token() == b.token()) {
                    continue; // reported as a reused token
                }
                Run lower = a.token() < b.token() ? a : b;
                Run higher = lower == a ? b : a;
                if (committers.get(lower.seq()) == lower) {
                    violations.add(key + " #" + lower.seq() + ": " + lower + " committed although it overlapped "
                            + higher + ", which started with a higher token");
                }
            }
        }
    }

    private static void checkPlannedEvents(Plan plan, String aggregate, String key, List<Run> runs,
            List<String> violations) {
        for (Run run : runs) {
            List<PlannedEvent> planned = plan.events().of(aggregate, run.seq());
            if (run.received() == null) {
                violations.add(key + ": handler run " + run + " recorded no event (the test must record what the "
                        + "handler was given)");
            } else if (planned == null || planned.stream().noneMatch(p -> p.received().equals(run.received()))) {
                violations.add(key + ": handler run " + run + " was given " + run.received() + ", but the plan has "
                        + (planned == null || planned.isEmpty() ? "no event for #" + run.seq()
                                : planned.stream().map(PlannedEvent::received).toList()));
            }
        }
    }

    /**
     * Handler runs from S/E/F records, in order of their starts; an end closes the oldest open start of the same
     * worker and sequence. A start without an end lasts to the end of the history.
     */
    private static List<Run> runs(List<Entry> records) {
        Map<String, Deque<Entry>> open = new LinkedHashMap<>();
        Map<Entry, Run> runs = new LinkedHashMap<>();
        for (Entry e : records) {
            String id = e.worker() + " " + e.seq();
            if (e.type() == HandlerHistory.STARTED) {
                open.computeIfAbsent(id, k -> new ArrayDeque<>()).add(e);
                runs.put(e, new Run(e.worker(), e.seq(), e.ticket(), Long.MAX_VALUE, e.token(), false, e.detail()));
            } else if (e.type() == HandlerHistory.ENDED || e.type() == HandlerHistory.FAILED) {
                Deque<Entry> starts = open.get(id);
                Entry start = starts == null ? null : starts.poll();
                if (start != null) {
                    runs.put(start, new Run(start.worker(), start.seq(), start.ticket(), e.ticket(), start.token(),
                            e.type() == HandlerHistory.ENDED, start.detail()));
                }
            }
        }
        return List.copyOf(runs.values());
    }

    /** The last completed run of the committing worker for that sequence that ended before its commit record. */
    private static Run committingRun(List<Run> runs, Entry commit) {
        Run found = null;
        for (Run run : runs) {
            if (run.worker().equals(commit.worker()) && run.seq() == commit.seq() && run.completed()
                    && run.end() < commit.ticket() && (found == null || run.end() > found.end())) {
                found = run;
            }
        }
        return found;
    }
}
