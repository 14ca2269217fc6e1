package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.out.CommitSubscription;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How buffered events find a worker when nobody here waits for them: the store's commit wake-ups (another worker
 * committed a predecessor of ours), and the sweep — at start and every sweep interval every aggregate with buffered
 * events gets a gap timer here, even if no worker that is alive buffered them (a crash, a restart, a worker that
 * drained and died). The sweep also re-synchronises the total-buffer count with the (possibly shared) buffer.
 */
final class BufferSweeper {

    private static final Logger log = LoggerFactory.getLogger(BufferSweeper.class);

    private final Shared shared;
    private final List<Lane> lanes;
    private final CommitSubscription wakeUps;

    BufferSweeper(Shared shared, List<Lane> lanes) {
        this.shared = shared;
        this.lanes = lanes;
        this.wakeUps = subscribe();
        if (shared.settings.adoptOrphanedBuffers()) {
            shared.scheduler.scheduleOffLane(java.time.Duration.ZERO, this::sweep);
        }
    }

    void close() {
        wakeUps.close();
    }

    private CommitSubscription subscribe() {
        try {
            return shared.store.subscribeCommits(key -> {
                if (shared.gauges.openGaps.containsKey(key)) {
                    Lane lane = lanes.get(shared.lane(key));
                    shared.scheduler.execute(lane.index, () -> lane.gaps.recheckNow(key));
                }
            });
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: no wake-ups from the store ({}); gaps filled by other workers are found by the "
                    + "recheck timer every {}", e.getMessage(), shared.settings.recheckInterval());
            return CommitSubscription.NONE;
        }
    }

    private void sweep() {
        if (shared.lifecycle.closed()) {
            return;
        }
        try {
            shared.gauges.buffered.set(shared.buffer.pendingCount());
            for (AggregateKey key : shared.buffer.aggregatesWithPending()) {
                if (!shared.gauges.openGaps.containsKey(key)) {
                    Lane lane = lanes.get(shared.lane(key));
                    shared.scheduler.execute(lane.index, () -> adopt(lane, key));
                }
            }
        } catch (RuntimeException e) {
            log.warn("seqtrack: buffer sweep failed ({}); next try in {}", e.toString(), shared.settings.sweepInterval());
        }
        try {
            shared.scheduler.scheduleOffLane(shared.settings.sweepInterval(), this::sweep);
        } catch (RejectedExecutionException e) {
            // closed meanwhile (an owned scheduler refuses new work once closing): there is nothing left to sweep for
            if (!shared.lifecycle.closed()) {
                throw e;
            }
        }
    }

    /** Takes charge of an aggregate whose buffered events nobody here waits for: drain what fits, time the rest. */
    private void adopt(Lane lane, AggregateKey key) {
        if (shared.lifecycle.closed() || shared.gauges.openGaps.containsKey(key)) {
            return;
        }
        try {
            lane.gaps.drain(key); // opens a gap (with timer) if the first pending event is still early
        } catch (RuntimeException e) {
            log.warn("seqtrack: adopting buffered events of {} failed: {}", key, e.toString());
        }
    }
}
