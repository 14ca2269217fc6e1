package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** The operator's actions, each on the aggregate's lane so they never race its events. */
final class Admin implements ProcessorAdmin {

    private final Shared shared;
    private final List<Lane> lanes;

    Admin(Shared shared, List<Lane> lanes) {
        this.shared = shared;
        this.lanes = lanes;
    }

    private Lane lane(AggregateKey key) {
        return lanes.get(shared.lane(key));
    }

    @Override
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        Map<AggregateKey, List<ParkedEvent>> result = new LinkedHashMap<>();
        for (AggregateKey key : shared.buffer.parkedAggregates()) {
            List<ParkedEvent> events = shared.buffer.parked(key);
            if (!events.isEmpty()) {
                result.put(key, events);
            }
        }
        return result;
    }

    /**
     * Replays until the aggregate's parked list is empty — events parked meanwhile (by another worker, or behind one
     * replayed here) are replayed too — or until one fails again, is busy elsewhere or is refused; then it and
     * everything behind it stay parked and are reported {@code PARKED}.
     */
    @Override
    public CompletionStage<List<Outcome>> replayParked(AggregateKey key) {
        Lane lane = lane(key);
        return lane.onLane(() -> {
            lane.held.release(lane.state(key)); // an operator acts on the store's state, not on this worker's claim
            DomainRegistration registration = shared.registry.lookup(key.domain());
            List<Outcome> outcomes = new ArrayList<>();
            lane.parking.unblock(key);
            boolean first = true;
            while (!lane.state(key).blocked) {
                List<ParkedEvent> parkedEvents = shared.buffer.parked(key);
                if (first) {
                    shared.emitter.emit(new ProcessorEvent.AdminAction(key, shared.now(), "replay-parked",
                            parkedEvents.size() + " event(s)"));
                    first = false;
                }
                if (parkedEvents.isEmpty()) {
                    break;
                }
                for (int i = 0; i < parkedEvents.size(); i++) {
                    ParkedEvent parkedEvent = parkedEvents.get(i);
                    io.seqtrack.processor.Event event = Parking.fromBuffered(key, registration, parkedEvent.event());
                    Result result = lane.runOne(Work.of(event, key, registration, Work.Origin.REPLAY,
                            TrackedSubmission.detached(event, null)));
                    if (result.failedWith() != null) {
                        throw result.failedWith();
                    }
                    Outcome outcome = result.kind() == Result.Kind.FINISHED ? result.outcome() : null;
                    if (outcome == Outcome.PROCESSED || outcome == Outcome.DUPLICATE || outcome == Outcome.BUFFERED) {
                        // handled, already handled, or back in the (durable) pending buffer: now leave the parked list
                        shared.buffer.removeParked(key, parkedEvent.sequence());
                        outcomes.add(outcome);
                        continue;
                    }
                    // failed again (parked again), busy elsewhere, or refused: it stays parked, and so does the rest
                    for (int rest = i; rest < parkedEvents.size(); rest++) {
                        outcomes.add(Outcome.PARKED);
                    }
                    lane.parking.block(key);
                    break;
                }
            }
            if (!lane.state(key).blocked) {
                lane.gaps.drain(key);
            }
            return outcomes;
        });
    }

    /**
     * Skips a parked event. If it is the next expected sequence, the store skips it and records the skip in one atomic
     * step first (refused while anyone holds a claim on the aggregate: the future then fails and nothing changes);
     * then it leaves the parked list. A parked event that is committed already only leaves the parked list; one that
     * is not next (an earlier one is parked too) is refused, since dropping it would leave an unrecorded gap.
     */
    @Override
    public CompletionStage<Void> skipParked(AggregateKey key, long sequence) {
        Lane lane = lane(key);
        return lane.onLane(() -> {
            lane.held.release(lane.state(key)); // a skip is refused while any claim is held, ours included
            boolean parkedThere = shared.buffer.parked(key).stream().anyMatch(p -> p.event().sequence() == sequence);
            long last = shared.tracker.lastCommitted(key);
            if (parkedThere && last < sequence - 1) {
                // dropping it would leave a gap at #sequence that nothing records and nothing will ever fill
                throw new IllegalStateException("cannot skip " + key + " #" + sequence + ": it is not the next sequence"
                        + " (last committed is " + last + "); skip or replay the parked events before it first;"
                        + " nothing was changed");
            }
            SkippedRange range = new SkippedRange(sequence, sequence, shared.now(), "operator skipped parked event");
            SkipResult skip = parkedThere && last == sequence - 1 ? shared.tracker.skip(key, range) : null;
            if (skip != null && skip.status() == SkipResult.Status.BUSY) {
                throw new IllegalStateException("cannot skip " + key + " #" + sequence + " now: "
                        + skip.claim().map(c -> c.owner() + " holds a claim on #" + c.sequence() + " until "
                                + c.expiresAt()).orElse("a claim is held") + "; nothing was changed, try again later");
            }
            boolean removed = shared.buffer.removeParked(key, sequence);
            shared.emitter.emit(new ProcessorEvent.AdminAction(key, shared.now(), "skip-parked", "#" + sequence
                    + (removed ? "" : " (was not parked)")));
            if (skip != null && skip.skipped()) {
                shared.emitter.emit(new ProcessorEvent.Skipped(key, shared.now(), range));
            }
            if (shared.buffer.parked(key).isEmpty()) {
                lane.parking.unblock(key);
                lane.gaps.drain(key);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> reset(AggregateKey key, long last) {
        Lane lane = lane(key);
        return lane.onLane(() -> {
            lane.held.release(lane.state(key));
            shared.tracker.reset(key, last);
            shared.emitter.emit(new ProcessorEvent.AdminAction(key, shared.now(), "reset",
                    "last committed set to " + last));
            return null;
        });
    }
}
