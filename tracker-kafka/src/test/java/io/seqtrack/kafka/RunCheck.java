package io.seqtrack.kafka;

import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.tck.HandlerHistory;
import io.seqtrack.tck.HandlerHistory.Entry;
import io.seqtrack.tck.HandlerHistoryCheck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Judges a Kafka run from its {@link HandlerHistory}, what was produced where, and the store's final state: the
 * handler checks shared with tracker-streams ({@link HandlerHistoryCheck}: exactly once per committed outcome, in
 * order, no run after its commit, one run at a time per worker, fencing tokens never reused, the lower token of two
 * overlapping runs never committing, the store's final {@code last}), and Kafka's own:
 *
 * <ul>
 *   <li><b>safe commits</b>: when an offset {@code o} is about to be committed for a partition, every record produced
 *       to it below {@code o} is already accounted for: its event committed or parked, the record rejected, or — with
 *       a durable buffer only — acknowledged as BUFFERED; with an in-memory buffer no record is ever acknowledged as
 *       BUFFERED.</li>
 * </ul>
 *
 * <p>The runner's records in the history ({@link Worker} writes them; {@code source} is the partition):
 * <pre>
 * J worker partition offset     rejected record handed to the rejection handler (and it completed)
 * A worker partition offset     acknowledged (safe outcome; detail = outcome)
 * K worker partition offset     about to commit this offset (sent before the request)
 * R worker partition offset     rewound to this offset for redelivery (detail = why)
 * V worker partition            being revoked (detail = records in flight)
 * </pre>
 */
final class RunCheck {

    /**
     * A produced record: where it landed, which event it carries ({@code key == null}: not an event) and that event's
     * id and payload as the producer wrote them (what a handler given this record must have received).
     */
    record Produced(TopicPartition partition, long offset, String key, long seq, HandlerHistoryCheck.PlannedEvent event) {
    }

    /**
     * What the test produced and what it expects. {@code parked}: key → first sequence expected to park;
     * {@code durableBuffer}: whether a BUFFERED record may be acknowledged at once (Redis) or never (in-memory).
     */
    record Plan(String domain, Map<String, Long> eventsPerAggregate, List<Produced> produced, Map<String, Long> parked,
            boolean durableBuffer) {
    }

    private RunCheck() {
    }

    static List<String> violations(Plan plan, List<Entry> entries, SequenceStore store) {
        Map<String, List<HandlerHistoryCheck.PlannedEvent>> events = new HashMap<>(); // "aggregate#seq" → produced
        for (Produced p : plan.produced()) {
            if (p.key() != null) {
                events.computeIfAbsent(p.key() + "#" + p.seq(), k -> new ArrayList<>()).add(p.event());
            }
        }
        List<String> violations = new ArrayList<>(HandlerHistoryCheck.violations(
                new HandlerHistoryCheck.Plan(plan.domain(), plan.eventsPerAggregate(), plan.parked(),
                        (aggregate, seq) -> events.get(aggregate + "#" + seq)), entries, store));
        checkOffsetCommits(plan, entries, violations);
        return violations;
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
                case 'J' -> settledAt.putIfAbsent(e.source() + "@" + e.offset(), e.ticket());
                case 'A' -> {
                    if ("BUFFERED".equals(e.detail()) && plan.durableBuffer()) {
                        settledAt.putIfAbsent(e.source() + "@" + e.offset(), e.ticket()); // safe in the buffer
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
        Set<String> reported = new HashSet<>();
        for (Entry k : entries) {
            if (k.type() != 'K') {
                continue;
            }
            for (Produced p : byPartition.getOrDefault(k.source(), List.of())) {
                if (p.offset() >= k.offset()) {
                    continue;
                }
                String id = p.key() == null ? p.partition() + "@" + p.offset() : plan.domain() + "/" + p.key() + "#"
                        + p.seq();
                Long at = settledAt.get(id);
                boolean safe = at != null && at < k.ticket()
                        || p.key() != null && settledAt.containsKey(p.partition() + "@" + p.offset())
                        && settledAt.get(p.partition() + "@" + p.offset()) < k.ticket();
                if (!safe && reported.add(k.source() + "@" + p.offset())) {
                    violations.add("offset " + k.offset() + " of " + k.source() + " committed (" + k + ") past "
                            + p.partition() + "@" + p.offset() + " (" + id + "), not accounted for before it");
                }
            }
        }
    }
}
