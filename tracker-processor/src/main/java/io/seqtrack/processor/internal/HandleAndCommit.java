package io.seqtrack.processor.internal;

import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The second half of a {@link Step}: the handlers of the claimed works (per event or as one batch, through the
 * {@link HandlerInvoker}), then one commit for those that succeeded ({@link Committer}), and a {@link Result} per work —
 * a claim given back where a handler was refused or due too late, retries and parking through {@link HandlerFailures},
 * a work whose commit was fenced run through a step again to find out what happened.
 */
final class HandleAndCommit {

    private final Lane lane;
    private final Shared shared;
    private final HandlerInvoker invoker;
    private final HandlerFailures failures;
    private final Committer committer;
    private final Faults faults;

    HandleAndCommit(Lane lane, HandlerInvoker invoker, HandlerFailures failures, Faults faults) {
        this.lane = lane;
        this.shared = lane.shared;
        this.invoker = invoker;
        this.failures = failures;
        this.committer = new Committer(lane);
        this.faults = faults;
    }

    /**
     * @param indexes   per work, where its result goes in {@code results}
     * @param deadlines per work, until when its claim may be trusted (see {@link HandlerInvoker#invoke})
     */
    void run(List<Work> works, List<ClaimDecision> claims, List<Integer> indexes,
            List<Long> deadlines, Result[] results) {
        List<HandlerInvoker.Run> runs = invoker.invoke(works, claims, deadlines);
        List<ClaimDecision> toCommit = new ArrayList<>(works.size());
        List<Integer> committing = new ArrayList<>(works.size());
        for (int n = 0; n < works.size(); n++) {
            HandlerInvoker.Run run = runs.get(n);
            Work work = works.get(n);
            if (run.refused()) { // closed between the claim and the handler: give the claim back
                failures.release(work, claims.get(n));
                results[indexes.get(n)] = Result.failed(work, new IllegalStateException("the processor was closed"));
            } else if (run.stale()) {
                // the claim may have expired before its handler could start (its answer came late, or other work of
                // the batch took long): another worker may hold or have committed the event by now — never run it
                failures.release(work, claims.get(n));
                results[indexes.get(n)] = faults.failClosed(work, io.seqtrack.core.domain.SequenceStoreException.of("claim",
                        work.key(), new java.util.concurrent.TimeoutException("the claim of #" + work.sequence()
                                + " could no longer be trusted when its handler was due (three quarters of the "
                                + work.registration().leaseTtl() + " lease had passed since it was asked for)")));
            } else if (run.error() != null) {
                ClaimDecision claim = claims.get(n);
                results[indexes.get(n)] = faults.guarded(work, () -> failures.handlerFailed(work, claim, run.error()));
            } else {
                toCommit.add(claims.get(n));
                committing.add(n);
            }
        }
        if (toCommit.isEmpty()) {
            return;
        }
        List<Work> committingWorks = new ArrayList<>(committing.size());
        for (int n : committing) {
            committingWorks.add(works.get(n));
        }
        List<Committer.Answer> commits = committer.commit(committingWorks, toCommit);
        for (int c = 0; c < committing.size(); c++) {
            int n = committing.get(c);
            Work work = works.get(n);
            ClaimDecision claim = claims.get(n);
            if (commits.get(c).result() == null) {
                // unknown outcome: a commit that landed answers DUPLICATE to the broker's redelivery
                results[indexes.get(n)] = faults.failClosed(work, commits.get(c).failure());
                continue;
            }
            if (commits.get(c).result() == CommitResult.CLAIM_LOST) {
                // our lease ran out and another worker took over: our effects are fenced; find out what happened
                shared.emitter.emit(new ProcessorEvent.Fenced(work.key(), shared.now(), claim.sequence(),
                        claim.fencingToken()));
                results[indexes.get(n)] = lane.runOne(work);
                continue;
            }
            if (shared.emitter.observed()) {
                shared.emitter.emit(new ProcessorEvent.Processed(work.key(), shared.now(), claim.sequence(),
                        work.attempt(), Duration.ofNanos(runs.get(n).nanos()), work.origin() == Work.Origin.BUFFER));
            }
            results[indexes.get(n)] = Result.finished(work, Outcome.PROCESSED);
        }
    }
}
