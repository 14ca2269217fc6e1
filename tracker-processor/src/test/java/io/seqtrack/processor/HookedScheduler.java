package io.seqtrack.processor;

import java.time.Clock;
import java.time.Duration;

/**
 * A scheduler the processor does not own, forwarding to another, with a hook on {@code scheduleOffLane} (lease renewal
 * timers, the buffer sweep): the place to make "another thread did X at this moment" happen.
 */
final class HookedScheduler implements ProcessorScheduler {

    /** Runs when something is scheduled off the lanes; return normally to let it be scheduled, or throw. */
    interface OffLaneHook {
        void scheduling(Duration delay);
    }

    private final ProcessorScheduler delegate;
    volatile OffLaneHook onScheduleOffLane = delay -> { };
    /** Runs when a lane task is submitted; return normally to let it run, or throw. */
    volatile Runnable onExecute = () -> { };

    HookedScheduler(ProcessorScheduler delegate) {
        this.delegate = delegate;
    }

    @Override
    public int lanes() {
        return delegate.lanes();
    }

    @Override
    public Clock clock() {
        return delegate.clock();
    }

    @Override
    public void execute(int lane, Runnable task) {
        onExecute.run();
        delegate.execute(lane, task);
    }

    @Override
    public Cancellable schedule(int lane, Duration delay, Runnable task) {
        return delegate.schedule(lane, delay, task);
    }

    @Override
    public Cancellable scheduleOffLane(Duration delay, Runnable task) {
        onScheduleOffLane.scheduling(delay);
        return delegate.scheduleOffLane(delay, task);
    }

    @Override
    public void close() {
        // shared: the processor does not own it
    }
}
