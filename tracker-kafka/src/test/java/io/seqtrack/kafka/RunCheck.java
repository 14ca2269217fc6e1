package io.seqtrack.kafka;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.kafka.History.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Judges a run from its {@link History}, what was produced where, and the store's final state:
 *
 * <ul>
 *   <li><b>exactly once per committed outcome</b>: every planned event is committed exactly once — or, if the test
 *       expects it parked, parked and never committed — and the store's last committed sequence is the plan's;</li>
 *   <li><b>in order</b>: no handler run of {@code n+1} starts before the run that committed {@code n} ended (the
 *       last run of {@code n} its worker ended before recording the commit); no handler run starts after its event
 *       was committed (a duplicate handed to a handler);</li>
 *   <li><b>safe commits</b>: when an offset {@code o} is about to be committed for a partition, every record produced
 *       to it below {@code o} is already accounted for: its event committed or parked, the record rejected, or — with
 *       a durable buffer only — acknowledged as BUFFERED; with an in-memory buffer no record is ever acknowledged as
 *       BUFFERED;</li>
 *   <li><b>one run at a time</b>: two runs of one aggregate in one worker never overlap.</li>
 * </ul>
 */
final class RunCheck {

    /** A produced record: where it landed and which event it carries ({@code key == null}: not an event). */
    record Produced(TopicPartition partition, long offset, String key, long seq) {
    }

    /**
     * What the test produced and what it expects. {@code parked}: key → first sequence expected to park;
     * {@code durableBuffer}: whether a BUFFERED record may be acknowledged at once (Redis) or never (in-memory).
     */
    record Plan(String domain, Map<String, Long> eventsPerAggregate, List<Produced> produced, Map<String, Long> parked,
            boolean durableBuffer) {

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
        checkOffsetCommits(plan, entries, violations);
        return violations;
    }

    private static void checkCommits(Plan plan, String aggregate, String key, long events, List<Entry> records,
            List<String> violations) {
        long firstParked = plan.parked().getOrDefault(aggregate, Long.MAX_VALUE);
        // the order of commits is the store's to keep; C records are written after a commit returned, so across
        // workers they may interleave — order is judged on handler runs (checkRuns)
        List<Entry> commits = records.stream().filter(e -> e.type() == 'C').toList();
        for (long seq = 1; seq <= events; seq++) {
            long s = seq;
            long committed = commits.stream().filter(c -> c.seq() == s).count();
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

    private static void checkOffsetCommits(Plan plan, List<Entry> entries, List<String> violations) {
        Map<String, Long> settledAt = new HashMap<>(); // "key#seq" or "partition@offset" → first ticket accounted
        for (Entry e : entries) {
            switch (e.type()) {
                case 'C' -> settledAt.putIfAbsent(e.key() + "#" + e.seq(), e.ticket());
                case 'P' -> {
                    if (plan.durableBuffer()) { // a park in memory dies with the process: not safe to acknowledge
                        settledAt.putIfAbsent(e.key() + "#" + e.seq(), e.ticket());
                    }
                }
                case 'J' -> settledAt.putIfAbsent(e.partition() + "@" + e.offset(), e.ticket());
                case 'A' -> {
                    if ("BUFFERED".equals(e.detail()) && plan.durableBuffer()) {
                        settledAt.putIfAbsent(e.partition() + "@" + e.offset(), e.ticket()); // safe in the buffer
                    } else if ("BUFFERED".equals(e.detail()) || "PARKED".equals(e.detail())) {
                        violations.add("acknowledged " + e.detail() + " with a buffer that is not durable: " + e);
                    }
                }
                default -> { }
            }
        }
        Map<String, List<Produced>> byPartition = new HashMap<>();
        plan.produced().forEach(p -> byPartition.computeIfAbsent(p.partition().toString(), k -> new ArrayList<>())
                .add(p));
        Set<String> reported = new java.util.HashSet<>();
        for (Entry k : entries) {
            if (k.type() != 'K') {
                continue;
            }
            for (Produced p : byPartition.getOrDefault(k.partition(), List.of())) {
                if (p.offset() >= k.offset()) {
                    continue;
                }
                String id = p.key() == null ? p.partition() + "@" + p.offset() : plan.domain() + "/" + p.key() + "#"
                        + p.seq();
                Long at = settledAt.get(id);
                boolean safe = at != null && at < k.ticket()
                        || p.key() != null && settledAt.containsKey(p.partition() + "@" + p.offset())
                        && settledAt.get(p.partition() + "@" + p.offset()) < k.ticket();
                if (!safe && reported.add(k.partition() + "@" + p.offset())) {
                    violations.add("offset " + k.offset() + " of " + k.partition() + " committed (" + k + ") past "
                            + p.partition() + "@" + p.offset() + " (" + id + "), not accounted for before it");
                }
            }
        }
    }

    static Predicate<Entry> committed(String domain, String aggregate, long seq) {
        String key = domain + "/" + aggregate;
        return e -> e.type() == 'C' && key.equals(e.key()) && e.seq() == seq;
    }
}
