package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.in.CommitThenClaim;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.processor.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * The commit phase of a batch, with sticky ownership: where the aggregate's next event is already queued on the lane,
 * the commit also claims it, in the same store element ({@code commitAndClaimAll}), and the claim is held on the
 * aggregate's state for the next batch — one store operation per handled event while events keep coming. A held claim
 * lives only as long as a lane run goes on handling that aggregate: the lane gives back whatever it still holds when
 * it runs out of ready work (see {@link HeldClaims#release}).
 */
final class Committer {

    /** One commit's answer: its result, or null with the failure when it stayed unknown. */
    record Answer(CommitResult result, SequenceTrackingException failure) {
    }

    private final Lane lane;
    private final Shared shared;

    Committer(Lane lane) {
        this.lane = lane;
        this.shared = lane.shared;
    }

    List<Answer> commit(List<Work> works, List<ClaimDecision> claims) {
        List<Event> nexts = new ArrayList<>(works.size());
        boolean anyNext = false;
        boolean sticky = shared.settings.stickyOwnership();
        for (Work work : works) {
            Work next = sticky ? lane.held.nextAtHand(work) : null;
            nexts.add(next == null ? null : next.event());
            anyNext |= next != null;
        }
        // read before the claims are sent: a pause or a slow answer can only shorten how long a held claim is used
        long sentMillis = shared.scheduler.deadlineMillis();
        try {
            List<Answer> answers = new ArrayList<>(works.size());
            if (!anyNext) {
                for (CommitResult result : shared.tracker.commitAll(claims)) {
                    answers.add(new Answer(result, null));
                }
                return answers;
            }
            List<CommitThenClaim> results = shared.tracker.commitAndClaimAll(claims, nexts, shared.settings.workerId());
            for (int i = 0; i < results.size(); i++) {
                CommitThenClaim result = results.get(i);
                if (result.next() != null && result.next().claimed()) {
                    hold(works.get(i), result.next(), sentMillis);
                }
                answers.add(new Answer(result.committed(), null));
            }
            return answers;
        } catch (SequenceTrackingException e) {
            return oneByOne(claims, e);
        }
    }

    /**
     * After a failed batch: each commit again alone (a retry with the same arguments is what the SPI prescribes after
     * an unknown outcome), so one aggregate the store cannot answer for fails only its own event — until one fails
     * alone too: then the store itself is failing and the rest stay unknown at once, instead of each waiting out its own
     * timeout. No next claims here: the next batch claims them.
     */
    private List<Answer> oneByOne(List<ClaimDecision> claims, SequenceTrackingException batchFailure) {
        List<Answer> answers = new ArrayList<>(claims.size());
        boolean storeFailing = claims.size() == 1;
        for (ClaimDecision claim : claims) {
            if (storeFailing) { // one failed alone too: the store is failing, the rest stay unknown without waiting
                answers.add(new Answer(null, batchFailure));
                continue;
            }
            try {
                answers.add(new Answer(shared.tracker.commit(claim), null));
            } catch (SequenceTrackingException alone) {
                answers.add(new Answer(null, alone));
                storeFailing = true;
            }
        }
        return answers;
    }

    private void hold(Work work, ClaimDecision next, long sentMillis) {
        AggregateState state = lane.state(work.key());
        long lease = work.registration().leaseTtl().toMillis();
        state.held = next;
        state.heldUntilMillis = sentMillis + lease - Math.max(1, lease / 4);
        lane.held.add(state);
    }
}
