package io.seqtrack.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.tck.HandlerHistoryCheck.Plan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared checker bites: hand-made histories that break one rule each are reported, and a clean one (with a
 * failed run retried under a new token and a fenced run that overlapped the committing one) is not.
 */
class HandlerHistoryCheckTest {

    private static final String A0 = "d/a0";
    private final HandlerHistory history = new HandlerHistory();

    private List<String> violations(long events, long storeLast) {
        return violations(new Plan("d", Map.of("a0", events), Map.of()), storeLast);
    }

    private List<String> violations(Plan plan, long storeLast) {
        return HandlerHistoryCheck.violations(plan, history.entries(), key -> storeLast);
    }

    private void s(String worker, long seq, long token) {
        history.run('S', worker, A0, seq, token);
    }

    private void e(String worker, long seq, long token) {
        history.run('E', worker, A0, seq, token);
    }

    private void f(String worker, long seq, long token) {
        history.run('F', worker, A0, seq, token);
    }

    private void c(String worker, long seq) {
        history.run('C', worker, A0, seq, 0);
    }

    /** A whole run of {@code seq} in {@code worker} with {@code token}, committed. */
    private void committedRun(String worker, long seq, long token) {
        s(worker, seq, token);
        e(worker, seq, token);
        c(worker, seq);
    }

    @Test
    void aCleanHistoryPasses() {
        committedRun("w1", 1, 1);
        s("w1", 2, 2);
        f("w1", 2, 2); // failed, retried under a fresh claim
        s("w1", 2, 3); // stuck past its lease …
        s("w2", 2, 4); // … so another worker claims #2 with a higher token and commits
        e("w2", 2, 4);
        c("w2", 2);
        e("w1", 2, 3); // the fenced run ends late and does not commit
        committedRun("w2", 3, 5);
        history.broker('A', "w2", "topic-0", 7, "PROCESSED"); // broker records are not the handler checker's

        assertThat(violations(3, 3)).isEmpty();
    }

    @Test
    void aTokenHeldByTwoRunsIsReported() {
        s("w1", 1, 1);
        f("w1", 1, 1);
        committedRun("w1", 1, 1); // the retry kept the failed run's token

        assertThat(violations(1, 1)).singleElement().asString()
                .contains("fencing token 1 held by two runs");
    }

    @Test
    void theLowerTokenOfTwoOverlappingRunsCommittingIsReported() {
        s("w1", 1, 1);
        s("w2", 1, 2); // overlaps w1's run with a higher token
        e("w1", 1, 1);
        c("w1", 1); // the lower token committed: it should have been fenced
        e("w2", 1, 2);

        assertThat(violations(1, 1)).singleElement().asString()
                .contains("w1 #1 (token 1").contains("committed although it overlapped").contains("w2 #1 (token 2");
    }

    @Test
    void aRunStartedAfterItsEventWasCommittedIsReported() {
        committedRun("w1", 1, 1);
        s("w2", 1, 2); // a duplicate handed to a handler
        e("w2", 1, 2);

        assertThat(violations(1, 1)).singleElement().asString()
                .contains("handler run w2 #1 (token 2").contains("started after #1 was committed");
    }

    @Test
    void aRunStartedBeforeItsPredecessorWasCommittedIsReported() {
        s("w1", 1, 1);
        s("w2", 2, 2); // #2 starts while #1's run is still going
        e("w1", 1, 1);
        c("w1", 1);
        e("w2", 2, 2);
        c("w2", 2);

        // #1's committing run overlapped #2's with the lower token: reported too, as in the torture checker
        assertThat(violations(2, 2)).filteredOn(v -> v.contains("started before")).singleElement().asString()
                .contains("handler run w2 #2 (token 2").contains("started before #1 was committed");
    }

    @Test
    void twoRunsAtOnceInOneWorkerAreReported() {
        s("w1", 1, 1);
        s("w1", 1, 2);
        e("w1", 1, 1);
        c("w1", 1);
        e("w1", 1, 2);

        assertThat(violations(1, 1)).singleElement().asString().contains("two runs at once in w1");
    }

