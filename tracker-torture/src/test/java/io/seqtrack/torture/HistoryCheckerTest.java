package io.seqtrack.torture;

import io.seqtrack.torture.History.Entry;
import io.seqtrack.torture.HistoryChecker.FinalState;
import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.TorturePlan.Aggregate;
import io.seqtrack.torture.TorturePlan.Delivery;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker must catch each kind of violation; a checker that cannot fail proves nothing. */
class HistoryCheckerTest {

    private static final String KEY = TorturePlan.PARK + "/a";
    private static final String SKIP_KEY = TorturePlan.SKIP + "/b";

    private final TorturePlan plan = new TorturePlan(
            Map.of(KEY, new Aggregate(TorturePlan.PARK, "a", 3, 0),
                    SKIP_KEY, new Aggregate(TorturePlan.SKIP, "b", 3, 0)),
            List.of(new Delivery("d1", TorturePlan.PARK, "a", 1), new Delivery("d2", TorturePlan.PARK, "a", 2),
                    new Delivery("d3", TorturePlan.PARK, "a", 3), new Delivery("d4", TorturePlan.SKIP, "b", 1),
                    new Delivery("d5", TorturePlan.SKIP, "b", 2), new Delivery("d6", TorturePlan.SKIP, "b", 3)));

    private final List<Entry> entries = new ArrayList<>();
    private long clock = 1_000;

    private void add(char type, String proc, Object... fields) {
        List<String> values = new ArrayList<>();
        for (Object f : fields) {
            values.add(String.valueOf(f));
        }
        entries.add(new Entry(type, clock += 10, proc, values));
    }

    /** One clean run per event: start, end, commit, ack. */
    private void handled(String proc, String key, long seq, long token, String delivery) {
        add('S', proc, key, seq, token, 1);
        add('E', proc, key, seq, token);
        add('C', proc, key, seq);
        add('A', proc, delivery, "PROCESSED");
    }

    private void allHandled() {
        handled("p1", KEY, 1, 1, "d1");
        handled("p2", KEY, 2, 2, "d2");
        handled("p1", KEY, 3, 3, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
    }

    private Figures check(long lastA, Set<Long> parkedA, Set<Long> skippedB, Set<String> dead) {
        return HistoryChecker.check(plan, entries, Map.of(KEY, new FinalState(lastA, parkedA, Set.of(), Set.of()),
                SKIP_KEY, new FinalState(3, Set.of(), Set.of(), skippedB)), dead, plan.deliveries().size());
    }

    private Figures check(long lastA) {
        return check(lastA, Set.of(), Set.of(), Set.of());
    }

    @Test
    void aCleanHistoryPasses() {
        allHandled();
        Figures figures = check(3);
        assertThat(figures.violations()).isEmpty();
        assertThat(figures.committed()).isEqualTo(6);
    }

    @Test
    void anEventCommittedTwiceIsADuplicate() {
        allHandled();
        add('S', "p2", KEY, 2, 5, 1);
        add('E', "p2", KEY, 2, 5);
        add('C', "p2", KEY, 2);
        Figures figures = check(3);
        assertThat(figures.duplicates()).isEqualTo(1);
        assertThat(figures.violations()).anyMatch(v -> v.contains("#2 committed 2 times"));
    }

    @Test
    void aSuccessorStartedBeforeItsPredecessorEndedIsOutOfOrder() {
        add('S', "p1", KEY, 1, 1, 1);
        add('S', "p2", KEY, 2, 2, 1);
        add('E', "p2", KEY, 2, 2);
        add('E', "p1", KEY, 1, 1);
        add('C', "p1", KEY, 1);
        add('C', "p2", KEY, 2);
        handled("p1", KEY, 3, 3, "d3");
        add('A', "p1", "d1", "PROCESSED");
        add('A', "p2", "d2", "PROCESSED");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.outOfOrder()).isEqualTo(1);
    }

    @Test
    void anOverlappedRunWithTheLowerTokenMustNotCommit() {
        allHandled();
        entries.removeIf(e -> e.type() != 'A' && e.fields().get(0).equals(KEY) && e.fields().get(1).equals("1"));
        add('S', "p1", KEY, 1, 7, 1);
        add('S', "p2", KEY, 1, 8, 1);
        add('E', "p2", KEY, 1, 8);
        add('E', "p1", KEY, 1, 7);
        add('C', "p1", KEY, 1);
        Figures figures = check(3);
        assertThat(figures.overlapsCommitted()).isEqualTo(1);
    }

