package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A processor's {@link ProcessorAdmin}: each {@link AdminActions} action runs on the aggregate's lane, so it never races
 * that lane's own work for the aggregate, and sees the lane's state — the claim it holds (given back first), the block,
 * the drain of buffered successors once the aggregate flows again.
 */
final class LaneAdmin implements ProcessorAdmin {

    private final AdminActions actions;
    private final Shared shared;
    private final List<Lane> lanes;

    LaneAdmin(Shared shared, List<Lane> lanes) {
        this.actions = new AdminActions(shared);
        this.shared = shared;
        this.lanes = lanes;
    }

    @Override
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        return actions.parked();
    }

    @Override
    public CompletionStage<List<Outcome>> replayParked(AggregateKey key) {
        Lane lane = lane(key);
        return lane.onLane(() -> actions.replayParked(key, new OnLane(lane)));
    }

    @Override
    public CompletionStage<Void> skipParked(AggregateKey key, long sequence) {
        Lane lane = lane(key);
        return lane.onLane(() -> {
            actions.skipParked(key, sequence, new OnLane(lane));
            return null;
        });
    }

    @Override
    public CompletionStage<Void> reset(AggregateKey key, long last) {
        Lane lane = lane(key);
        return lane.onLane(() -> {
            actions.reset(key, last, new OnLane(lane));
            return null;
        });
    }

    private Lane lane(AggregateKey key) {
        return lanes.get(shared.lane(key));
    }

    /** The lane's state as an action sees it; used only on the lane. */
    private record OnLane(Lane lane) implements AdminActions.Local {

        @Override
        public void giveBack(AggregateKey key) {
            lane.held.release(lane.state(key));
        }

        @Override
        public boolean blocked(AggregateKey key) {
            return lane.state(key).blocked;
        }

        @Override
        public void block(AggregateKey key) {
            lane.parking.block(key);
        }

        @Override
        public void unblock(AggregateKey key) {
            lane.parking.unblock(key);
        }

        @Override
        public Result replay(Work work) {
            return lane.runOne(work);
        }

        @Override
        public void drain(AggregateKey key) {
            lane.gaps.drain(key);
        }

        @Override
        public void parkResolved(AggregateKey key, long sequence, Outcome outcome) {
            lane.shared.submissions.parkResolved(key, sequence, outcome);
        }
    }
}
