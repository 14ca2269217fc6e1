package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.out.BufferPresence;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claim → handle → commit for a batch of works of distinct aggregates, with one store call per phase: one
 * {@code claimAllAndProbe} (the claims and, read after them, which aggregates have parked or pending events — one
 * round trip where the store holds the buffer), the handlers, one {@code commitAll}. Returns what
 * happened to each work as a {@link Result}; it completes no submission itself.
 */
final class Step {

    private static final Logger log = LoggerFactory.getLogger(Step.class);

    private final Lane lane;
    private final Shared shared;
    private final HandlerInvoker invoker;
    private final HandlerFailures failures;
    private final Committer committer;

    Step(Lane lane, HandlerInvoker invoker) {
        this.lane = lane;
        this.shared = lane.shared;
        this.invoker = invoker;
        this.failures = new HandlerFailures(lane);
        this.committer = new Committer(lane);
    }

    List<Result> run(List<Work> batch) {
        Result[] results = new Result[batch.size()];
        List<Integer> toClaim = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Work work = batch.get(i);
            if (shared.lifecycle.closed()) {
                lane.held.release(lane.state(work.key())); // so another worker takes over at once
                results[i] = Result.failed(work, new IllegalStateException("the processor was closed"));
                continue;
            }
            java.util.OptionalLong known = lane.held.knownDuplicate(work);
            if (known.isPresent()) { // answered from this lane's own claim: no store call
                if (shared.emitter.observed()) {
                    shared.emitter.emit(new ProcessorEvent.Duplicate(work.key(), shared.now(), work.sequence(),
                            known.getAsLong()));
                }
                results[i] = Result.finished(work, Outcome.DUPLICATE);
                continue;
            }
            Result blocked = guarded(work, () -> behindParked(work));
            if (blocked != null) {
                results[i] = blocked;
            } else {
                toClaim.add(i);
            }
        }
        if (!toClaim.isEmpty()) {
            claimHandleCommit(batch, toClaim, results);
        }
        return List.of(results);
    }

    /** An aggregate known to be blocked: parked work elsewhere keeps it blocked, or it was replayed meanwhile. */
    private Result behindParked(Work work) {
        if (lane.blockedCount == 0 || !work.tracked() || work.origin() == Work.Origin.REPLAY
                || !lane.state(work.key()).blocked) {
            return null;
        }
        if (shared.buffer.parked(work.key()).isEmpty()) {
            lane.parking.unblock(work.key()); // an operator (maybe through another worker) replayed or skipped it
            return null;
        }
        long last = shared.tracker.lastCommitted(work.key());
        if (work.sequence() <= last) { // a redelivery of something already committed is a duplicate, not parked
            shared.emitter.emit(new ProcessorEvent.Duplicate(work.key(), shared.now(), work.sequence(), last));
            return Result.finished(work, Outcome.DUPLICATE);
        }
        return Result.finished(work, lane.parking.park(work, "aggregate blocked behind parked events"));
    }

    private void claimHandleCommit(List<Work> batch, List<Integer> indexes, Result[] results) {
        List<Work> works = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            works.add(batch.get(i));
        }
        long[] deadlines = new long[works.size()];
        ClaimDecision[] held = lane.held.take(works, deadlines);
        // read before the claims are sent: a slow answer or a pause can only shorten how long a claim is trusted
        long claimSent = shared.scheduler.deadlineMillis();
        for (int n = 0; n < works.size(); n++) {
            if (held[n] == null) {
                long lease = works.get(n).registration().leaseTtl().toMillis();
                deadlines[n] = claimSent + lease - Math.max(1, lease / 4);
            }
        }
        List<ClaimDecision> claims;
        BufferPresence presence;
        try {
            io.seqtrack.core.port.in.ProbedClaims probed = claimUnheld(works, held);
            claims = probed.decisions();
            presence = probed.presence();
        } catch (InvalidEventException | UnknownDomainException e) {
            if (works.size() == 1) {
                results[indexes.get(0)] = rejected(works.get(0), e);
            } else { // one bad event must not fail the others: each alone, so only the bad one is rejected
                for (int n = 0; n < works.size(); n++) {
                    results[indexes.get(n)] = run(List.of(works.get(n))).get(0);
                }
            }
            return;
        } catch (SequenceTrackingException e) {
            if (works.size() == 1) { // what it claimed is unknown: its lease expires; nothing was handled
                results[indexes.get(0)] = failClosed(works.get(0), e);
            } else {
                // a batch fails as a whole (one script call); claiming again after an unknown outcome is allowed, so
                // each event alone finds out whether it is the one the store cannot answer for — until one fails
                // alone too: then the store itself is failing (an outage, a timeout), and the rest fail closed at once
                // instead of each waiting out its own timeout
                boolean storeFailing = false;
                for (int n = 0; n < works.size(); n++) {
                    Work work = works.get(n);
                    Result alone = storeFailing ? failClosed(work, e) : run(List.of(work)).get(0);
                    storeFailing |= alone.kind() == Result.Kind.FAILED
                            && alone.error() instanceof SequenceTrackingException;
                    results[indexes.get(n)] = alone;
                }
            }
            return;
        }
        List<Integer> toHandle = new ArrayList<>();
        List<Integer> early = new ArrayList<>();
        Set<AggregateKey> probe = new HashSet<>();
        for (int n = 0; n < works.size(); n++) {
            Work work = works.get(n);
            ClaimDecision claim = claims.get(n);
            switch (claim.status()) {
                case DUPLICATE -> {
                    if (shared.emitter.observed()) {
                        shared.emitter.emit(new ProcessorEvent.Duplicate(work.key(), shared.now(), claim.sequence(),
                                claim.lastCommitted()));
                    }
                    results[indexes.get(n)] = Result.finished(work, Outcome.DUPLICATE);
                }
                case BUSY -> {
                    if (work.origin() == Work.Origin.REPLAY) { // the operator is told it stays parked: no retry later
                        results[indexes.get(n)] = Result.busyElsewhere(work);
                    } else {
                        lane.defer(work.resumedLater(), shared.settings.busyRetryDelay());
                        results[indexes.get(n)] = Result.deferred(work);
                    }
                }
                case GAP -> {
                    if (work.origin() == Work.Origin.BUFFER) { // a drained event stays where it is, in the buffer
                        results[indexes.get(n)] = Result.stillEarly(work);
                    } else {
                        early.add(n);
                        probe.add(work.key());
                    }
                }
                default -> {
                    toHandle.add(n);
                    // a held claim was ours without a break since our last commit: nothing can have been parked
                    if (work.tracked() && work.origin() != Work.Origin.REPLAY && held[n] == null) {
                        probe.add(work.key());
                    }
                }
            }
        }
        // parked by another worker or before a restart: the block is durable, not only local; and buffered events
        // nobody here knows of wait to be drained after our commit. Read with the claims, after them, so a park that
        // happened before our claim is seen (in the claims' own store call where the store holds the buffer)
        Set<AggregateKey> parked = new HashSet<>();
        for (AggregateKey key : presence.parked()) {
            if (probe.contains(key)) {
                parked.add(key);
            }
        }
        for (AggregateKey key : presence.pending()) {
            if (probe.contains(key)) {
                lane.state(key).pendingSeen = true;
            }
        }
        for (int n : early) {
            Work work = works.get(n);
            results[indexes.get(n)] = guarded(work, () -> Result.finished(work, parked.contains(work.key())
                    ? lane.parking.park(work, "aggregate blocked behind parked events")
                    : lane.gaps.bufferEarly(work, claims.get(n))));
        }
        List<Work> handled = new ArrayList<>();
        List<ClaimDecision> handledClaims = new ArrayList<>();
        List<Integer> handledIndexes = new ArrayList<>();
        List<Long> handledDeadlines = new ArrayList<>();
        for (int n : toHandle) {
            Work work = works.get(n);
            if (parked.contains(work.key())) {
                failures.release(work, claims.get(n));
                results[indexes.get(n)] = guarded(work, () -> Result.finished(work,
                        lane.parking.park(work, "aggregate blocked behind parked events")));
            } else {
                handled.add(work);
                handledClaims.add(claims.get(n));
                handledIndexes.add(indexes.get(n));
                handledDeadlines.add(deadlines[n]);
            }
        }
        if (!handled.isEmpty()) {
            handleAndCommit(handled, handledClaims, handledIndexes, handledDeadlines, results);
        }
    }

    private void handleAndCommit(List<Work> works, List<ClaimDecision> claims, List<Integer> indexes,
            List<Long> deadlines, Result[] results) {
        List<HandlerInvoker.Run> runs = invoker.invoke(works, claims, deadlines);
        List<ClaimDecision> toCommit = new ArrayList<>();
        List<Integer> committing = new ArrayList<>();
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
                results[indexes.get(n)] = failClosed(work, io.seqtrack.core.domain.SequenceStoreException.of("claim",
                        work.key(), new java.util.concurrent.TimeoutException("the claim of #" + work.sequence()
                                + " could no longer be trusted when its handler was due (three quarters of the "
                                + work.registration().leaseTtl() + " lease had passed since it was asked for)")));
            } else if (run.error() != null) {
                ClaimDecision claim = claims.get(n);
                results[indexes.get(n)] = guarded(work, () -> failures.handlerFailed(work, claim, run.error()));
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
                results[indexes.get(n)] = failClosed(work, commits.get(c).failure());
                continue;
            }
            if (commits.get(c).result() == CommitResult.CLAIM_LOST) {
                // our lease ran out and another worker took over: our effects are fenced; find out what happened
                shared.emitter.emit(new ProcessorEvent.Fenced(work.key(), shared.now(), claim.sequence(),
                        claim.fencingToken()));
                results[indexes.get(n)] = run(List.of(work)).get(0);
                continue;
            }
            if (shared.emitter.observed()) {
                shared.emitter.emit(new ProcessorEvent.Processed(work.key(), shared.now(), claim.sequence(),
                        work.attempt(), Duration.ofNanos(runs.get(n).nanos()), work.origin() == Work.Origin.BUFFER));
            }
            results[indexes.get(n)] = Result.finished(work, Outcome.PROCESSED);
        }
    }

    /** Runs a follow-up action for one work; a store failure or a bug in it fails that work only. */
    private Result guarded(Work work, java.util.function.Supplier<Result> action) {
        try {
            return action.get();
        } catch (InvalidEventException | UnknownDomainException e) {
            return rejected(work, e);
        } catch (SequenceTrackingException e) {
            return failClosed(work, e);
        } catch (RuntimeException | Error e) {
            log.error("seqtrack: {} #{} failed unexpectedly", work.key(), work.sequence(), e);
            return Result.failed(work, e);
        }
    }

    private Result rejected(Work work, RuntimeException e) {
        shared.emitter.emit(new ProcessorEvent.Rejected(work.key(), shared.now(), e.getMessage()));
        return Result.finished(work, Outcome.REJECTED);
    }

    /** The store or buffer could not answer: nothing is known to have happened — fail, never guess. */
    private Result failClosed(Work work, SequenceTrackingException e) {
        log.warn("seqtrack: {} #{} failed closed: {}", work.key(), work.sequence(), e.getMessage());
        shared.storeFailed();
        return Result.failed(work, e);
    }

    /**
     * The held claims where there are, one {@code claimAllAndProbe} for the rest: their claims and the buffer presence
     * of their aggregates, read after the claims (a held claim needs no probe: nothing was parked while we held it).
     */
    private io.seqtrack.core.port.in.ProbedClaims claimUnheld(List<Work> works, ClaimDecision[] held) {
        List<Work> unheld = new ArrayList<>(works.size());
        for (int n = 0; n < works.size(); n++) {
            if (held[n] == null) {
                unheld.add(works.get(n));
            }
        }
        if (unheld.size() == works.size()) {
            return shared.tracker.claimAllAndProbe(events(works), shared.settings.workerId(), shared.buffer);
        }
        io.seqtrack.core.port.in.ProbedClaims claimed = unheld.isEmpty()
                ? new io.seqtrack.core.port.in.ProbedClaims(List.of(), BufferPresence.NONE)
                : shared.tracker.claimAllAndProbe(events(unheld), shared.settings.workerId(), shared.buffer);
        List<ClaimDecision> all = new ArrayList<>(works.size());
        int next = 0;
        for (int n = 0; n < works.size(); n++) {
            all.add(held[n] != null ? held[n] : claimed.decisions().get(next++));
        }
        return new io.seqtrack.core.port.in.ProbedClaims(all, claimed.presence());
    }

    private static List<io.seqtrack.core.port.in.TrackedEvent> events(List<Work> works) {
        List<io.seqtrack.core.port.in.TrackedEvent> events = new ArrayList<>(works.size());
        for (Work work : works) {
            events.add(work.event());
        }
        return events;
    }
}
