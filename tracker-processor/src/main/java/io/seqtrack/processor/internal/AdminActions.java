package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's actions — list, replay and skip parked events, reset an aggregate — written once, over a registry, the
 * tracker (the store), the buffer and the listeners. Where an action runs is the caller's choice: a processor runs it on
 * the aggregate's lane ({@link LaneAdmin}), so it serialises with the lane's own work for that aggregate, and lends it
 * the lane's local state ({@link Local}); {@code StoreAdmin} runs skip and reset directly over a store and a buffer, with
 * no processor and no worker state ({@link Local#NONE}), and replays on a {@link DetachedLane} of its own, through the
 * handler given for that replay. Every action is announced as a {@link ProcessorEvent.AdminAction}.
 */
public final class AdminActions {

    /** What an action needs of the worker it runs in. */
    interface Local {

        /** Gives back this worker's held claim of the aggregate (sticky ownership): an operator acts on the store. */
        void giveBack(AggregateKey key);

        /** Whether this worker holds the aggregate blocked behind parked events. */
        boolean blocked(AggregateKey key);

        void block(AggregateKey key);

        void unblock(AggregateKey key);

        /** Runs one parked event through claim → handle → commit, with one attempt; a failure parks it again. */
        Result replay(Work work);

        /** Handles the aggregate's buffered successors that are now in order. */
        void drain(AggregateKey key);

        /**
         * A parked event left the parked list with a final fate (replayed, skipped, found committed): the submissions
         * that were answered {@code PARKED} for it here may be acknowledged now (see
         * {@link Submissions#parkedHere}).
         */
        default void parkResolved(AggregateKey key, long sequence, Outcome outcome) {
        }

        /**
         * No worker: nothing held, nothing blocked locally, no handler. Buffered successors an action releases are left
         * to the processors (their gap timers, wake-ups and sweeps); replaying needs a lane.
         */
        Local NONE = new Local() {
            @Override
            public void giveBack(AggregateKey key) {
            }

            @Override
            public boolean blocked(AggregateKey key) {
                return false;
            }

            @Override
            public void block(AggregateKey key) {
            }

            @Override
            public void unblock(AggregateKey key) {
            }

            @Override
            public Result replay(Work work) {
                throw new UnsupportedOperationException("a replay runs on a lane, with a handler");
            }

            @Override
            public void drain(AggregateKey key) {
            }
        };
    }

    private final DomainRegistry registry;
    private final SequenceTracker tracker;
    private final EventBuffer buffer;
    private final Emitter emitter;

    AdminActions(DomainRegistry registry, SequenceTracker tracker, EventBuffer buffer, Emitter emitter) {
        this.registry = registry;
        this.tracker = tracker;
        this.buffer = buffer;
        this.emitter = emitter;
    }

    /** A processor's: its tracker, buffer and listeners. */
    AdminActions(Shared shared) {
        this(shared.registry, shared.tracker, shared.buffer, shared.emitter);
    }

    /** Actions over a store and a buffer, with no processor: what {@code StoreAdmin} runs. */
    public static AdminActions over(DomainRegistry registry, SequenceStore store, EventBuffer buffer,
            List<ProcessorListener> listeners, Clock clock) {
        return new AdminActions(registry, new SequenceTrackerService(registry, store), buffer,
                new Emitter(listeners, clock));
    }

    /** Parked events per aggregate, in sequence order. */
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        Map<AggregateKey, List<ParkedEvent>> result = new LinkedHashMap<>();
        for (AggregateKey key : buffer.parkedAggregates()) {
            List<ParkedEvent> events = buffer.parked(key);
            if (!events.isEmpty()) {
                result.put(key, events);
            }
        }
        return result;
    }

    /** {@link #skipParked(AggregateKey, long, Local)} with no worker. */
    public void skipParked(AggregateKey key, long sequence) {
        skipParked(key, sequence, Local.NONE);
    }

    /** {@link #reset(AggregateKey, long, Local)} with no worker. */
    public void reset(AggregateKey key, long last) {
        reset(key, last, Local.NONE);
    }

    /**
     * Replays until the aggregate's parked list is empty — events parked meanwhile (by another worker, or behind one
     * replayed here) are replayed too — or until one fails again, is busy elsewhere or is refused; then it and
     * everything behind it stay parked and are reported {@code PARKED}.
     */
    List<Outcome> replayParked(AggregateKey key, Local local) {
        local.giveBack(key); // an operator acts on the store's state, not on this worker's claim
        DomainRegistration registration = registry.lookup(key.domain());
        List<Outcome> outcomes = new ArrayList<>();
        local.unblock(key);
        boolean first = true;
        while (!local.blocked(key)) {
            List<ParkedEvent> parkedEvents = buffer.parked(key);
            if (first) {
                emitter.emit(new ProcessorEvent.AdminAction(key, emitter.now(), "replay-parked",
                        parkedEvents.size() + " event(s)"));
                first = false;
            }
            if (parkedEvents.isEmpty()) {
                break;
            }
            for (int i = 0; i < parkedEvents.size(); i++) {
                ParkedEvent parkedEvent = parkedEvents.get(i);
                Event event = Parking.fromBuffered(key, registration, parkedEvent.event());
                Result result = local.replay(Work.of(event, key, registration, Work.Origin.REPLAY,
                        TrackedSubmission.detached(event, null)));
                if (result.failedWith() != null) {
                    throw result.failedWith();
                }
                Outcome outcome = result.kind() == Result.Kind.FINISHED ? result.outcome() : null;
                if (outcome == Outcome.PROCESSED || outcome == Outcome.DUPLICATE || outcome == Outcome.BUFFERED) {
                    // handled, already handled, or back in the (durable) pending buffer: now leave the parked list
                    buffer.removeParked(key, parkedEvent.sequence());
                    if (outcome != Outcome.BUFFERED) {
                        local.parkResolved(key, parkedEvent.sequence(), outcome);
                    }
                    outcomes.add(outcome);
                    continue;
                }
                // failed again (parked again), busy elsewhere, or refused: it stays parked, and so does the rest
                for (int rest = i; rest < parkedEvents.size(); rest++) {
                    outcomes.add(Outcome.PARKED);
                }
                local.block(key);
                break;
            }
        }
        if (!local.blocked(key)) {
            local.drain(key);
        }
        return outcomes;
    }

    /**
     * Skips a parked event. If it is the next expected sequence, the store skips it and records the skip in one atomic
     * step first (refused while anyone holds a claim on the aggregate: an {@link IllegalStateException}, and nothing
     * changes); then it leaves the parked list. A parked event that is committed already only leaves the parked list;
     * one that is not next (an earlier one is parked too) is refused, since dropping it would leave an unrecorded gap.
     */
    void skipParked(AggregateKey key, long sequence, Local local) {
        local.giveBack(key); // a skip is refused while any claim is held, ours included
        boolean parkedThere = buffer.parked(key).stream().anyMatch(p -> p.event().sequence() == sequence);
        long last = tracker.lastCommitted(key);
        if (parkedThere && last < sequence - 1) {
            // dropping it would leave a gap at #sequence that nothing records and nothing will ever fill
            throw new IllegalStateException("cannot skip " + key + " #" + sequence + ": it is not the next sequence"
                    + " (last committed is " + last + "); skip or replay the parked events before it first;"
                    + " nothing was changed");
        }
        SkippedRange range = new SkippedRange(sequence, sequence, emitter.now(), "operator skipped parked event");
        SkipResult skip = parkedThere && last == sequence - 1 ? tracker.skip(key, range) : null;
        if (skip != null && skip.status() == SkipResult.Status.BUSY) {
            throw new IllegalStateException("cannot skip " + key + " #" + sequence + " now: "
                    + skip.claim().map(c -> c.owner() + " holds a claim on #" + c.sequence() + " until "
                            + c.expiresAt()).orElse("a claim is held") + "; nothing was changed, try again later");
        }
        boolean removed = buffer.removeParked(key, sequence);
        if (removed) { // skipped now, or committed already
            local.parkResolved(key, sequence, skip != null && skip.skipped() ? Outcome.SKIPPED : Outcome.DUPLICATE);
        }
        emitter.emit(new ProcessorEvent.AdminAction(key, emitter.now(), "skip-parked", "#" + sequence
                + (removed ? "" : " (was not parked)")));
        if (skip != null && skip.skipped()) {
            emitter.emit(new ProcessorEvent.Skipped(key, emitter.now(), range));
        }
        if (buffer.parked(key).isEmpty()) {
            local.unblock(key);
            local.drain(key);
        }
    }

    /**
     * Sets the aggregate's last committed sequence. A live claim of another worker is revoked and waited out by the
     * store first (invariant 10), so this may take up to a lease per round.
     */
    void reset(AggregateKey key, long last, Local local) {
        local.giveBack(key);
        tracker.reset(key, last);
        emitter.emit(new ProcessorEvent.AdminAction(key, emitter.now(), "reset", "last committed set to " + last));
    }
}