    @Test
    void theHigherTokenCommittingAnOverlapIsFencingNotAViolation() {
        allHandled();
        entries.removeIf(e -> e.fields().size() > 1 && e.fields().get(0).equals(KEY) && e.fields().get(1).equals("3"));
        add('S', "p1", KEY, 3, 1, 1);
        add('S', "p2", KEY, 3, 4, 1);
        add('E', "p2", KEY, 3, 4);
        add('C', "p2", KEY, 3);
        add('E', "p1", KEY, 3, 1);
        add('X', "p1", KEY, 3, 1);
        Figures figures = check(3);
        assertThat(figures.violations()).isEmpty();
        assertThat(figures.overlapsFenced()).isPositive();
        assertThat(figures.fenced()).isEqualTo(1);
    }

    @Test
    void anAcknowledgedCommitMissingFromTheStoreIsLost() {
        allHandled();
        Figures figures = check(2, Set.of(), Set.of(), Set.of());
        assertThat(figures.lost()).isPositive();
        assertThat(figures.violations()).anyMatch(v -> v.contains("#3 was committed but the store says last=2"));
    }

    @Test
    void aStoreAheadOfEveryHandlerRunIsLost() {
        allHandled();
        entries.removeIf(e -> "CSE".indexOf(e.type()) >= 0 && e.fields().get(0).equals(KEY)
                && e.fields().get(1).equals("3"));
        assertThat(check(3).violations()).anyMatch(v -> v.contains("no run committed it"));
    }

    @Test
    void aKilledWorkersCompletedRunExplainsAnUnrecordedCommit() {
        allHandled();
        entries.removeIf(e -> e.type() == 'C' && e.fields().get(0).equals(KEY) && e.fields().get(1).equals("3"));
        Figures figures = check(3, Set.of(), Set.of(), Set.of("p1"));
        assertThat(figures.violations()).isEmpty();
        assertThat(figures.acceptedUnrecorded()).isEqualTo(1);
    }

    @Test
    void anEventNeitherCommittedNorParkedIsLost() {
        handled("p1", KEY, 1, 1, "d1");
        add('A', "p1", "d2", "BUFFERED");
        add('A', "p1", "d3", "BUFFERED");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        assertThat(check(1, Set.of(3L), Set.of(), Set.of()).violations())
                .anyMatch(v -> v.contains("#2 is neither committed, parked nor buffered"));
        assertThat(check(1, Set.of(2L, 3L), Set.of(), Set.of()).violations()).isEmpty();
    }

    @Test
    void skippingAnEventTheBufferHeldIsALossButSkippingALateOneIsPolicy() {
        handled("p1", KEY, 1, 1, "d1");
        handled("p2", KEY, 2, 2, "d2");
        handled("p1", KEY, 3, 3, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        add('A', "p1", "d6", "BUFFERED");
        add('K', "p1", SKIP_KEY, 2, 2);
        add('A', "p2", "d5", "DUPLICATE"); // #2 arrived after the gap timed out
        add('S', "p1", SKIP_KEY, 3, 2, 1);
        add('E', "p1", SKIP_KEY, 3, 2);
        add('C', "p1", SKIP_KEY, 3);
        Figures late = check(3, Set.of(), Set.of(2L), Set.of());
        assertThat(late.violations()).isEmpty();
        assertThat(late.skippedLate()).isEqualTo(1);

        entries.add(0, new Entry('A', 0, "p2", List.of("d5.r1", "BUFFERED"))); // #2 was in the buffer before
        assertThat(check(3, Set.of(), Set.of(2L), Set.of()).violations())
                .anyMatch(v -> v.contains("skipped although it was buffered before"));
    }

    @Test
    void aDeliveryWithoutASafeOutcomeIsUnaccounted() {
        allHandled();
        entries.removeIf(e -> e.type() == 'A' && e.fields().get(0).equals("d3"));
        add('A', "p1", "d3", "REJECTED");
        Figures figures = check(3);
        assertThat(figures.unaccounted()).isEqualTo(1);
        entries.removeIf(e -> e.type() == 'A' && e.fields().get(0).equals("d3"));
        assertThat(check(3).violations()).anyMatch(v -> v.contains("1 deliveries never acknowledged"));
    }
}
