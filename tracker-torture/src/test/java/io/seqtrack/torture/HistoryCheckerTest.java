package io.seqtrack.torture;

import io.seqtrack.torture.History.Entry;
import io.seqtrack.torture.HistoryChecker.FinalState;
import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.HistoryChecker.Freeze;
import io.seqtrack.torture.HistoryChecker.Interventions;
import io.seqtrack.torture.HistoryChecker.Reset;
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
            List.of(delivery("d1", TorturePlan.PARK, "a", 1), delivery("d2", TorturePlan.PARK, "a", 2),
                    delivery("d3", TorturePlan.PARK, "a", 3), delivery("d4", TorturePlan.SKIP, "b", 1),
                    delivery("d5", TorturePlan.SKIP, "b", 2), delivery("d6", TorturePlan.SKIP, "b", 3)));

    /** Every event has its own id and payload; the handler runs below record what they were given. */
    private static Delivery delivery(String id, String domain, String aggregateId, long seq) {
        return new Delivery(id, domain, aggregateId, seq, "e-" + aggregateId + seq, String.format("%02x00ff", seq));
    }

    private final List<Entry> entries = new ArrayList<>();
    private long clock = 1_000;

    private void add(char type, String proc, Object... fields) {
        List<String> values = new ArrayList<>();
        for (Object f : fields) {
            values.add(String.valueOf(f));
        }
        entries.add(new Entry(type, clock += 10, proc, values));
    }

    /** A handler run starts, given the planned event of {@code key#seq}. */
    private void start(String proc, String key, long seq, long token) {
        TorturePlan.Expected event = plan.expectedEvents().get(key + "#" + seq);
        add('S', proc, key, seq, token, 1, event.eventId(), event.payloadHash());
    }

    /** One clean run per event: start, end, commit, ack. */
    private void handled(String proc, String key, long seq, long token, String delivery) {
        start(proc, key, seq, token);
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
        start("p2", KEY, 2, 5);
        add('E', "p2", KEY, 2, 5);
        add('C', "p2", KEY, 2);
        Figures figures = check(3);
        assertThat(figures.duplicates()).isEqualTo(1);
        assertThat(figures.violations()).anyMatch(v -> v.contains("#2 committed 2 times"));
    }

    @Test
    void aSuccessorStartedBeforeItsPredecessorEndedIsOutOfOrder() {
        start("p1", KEY, 1, 1);
        start("p2", KEY, 2, 2);
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
        start("p1", KEY, 1, 7);
        start("p2", KEY, 1, 8);
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
        start("p1", KEY, 3, 4);
        start("p2", KEY, 3, 5);
        add('E', "p2", KEY, 3, 5);
        add('C', "p2", KEY, 3);
        add('E', "p1", KEY, 3, 4);
        add('X', "p1", KEY, 3, 4);
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
        add('G', "p1", SKIP_KEY, 2, 2, "SKIP");
        add('K', "p1", SKIP_KEY, 2, 2);
        add('A', "p2", "d5", "DUPLICATE"); // #2 arrived after the gap timed out
        start("p1", SKIP_KEY, 3, 2);
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

    // ------------------------------------------------------------------ every handler run, committed or not

    private static List<String> about(Figures figures, String text) {
        return figures.violations().stream().filter(v -> v.contains(text)).toList();
    }

    /** Issue 11's example: another process runs #1 and #2 after both were committed, reusing token 1. */
    @Test
    void aSecondProcessRunningCommittedEventsWithAReusedTokenIsCaught() {
        allHandled();
        start("p3", KEY, 1, 1);
        add('E', "p3", KEY, 1, 1);
        start("p3", KEY, 2, 1);
        add('E', "p3", KEY, 2, 1);
        Figures figures = check(3);
        assertThat(figures.runsAfterCommit()).isEqualTo(2);
        assertThat(about(figures, "started after #1 was committed")).hasSize(1);
        assertThat(about(figures, "started after #2 was committed")).hasSize(1);
        assertThat(figures.tokensReused()).isPositive();
        assertThat(about(figures, "fencing token 1 held by two runs")).isNotEmpty();
    }

    @Test
    void aDuplicateHandedToAHandlerAfterTheCommitIsCaughtThoughItNeverCommits() {
        allHandled();
        start("p2", KEY, 3, 9); // a fresh token, handler fails: no commit, no overlap, only the late start
        add('F', "p2", KEY, 3, 9);
        Figures figures = check(3);
        assertThat(figures.runsAfterCommit()).isEqualTo(1);
        assertThat(figures.violations()).singleElement().asString()
                .contains("p2 #3 (token 9").contains("started after #3 was committed");
    }

    @Test
    void aRunOfTheSuccessorBeforeThePredecessorCommittedIsOutOfOrderThoughItNeverCommits() {
        start("p1", KEY, 1, 1);
        start("p2", KEY, 2, 2); // #2 handed to a handler while #1 is still running
        add('F', "p2", KEY, 2, 2);
        add('E', "p1", KEY, 1, 1);
        add('C', "p1", KEY, 1);
        add('A', "p1", "d1", "PROCESSED");
        handled("p2", KEY, 2, 3, "d2");
        handled("p1", KEY, 3, 4, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.outOfOrder()).isEqualTo(1);
        assertThat(about(figures, "started before #1 was committed")).singleElement().asString()
                .contains("p2 #2 (token 2");
    }

    /**
     * p1's commit of #1 lands but its answer is lost (the master was killed); p2 claims and commits #2, claims #3; p1's
     * retry then meets a newer claim than its own and reports CLAIM_LOST. #1 was committed — #2's claim proves it — by
     * the only run that completed it, and #2 is in order.
     */
    @Test
    void aCommitWhoseAnswerWasLostAndWhoseRetryWasFencedStillCountsForTheSuccessorsOrder() {
        start("p1", KEY, 1, 1);
        add('E', "p1", KEY, 1, 1);
        handled("p2", KEY, 2, 2, "d2");
        handled("p2", KEY, 3, 3, "d3");
        add('X', "p1", KEY, 1, 1);
        add('A', "p1", "d1", "DUPLICATE");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.outOfOrder()).isZero();
        assertThat(figures.violations()).isEmpty();
    }

    /** The same, but #2's run started before p1's handler of #1 ended: out of order, the fence does not excuse it. */
    @Test
    void aSuccessorThatStartedBeforeAFencedPredecessorEndedIsStillOutOfOrder() {
        start("p1", KEY, 1, 1);
        start("p2", KEY, 2, 2);
        add('E', "p1", KEY, 1, 1);
        add('E', "p2", KEY, 2, 2);
        add('C', "p2", KEY, 2);
        add('A', "p2", "d2", "PROCESSED");
        handled("p2", KEY, 3, 3, "d3");
        add('X', "p1", KEY, 1, 1);
        add('A', "p1", "d1", "DUPLICATE");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.outOfOrder()).isEqualTo(1);
        assertThat(about(figures, "started before #1 was committed")).singleElement().asString()
                .contains("p2 #2 (token 2");
    }

    /**
     * Review of b47b462: p1 runs #1 with token 1 and is fenced for real (paused past its lease, its only commit answers
     * CLAIM_LOST); p2 claims #1 again with token 3 — a claim that proves #1 was not committed when it was made. A run
     * of #2 (token 2) sits between p1's end and p2's start: it started while #1 was certainly uncommitted. p2's commit
     * of #1 lands, its answer is lost, its retry meets #2's newer claim (X); a later run commits #2. The fallback takes
     * the earliest end of every fenced completed run of #1 — p1's, whose token p2's claim had superseded — and the
     * out-of-order run passes.
     */
    @Test
    void aFencedRunWhoseTokenALaterClaimOfTheSameEventSupersededIsNoCommitter() {
        start("p1", KEY, 1, 1);
        add('E', "p1", KEY, 1, 1);
        add('X', "p1", KEY, 1, 1);
        start("p3", KEY, 2, 2); // #2 handed to a handler while #1 is not committed by anyone
        add('F', "p3", KEY, 2, 2);
        start("p2", KEY, 1, 3);
        add('E', "p2", KEY, 1, 3);
        handled("p3", KEY, 2, 4, "d2");
        add('X', "p2", KEY, 1, 3);
        add('A', "p2", "d1", "DUPLICATE");
        handled("p3", KEY, 3, 5, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.outOfOrder()).isEqualTo(1);
        assertThat(about(figures, "started before #1 was committed")).singleElement().asString()
                .contains("p3 #2 (token 2");
    }

    /**
     * The same hole one rule earlier (no commit record of #1 at all): p1 completes #1 and is killed before its commit;
     * p2 claims #1 anew (token 3) — so p1's commit never landed — completes it and is killed too, its commit landed.
     * The run of #2 between p1's end and p2's start began while #1 was certainly uncommitted.
     */
    @Test
    void aKilledRunWhoseTokenALaterClaimOfTheSameEventSupersededIsNoCommitter() {
        start("p1", KEY, 1, 1);
        add('E', "p1", KEY, 1, 1);
        start("p3", KEY, 2, 2); // #2 handed to a handler while #1 is not committed by anyone
        add('F', "p3", KEY, 2, 2);
        start("p2", KEY, 1, 3);
        add('E', "p2", KEY, 1, 3);
        add('A', "p3", "d1", "DUPLICATE");
        handled("p3", KEY, 2, 4, "d2");
        handled("p3", KEY, 3, 5, "d3");
        handled("p3", SKIP_KEY, 1, 1, "d4");
        handled("p3", SKIP_KEY, 2, 2, "d5");
        handled("p3", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3, Set.of(), Set.of(), Set.of("p1", "p2"));
        assertThat(figures.outOfOrder()).isEqualTo(1);
        assertThat(about(figures, "started before #1 was committed")).singleElement().asString()
                .contains("p3 #2 (token 2");
    }

    @Test
    void aTokenHeldByTwoRunsIsCaughtThoughTheyNeverOverlap() {
        allHandled();
        entries.removeIf(e -> "SEC".indexOf(e.type()) >= 0 && e.fields().get(0).equals(KEY)
                && e.fields().get(1).equals("3"));
        handled("p2", KEY, 3, 2, "d3"); // token 2 was #2's
        Figures figures = check(3);
        assertThat(figures.tokensReused()).isEqualTo(1);
        assertThat(figures.violations()).singleElement().asString().contains("fencing token 2 held by two runs");
    }

    @Test
    void overlappingRunsOfOneAggregateInOneProcessorAreViolations() {
        allHandled();
        entries.removeIf(e -> "SEC".indexOf(e.type()) >= 0 && e.fields().get(0).equals(KEY)
                && e.fields().get(1).equals("3"));
        start("p1", KEY, 3, 4);
        start("p1", KEY, 3, 5); // the same processor hands #3 to a second handler while the first runs
        add('E', "p1", KEY, 3, 5);
        add('C', "p1", KEY, 3);
        add('E', "p1", KEY, 3, 4);
        Figures figures = check(3);
        assertThat(figures.overlapsInProcess()).isEqualTo(1);
        assertThat(about(figures, "two runs in one processor overlap")).hasSize(1);
    }

    @Test
    void aHandlerGivenAnotherEventOrPayloadThanPlannedIsCaught() {
        allHandled();
        entries.replaceAll(e -> e.type() == 'S' && e.fields().get(0).equals(KEY) && e.fields().get(1).equals("2")
                ? new Entry('S', e.micros(), e.proc(), List.of(KEY, "2", "2", "1", "e-a3", e.fields().get(5))) : e);
        entries.replaceAll(e -> e.type() == 'S' && e.fields().get(0).equals(SKIP_KEY)
                && e.fields().get(1).equals("1")
                ? new Entry('S', e.micros(), e.proc(), List.of(SKIP_KEY, "1", "1", "1", "e-b1", "00000000")) : e);
        Figures figures = check(3);
        assertThat(figures.eventMismatches()).isEqualTo(2);
        assertThat(about(figures, "received event e-a3")).hasSize(1);
        assertThat(about(figures, "received event e-b1 with payload hash 00000000")).hasSize(1);
    }

    /**
     * Issue 11's renewal hole: A's handler outlives its lease, B claims (token 2), fails and releases, A's overdue
     * renewal claims afresh (token 3) and A commits. Judged by A's end token, A held the higher token and this looked
     * like fencing; judged by the token each run started with, A held the lower one and must not have committed.
     */
    @Test
    void aRenewalThatJumpedPastAnotherRunsTokenAndCommittedIsCaught() {
        handled("p1", KEY, 1, 1, "d1");
        start("p1", KEY, 2, 2);
        start("p2", KEY, 2, 3);
        add('F', "p2", KEY, 2, 3);
        add('E', "p1", KEY, 2, 4);
        add('C', "p1", KEY, 2);
        add('A', "p1", "d2", "PROCESSED");
        handled("p1", KEY, 3, 5, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.overlapsCommitted()).isEqualTo(1);
        assertThat(figures.violations()).singleElement().asString()
                .contains("p1 #2 (token 2→4").contains("committed although it overlapped p2 #2 (token 3")
                .contains("a renewal became a fresh claim");
    }

    /**
     * The legitimate runs that do not commit: a run fenced after a lease expiry (CLAIM_LOST), a handler failure
     * released and retried with a higher token, and a run that started after the commit had been sent but before its
     * record was written (within the commit's round trip, the tolerance).
     */
    @Test
    void fencedReleasedAndRetriedRunsAndAStartWithinTheCommitRoundTripPass() {
        handled("p1", KEY, 1, 1, "d1");
        start("p1", KEY, 2, 2); // lease runs out while it works
        start("p2", KEY, 2, 3); // re-claimed after the expiry with a higher token
        add('F', "p2", KEY, 2, 3); // fails: released
        start("p2", KEY, 2, 4); // retried: claimed again
        add('E', "p2", KEY, 2, 4);
        start("p3", KEY, 3, 5); // the commit of #2 was sent and landed; p3's claim of #3 already answered
        add('C', "p2", KEY, 2);
        add('E', "p1", KEY, 2, 2);
        add('X', "p1", KEY, 2, 2); // fenced
        add('A', "p2", "d2", "PROCESSED");
        add('E', "p3", KEY, 3, 5);
        add('C', "p3", KEY, 3);
        add('A', "p3", "d3", "PROCESSED");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Figures figures = check(3);
        assertThat(figures.violations()).isEmpty();
        assertThat(figures.overlapsFenced()).isPositive();
    }

    /**
     * A process frozen between its claim's answer and its handler's start (SIGSTOP) starts the handler after the
     * event was committed by a successor. That is the paused worker fencing exists for: accepted when the checker
     * knows the freeze, the run's token is lower than the committing run's and it did not commit; reported otherwise.
     */
    @Test
    void aLateStartIsAccountedForOnlyByAKnownFreezeWithALowerToken() {
        handled("p1", KEY, 1, 1, "d1");
        long frozenAt = clock;
        handled("p2", KEY, 2, 3, "d2"); // p1 claimed #2 with token 2, froze, its lease ran out, p2 took over
        long continuedAt = clock;
        start("p1", KEY, 2, 2);
        add('E', "p1", KEY, 2, 2);
        add('X', "p1", KEY, 2, 2);
        handled("p2", KEY, 3, 4, "d3");
        handled("p1", SKIP_KEY, 1, 1, "d4");
        handled("p2", SKIP_KEY, 2, 2, "d5");
        handled("p2", SKIP_KEY, 3, 3, "d6");
        Interventions frozen = new Interventions(List.of(), List.of(new Freeze("p1", frozenAt, continuedAt)));
        Figures known = checkWith(3, frozen);
        assertThat(known.violations()).isEmpty();
        assertThat(known.frozenLateStarts()).isEqualTo(1);

        assertThat(check(3).violations()).singleElement().asString().contains("started after #2 was committed");
        Interventions otherProcess = new Interventions(List.of(), List.of(new Freeze("p3", frozenAt, continuedAt)));
        assertThat(checkWith(3, otherProcess).runsAfterCommit()).isEqualTo(1);
    }

    /** After an operator reset to 1, #2 and #3 are handled again: expected there, and only above the reset value. */
    @Test
    void reHandlingAfterAResetIsExpectedThereAndNowhereElse() {
        allHandled();
        long from = clock += 10;
        long to = clock += 10;
        handled("p2", KEY, 2, 4, "d2.reset");
        handled("p1", KEY, 3, 5, "d3.reset");
        Interventions reset = new Interventions(List.of(new Reset(KEY, 1, from, to)), List.of());
        assertThat(checkWith(3, reset).violations()).isEmpty();

        // the same re-handling without the reset: duplicates handed to handlers and committed twice
        Figures unexplained = check(3);
        assertThat(unexplained.runsAfterCommit()).isEqualTo(2);
        assertThat(unexplained.duplicates()).isEqualTo(2);

        // a reset of the other aggregate explains nothing here
        Interventions elsewhere = new Interventions(List.of(new Reset(SKIP_KEY, 1, from, to)), List.of());
        assertThat(checkWith(3, elsewhere).runsAfterCommit()).isEqualTo(2);

        // #1 is at or below the reset value: handling it again is still a duplicate
        handled("p2", KEY, 1, 6, "d1.reset");
        assertThat(checkWith(3, reset).violations()).anyMatch(v -> v.contains("started after #1 was committed"));
    }

    /** A delete (reset to 0) that restarted fencing tokens, as issue 11 shows the stores do today, is caught. */
    @Test
    void tokensRestartedAfterADeleteAreCaught() {
        allHandled();
        long from = clock += 10;
        long to = clock += 10;
        handled("p2", KEY, 1, 1, "d1.reset");
        handled("p2", KEY, 2, 2, "d2.reset");
        handled("p2", KEY, 3, 3, "d3.reset");
        Figures figures = checkWith(3, new Interventions(List.of(new Reset(KEY, 0, from, to)), List.of()));
        assertThat(figures.runsAfterCommit()).isZero();
        assertThat(figures.tokensReused()).isEqualTo(3);
    }

    private Figures checkWith(long lastA, Interventions interventions) {
        return HistoryChecker.check(plan, entries, Map.of(KEY, new FinalState(lastA, Set.of(), Set.of(), Set.of()),
                SKIP_KEY, new FinalState(3, Set.of(), Set.of(), Set.of())), Set.of(), plan.deliveries().size(),
                interventions);
    }
}
