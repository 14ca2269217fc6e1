package io.seqtrack.streams;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.streams.History.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges a run from its {@link History}, what was appended to the stream, and the store's final state:
 *
 * <ul>
 *   <li><b>exactly once per committed outcome</b>: every planned event is committed exactly once — or, from the
 *       sequence the test expects parked on, parked and never committed — and the store's last sequence is the
 *       plan's;</li>
 *   <li><b>in order</b>: no handler run of {@code n+1} starts before the run that committed {@code n} ended; no handler
 *       run starts after its event was committed; two runs of one aggregate in one worker never overlap;</li>
 *   <li><b>safe acknowledgements</b>: an entry carrying an event is acknowledged ({@code A}, recorded after the
 *       {@code XACK}) only after its event was committed ({@code C} earlier in the history), never as {@code BUFFERED}
 *       or {@code PARKED} — the scenarios run the in-memory buffer, where both die with the process; an entry
 *       acknowledged through the rejection path ({@code J}) is one the test expects rejected.</li>
 * </ul>
 */
final class RunCheck {

    /** What the test appended: entry id → {@code aggregate#seq}; events per aggregate; first parked sequence. */
    record Plan(String domain, Map<String, String> appended, Map<String, Long> eventsPerAggregate,
            Map<String, Long> parked, java.util.Set<String> expectedRejected) {

        long expectedLast(String aggregate) {
            return parked.containsKey(aggregate) ? parked.get(aggregate) - 1 : eventsPerAggregate.get(aggregate);
        }
    }

    private RunCheck() {
    }

    static List<String> violations(Plan plan, List<Entry> entries, SequenceStore store) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Entry>> byKey = new HashMap<>();
        for (Entry e : entries) {
            if (e.key() != null) {
                byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
            }
        }
        plan.eventsPerAggregate().forEach((aggregate, events) -> {
            String key = plan.domain() + "/" + aggregate;
            List<Entry> records = byKey.getOrDefault(key, List.of());
            checkCommits(plan, aggregate, key, events, records, violations);
            checkRuns(key, records, violations);
            long last = store.read(new AggregateKey(plan.domain(), aggregate)).lastCommitted();
            if (last != plan.expectedLast(aggregate)) {
                violations.add(key + ": the store says last=" + last + ", expected " + plan.expectedLast(aggregate));
            }
        });
        checkAcknowledgements(plan, entries, violations);
        return violations;
    }

    private static void checkCommits(Plan plan, String aggregate, String key, long events, List<Entry> records,
            List<String> violations) {
        long firstParked = plan.parked().getOrDefault(aggregate, Long.MAX_VALUE);
        for (long seq = 1; seq <= events; seq++) {
            long s = seq;
            long committed = records.stream().filter(e -> e.type() == 'C' && e.seq() == s).count();
            long parked = records.stream().filter(e -> e.type() == 'P' && e.seq() == s).count();
            if (seq >= firstParked) {
                if (committed != 0 || parked == 0) {
                    violations.add(key + " #" + seq + ": expected parked, was committed " + committed
                            + " time(s) and parked " + parked + " time(s)");
                }
            } else if (committed != 1) {
                violations.add(key + " #" + seq + " committed " + committed + " times");
            }
        }
    }

    private static void checkRuns(String key, List<Entry> records, List<String> violations) {
        Map<Long, Entry> commitOf = new HashMap<>();
        for (Entry e : records) {
            if (e.type() == 'C') {
                commitOf.putIfAbsent(e.seq(), e);
            }
        }
        Map<String, Entry> openRunByWorker = new HashMap<>();
        for (Entry e : records) {
            if (e.type() == 'S') {
                Entry committed = commitOf.get(e.seq());
                if (committed != null && committed.ticket() < e.ticket()) {
                    violations.add(key + " #" + e.seq() + ": handler run started after the event was committed (" + e
                            + ")");
                }
                if (e.seq() > 1) {
                    Entry end = committingRunEnd(records, commitOf.get(e.seq() - 1));
                    if (end == null || end.ticket() > e.ticket()) {
                        violations.add(key + " #" + e.seq() + ": handler run started before #" + (e.seq() - 1)
                                + " was committed (" + e + ")");
                    }
                }
                Entry open = openRunByWorker.put(e.worker(), e);
                if (open != null) {
                    violations.add(key + ": two runs at once in " + e.worker() + ": " + open + " and " + e);
                }
            } else if (e.type() == 'E' || e.type() == 'F') {
                openRunByWorker.remove(e.worker());
            }
        }
    }

    /** The end of the run whose commit is {@code commit}: the last run of that event its worker ended before it. */
    private static Entry committingRunEnd(List<Entry> records, Entry commit) {
        if (commit == null) {
            return null;
        }
        Entry end = null;
        for (Entry e : records) {
            if (e.ticket() > commit.ticket()) {
                break;
            }
            if (e.type() == 'E' && e.seq() == commit.seq() && e.worker().equals(commit.worker())) {
                end = e;
            }
        }
        return end;
    }

    private static void checkAcknowledgements(Plan plan, List<Entry> entries, List<String> violations) {
        // "aggregate#seq" → first ticket committed; a park does not count: the buffer is in memory, so is the park
        Map<String, Long> settledAt = new HashMap<>();
        String prefix = plan.domain() + "/";
        for (Entry e : entries) {
            if (e.type() == 'C' && e.key().startsWith(prefix)) {
                settledAt.putIfAbsent(e.key().substring(prefix.length()) + "#" + e.seq(), e.ticket());
            }
        }
        for (Entry e : entries) {
            if (e.type() == 'A') {
                String event = plan.appended().get(e.entryId());
                if ("BUFFERED".equals(e.detail()) || "PARKED".equals(e.detail())) {
                    violations.add("acknowledged " + e.detail() + " with a buffer that is not durable: " + e + " ("
                            + event + ")");
                } else if (event != null) {
                    Long at = settledAt.get(event);
                    if (at == null || at > e.ticket()) {
                        violations.add("entry " + e.entryId() + " (" + event + ") acknowledged (" + e + ") before its "
                                + "event was committed" + (at == null ? " (never)" : " (at " + at + ")"));
                    }
                }
            } else if (e.type() == 'J' && !plan.expectedRejected().contains(e.entryId())) {
                violations.add("entry " + e.entryId() + " (" + plan.appended().get(e.entryId()) + ") rejected: " + e);
            }
        }
    }
}
