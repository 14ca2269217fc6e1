package io.seqtrack.cli;

import io.seqtrack.processor.ProcessorScheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The production scheduler ({@link ProcessorScheduler#threads}) with a count of lane work, so a real-time replay can
 * tell when its processor is quiet. The processor's gauges alone cannot: it completes an event's outcome before it
 * registers the gap the event opened, so "no submission unfinished and no gap open" can be read in between.
 */
final class ReplayThreads implements ProcessorScheduler {

    private final ProcessorScheduler lanes;
    /** Lane tasks queued or running, and off-lane tasks running. */
    private final AtomicLong active = new AtomicLong();
    /** Lane tasks ever queued: tells whether any work started between two reads. */
    private final AtomicLong queued = new AtomicLong();
    private final Object idle = new Object();

    ReplayThreads(int lanes) {
        this.lanes = ProcessorScheduler.threads(lanes);
    }

    @Override
    public int lanes() {
        return lanes.lanes();
    }

    @Override
    public Clock clock() {
        return lanes.clock();
    }

    @Override
    public void execute(int lane, Runnable task) {
        active.incrementAndGet();
        queued.incrementAndGet();
        try {
            lanes.execute(lane, () -> {
                try {
                    task.run();
                } finally {
                    finished();
                }
            });
        } catch (RuntimeException e) {
            finished(); // rejected: never queued
            throw e;
        }
    }

    private void finished() {
        if (active.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    @Override
    public Cancellable schedule(int lane, Duration delay, Runnable task) {
        // the timer hands the task to the lane through execute, so it is counted from the moment it is queued there
        return lanes.scheduleOffLane(delay, () -> execute(lane, task));
    }

    /** Counted while it runs: the processor's buffer sweep, off the lanes, queues lane work for what it finds. */
    @Override
    public Cancellable scheduleOffLane(Duration delay, Runnable task) {
        return lanes.scheduleOffLane(delay, () -> {
            active.incrementAndGet();
            queued.incrementAndGet();
            try {
                task.run();
            } finally {
                finished();
            }
        });
    }

    /**
     * Whether {@code condition} holds while no lane task is queued or running, with no lane task queued in between:
     * a consistent reading of state that only lane tasks change.
     */
    boolean quietWhile(BooleanSupplier condition) {
        long before = queued.get();
        if (active.get() != 0 || !condition.getAsBoolean()) {
            return false;
        }
        return active.get() == 0 && queued.get() == before;
    }

    /**
     * Waits, at most {@code timeout}, until no lane task is queued or running — so that closing does not cut off work
     * that was queued before a failure (the closed timer would refuse its lease renewals).
     *
     * @return whether the lanes went quiet in time
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (active.get() != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    @Override
    public void close() {
        lanes.close();
    }
}
