package io.seqtrack.streams;

import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.tck.HandlerHistory;
import io.seqtrack.tck.HandlerHistory.Entry;
import io.seqtrack.tck.HandlerHistoryCheck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Judges a Redis Streams run from its {@link HandlerHistory}, what was appended to the stream, and the store's final
 * state: the handler checks shared with tracker-kafka ({@link HandlerHistoryCheck}: exactly once per committed
 * outcome, in order, no run after its commit, one run at a time per worker, fencing tokens never reused, the lower
 * token of two overlapping runs never committing, the store's final {@code last}), and the streams runner's own:
 *
 * <ul>
 *   <li><b>safe acknowledgements</b>: an entry carrying an event is acknowledged ({@code A}, recorded after the
 *       {@code XACK}) only after its event was committed ({@code C} earlier in the history), never as {@code BUFFERED}
 *       or {@code PARKED} — the scenarios run the in-memory buffer, where both die with the process; an entry
 *       acknowledged through the rejection path ({@code J}) is one the test expects rejected.</li>
 * </ul>
 *
 * <p>The runner's records in the history ({@link #record} writes them; {@code source} is the stream entry's id):
 * <pre>
 * A worker entry           acknowledged (XACK done; detail = outcome)
 * J worker entry           rejected (the rejection handler completed, XACK done; detail = kind)
 * L worker entry           left pending (detail = why)
 * M worker entry           taken over (detail = from whom, delivery)
 * T worker entry           taken over by a peer while this worker held it (detail = the peer); left to it
 * </pre>
 */
final class RunCheck {

    /**
     * What the test appended to {@code stream}: entry id → {@code aggregate#seq} (also the entry's {@code payload}
     * field; the tests write no {@code eventId} field, so the event id is the mapper's {@code stream@entryId}); events
     * per aggregate; first parked sequence.
     */
    record Plan(String domain, String stream, Map<String, String> appended, Map<String, Long> eventsPerAggregate,
            Map<String, Long> parked, Set<String> expectedRejected) {

        /** The events appended for {@code aggregate#seq}: what a handler of that sequence may have been given. */
        List<HandlerHistoryCheck.PlannedEvent> planned(String aggregate, long seq) {
            String label = aggregate + "#" + seq;
            List<HandlerHistoryCheck.PlannedEvent> events = new ArrayList<>();
            appended.forEach((id, event) -> {
                if (event.equals(label)) {
                    events.add(new HandlerHistoryCheck.PlannedEvent(stream + "@" + id,
                            label.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
            });
            return events;
        }
    }

    private RunCheck() {
    }

    /** Records what a runner told its listener. */
    static void record(HandlerHistory history, String worker, StreamsRunnerEvent event) {
        if (event instanceof StreamsRunnerEvent.Acknowledged a) {
            history.broker('A', worker, a.entryId(), -1, a.outcome().name());
        } else if (event instanceof StreamsRunnerEvent.Rejected r) {
            history.broker('J', worker, r.rejection().entry().getId(), -1, r.rejection().kind().name());
        } else if (event instanceof StreamsRunnerEvent.LeftPending l) {
            history.broker('L', worker, l.entryId(), -1, l.reason());
        } else if (event instanceof StreamsRunnerEvent.Claimed c) {
            history.broker('M', worker, c.entryId(), -1, c.from() + " " + c.delivery());
        } else if (event instanceof StreamsRunnerEvent.TakenOverByPeer t) {
            history.broker('T', worker, t.entryId(), -1, t.owner());
        }
    }

    static List<String> violations(Plan plan, List<Entry> entries, SequenceStore store) {
        List<String> violations = new ArrayList<>(HandlerHistoryCheck.violations(
                new HandlerHistoryCheck.Plan(plan.domain(), plan.eventsPerAggregate(), plan.parked(), plan::planned),
                entries, store));
        checkAcknowledgements(plan, entries, violations);
        return violations;
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
                String event = plan.appended().get(e.source());
                if ("BUFFERED".equals(e.detail()) || "PARKED".equals(e.detail())) {
                    violations.add("acknowledged " + e.detail() + " with a buffer that is not durable: " + e + " ("
                            + event + ")");
                } else if (event != null) {
                    Long at = settledAt.get(event);
                    if (at == null || at > e.ticket()) {
                        violations.add("entry " + e.source() + " (" + event + ") acknowledged (" + e + ") before its "
                                + "event was committed" + (at == null ? " (never)" : " (at " + at + ")"));
                    }
                }
            } else if (e.type() == 'J' && !plan.expectedRejected().contains(e.source())) {
                violations.add("entry " + e.source() + " (" + plan.appended().get(e.source()) + ") rejected: " + e);
            }
        }
    }
}