    @Test
    void missingDoubleAndRunlessCommitsAndAWrongStoreAreReported() {
        committedRun("w1", 1, 1);
        c("w2", 1); // a second commit, and w2 never ran #1
        assertThat(violations(2, 5)).containsExactlyInAnyOrder(
                "d/a0 #1 committed 2 times",
                "d/a0 #2 committed 0 times",
                "d/a0: the store says last=5, expected 2");

        HandlerHistory runless = new HandlerHistory();
        runless.run('C', "w1", A0, 1, 0);
        assertThat(HandlerHistoryCheck.violations(new Plan("d", Map.of("a0", 1L), Map.of()), runless.entries(),
                key -> 1)).singleElement().asString().contains("without a completed run of w1");
    }

    @Test
    void parkedEventsAreExpectedParkedAndNeverCommitted() {
        committedRun("w1", 1, 1);
        s("w1", 2, 2);
        f("w1", 2, 2);
        history.run('P', "w1", A0, 2, 0);
        history.run('P', "w1", A0, 3, 0);
        Plan plan = new Plan("d", Map.of("a0", 3L), Map.of("a0", 2L));
        assertThat(violations(plan, 1)).isEmpty();

        assertThat(violations(new Plan("d", Map.of("a0", 3L), Map.of()), 1)).contains("d/a0 #2 committed 0 times");
        committedRun("w1", 3, 3);
        assertThat(violations(plan, 1)).anyMatch(v -> v.contains("#3: expected parked, was committed 1 time(s)"));
    }

    @Test
    void theHandlerWrapperRecordsStartEndAndFailure() throws Exception {
        history.handle("w1", A0, 1, 7, () -> { });
        assertThatThrownBy(() -> history.handle("w1", A0, 2, 8, () -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(history.entries()).extracting(HandlerHistory.Entry::toString)
                .containsExactly("0 S w1 d/a0 #1 t7", "1 E w1 d/a0 #1 t7", "2 S w1 d/a0 #2 t8", "3 F w1 d/a0 #2 t8");
        assertThatThrownBy(() -> history.broker('S', "w1", "p", 0, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The planned-event rule: each run was given one of the events produced for its sequence, and says which. */
    @Test
    void aHandlerGivenAnEventNobodyProducedIsReported() throws Exception {
        HandlerHistoryCheck.PlannedEvents produced = (aggregate, seq) -> List.of(planned(aggregate, seq, ""),
                planned(aggregate, seq, " (copy)")); // a producer's copy with its own id and payload
        Plan plan = new Plan("d", Map.of("a0", 2L), Map.of(), produced);
        history.handle("w1", A0, 1, 1, planned("a0", 1, "").received(), () -> { });
        c("w1", 1);
        history.handle("w1", A0, 2, 2, planned("a0", 2, " (copy)").received(), () -> { });
        c("w1", 2);
        assertThat(violations(plan, 2)).isEmpty();

        // a mapper that read #1's payload for #2 (or any event nobody produced for #2)
        history.handle("w2", A0, 2, 3, planned("a0", 1, "").received(), () -> { });
        assertThat(violations(plan, 2)).anyMatch(v -> v.contains("handler run w2 #2") && v.contains("was given a0-1"));
        // a run that does not say what it was given cannot be judged: reported, not passed
        HandlerHistory unrecorded = new HandlerHistory();
        unrecorded.handle("w1", A0, 1, 1, () -> { });
        unrecorded.run('C', "w1", A0, 1, 0);
        assertThat(HandlerHistoryCheck.violations(new Plan("d", Map.of("a0", 1L), Map.of(), produced),
                unrecorded.entries(), key -> 1)).singleElement().asString().contains("recorded no event");
    }

    private static HandlerHistoryCheck.PlannedEvent planned(String aggregate, long seq, String variant) {
        return new HandlerHistoryCheck.PlannedEvent(aggregate + "-" + seq + variant,
                (aggregate + "#" + seq + variant).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
