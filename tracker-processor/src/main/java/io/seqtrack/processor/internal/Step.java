package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.out.BufferPresence;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Claim → handle → commit for a batch of works of distinct aggregates, with one store call per phase: one
 * {@code claimAllAndProbe} (the claims and, read after them, which aggregates have parked or pending events — one
 * round trip where the store holds the buffer), the handlers, one {@code commitAll}. Returns what
 * happened to each work as a {@link Result}; it completes no submission itself. Here: what needs no claim (a duplicate
 * this lane knows, an aggregate blocked behind parked events), the claims and where each leads (duplicate, busy, early,
 * parked elsewhere, to the handler), and a failed batch claim split into claims of one; {@link HandleAndCommit} runs
 * the handlers and the commit.
 */
final class Step {

    private final Lane lane;
    private final Shared shared;
    private final HandlerFailures failures;
    private final Faults faults;
    private final HandleAndCommit handleAndCommit;

    Step(Lane lane, HandlerInvoker invoker) {
        this.lane = lane;
        this.shared = lane.shared;
        this.failures = new HandlerFailures(lane);
        this.faults = new Faults(shared);
        this.handleAndCommit = new HandleAndCommit(lane, invoker, failures, faults);
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
            Result blocked = faults.guarded(work, () -> behindParked(work));
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
        List<ParkedEvent> parked = shared.buffer.parked(work.key());
        if (parked.isEmpty()) {
            lane.parking.unblock(work.key()); // an operator (maybe through another worker) replayed or skipped it
            if (shared.submissions.waitsOnParks(work.key())) { // only on a buffer that is not durable
                shared.submissions.parksPassed(work.key(), shared.tracker.lastCommitted(work.key()));
            }
            return null;
        }
        long last = shared.tracker.lastCommitted(work.key());
        if (work.sequence() <= last) { // a redelivery of something already committed is a duplicate, not parked
            shared.emitter.emit(new ProcessorEvent.Duplicate(work.key(), shared.now(), work.sequence(), last));
            return Result.finished(work, Outcome.DUPLICATE);
        }
        if (lane.parking.dropParksCommittedElsewhere(work.key(), parked, last)) {
            return null; // nothing left to wait behind: claim it as usual
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
                results[indexes.get(0)] = faults.rejected(works.get(0), e);
            } else { // one bad event must not fail the others: each alone, so only the bad one is rejected
                for (int n = 0; n < works.size(); n++) {
                    results[indexes.get(n)] = run(List.of(works.get(n))).get(0);
                }
            }
            return;
        } catch (SequenceTrackingException e) {
            if (works.size() == 1) { // what it claimed is unknown: its lease expires; nothing was handled
                results[indexes.get(0)] = faults.failClosed(works.get(0), e);
            } else {
                // a batch fails as a whole (one script call); claiming again after an unknown outcome is allowed, so
                // each event alone finds out whether it is the one the store cannot answer for — until one fails
                // alone too: then the store itself is failing (an outage, a timeout), and the rest fail closed at once
                // instead of each waiting out its own timeout
                boolean storeFailing = false;
                for (int n = 0; n < works.size(); n++) {
                    Work work = works.get(n);
                    Result alone = storeFailing ? faults.failClosed(work, e) : run(List.of(work)).get(0);
                    storeFailing |= alone.kind() == Result.Kind.FAILED
                            && alone.error() instanceof SequenceTrackingException;
                    results[indexes.get(n)] = alone;
                }
            }
            return;
        }
        List<Integer> toHandle = new ArrayList<>(works.size());
        List<Integer> early = new ArrayList<>();
        boolean[] probed = new boolean[works.size()]; // whose buffer presence counts (see below)
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
                        probed[n] = true;
                    }
                }
                default -> {
                    toHandle.add(n);
                    // a held claim was ours without a break since our last commit: nothing can have been parked
                    probed[n] = work.tracked() && work.origin() != Work.Origin.REPLAY && held[n] == null;
                }
            }
        }
        // parked by another worker or before a restart: the block is durable, not only local; and buffered events
        // nobody here knows of wait to be drained after our commit. Read with the claims, after them, so a park that
        // happened before our claim is seen (in the claims' own store call where the store holds the buffer)
        Set<AggregateKey> parked = parkedElsewhere(works, probed, presence);
        for (int n : early) {
            Work work = works.get(n);
            results[indexes.get(n)] = faults.guarded(work, () -> Result.finished(work, !parked.isEmpty() && parked.contains(work.key())
                    ? lane.parking.park(work, "aggregate blocked behind parked events")
                    : lane.gaps.bufferEarly(work, claims.get(n))));
        }
        List<Work> handled = new ArrayList<>(toHandle.size());
        List<ClaimDecision> handledClaims = new ArrayList<>(toHandle.size());
        List<Integer> handledIndexes = new ArrayList<>(toHandle.size());
        List<Long> handledDeadlines = new ArrayList<>(toHandle.size());
        for (int n : toHandle) {
            Work work = works.get(n);
            if (!parked.isEmpty() && parked.contains(work.key())) { // isEmpty first: no key hashed per event
                failures.release(work, claims.get(n));
                results[indexes.get(n)] = faults.guarded(work, () -> Result.finished(work,
                        lane.parking.park(work, "aggregate blocked behind parked events")));
            } else {
                handled.add(work);
                handledClaims.add(claims.get(n));
                handledIndexes.add(indexes.get(n));
                handledDeadlines.add(deadlines[n]);
            }
        }
        if (!handled.isEmpty()) {
            handleAndCommit.run(handled, handledClaims, handledIndexes, handledDeadlines, results);
        }
    }

    /**
     * Of the aggregates whose presence counts ({@code probed}), those with parked events; those with pending events are
     * marked {@code pendingSeen}. Presence is nearly always empty, so nothing is built for it then.
     */
    private Set<AggregateKey> parkedElsewhere(List<Work> works, boolean[] probed, BufferPresence presence) {
        if (presence.parked().isEmpty() && presence.pending().isEmpty()) {
            return Set.of();
        }
        Set<AggregateKey> probe = new HashSet<>();
        for (int n = 0; n < works.size(); n++) {
            if (probed[n]) {
                probe.add(works.get(n).key());
            }
        }
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
        return parked;
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
