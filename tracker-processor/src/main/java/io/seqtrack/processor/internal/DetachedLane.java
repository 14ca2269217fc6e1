package io.seqtrack.processor.internal;

import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorScheduler;
import java.util.List;

/**
 * One lane with no processor around it — no admission, no store wake-ups, no buffer sweep: nothing runs on it but the
 * admin actions it is given, on a scheduler of its own. {@code StoreAdmin} replays an aggregate's parked events on one,
 * through the handler given for that replay, with the code a processor's admin runs ({@link LaneAdmin}). Closing it
 * ends what the replay left behind (the timers of a gap it opened) as closing a processor would.
 */
public final class DetachedLane implements AutoCloseable {

    private final Shared shared;
    private final LaneAdmin admin;

    /** @param settings a one-lane processor's settings whose scheduler is unset: the lane makes and owns one */
    public DetachedLane(ProcessorSettings settings) {
        if (settings.scheduler() != null || settings.parallelism() != 1) {
            throw new IllegalArgumentException("a detached lane is one lane on a scheduler of its own");
        }
        this.shared = new Shared(settings, ProcessorScheduler.threads(1));
        this.admin = new LaneAdmin(shared, List.of(new Lane(0, shared)));
    }

    /** The admin actions, each run on the lane. */
    public ProcessorAdmin admin() {
        return admin;
    }

    @Override
    public void close() {
        shared.lifecycle.close();
        shared.scheduler.close(); // lets the lane's work end; drops its timers
    }
}
