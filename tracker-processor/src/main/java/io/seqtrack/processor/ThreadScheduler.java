package io.seqtrack.processor;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The production scheduler: one single-thread executor per lane and a timer thread handing delayed work to lanes. */
final class ThreadScheduler implements ProcessorScheduler {

    private final List<ExecutorService> lanes = new ArrayList<>();
    private final ScheduledExecutorService timer;
    /** Off-lane work (lease renewal, buffer sweeps) does store I/O: never on the timer thread, which must stay punctual. */
    private final ExecutorService offLane;
    private final Clock clock;

    ThreadScheduler(int laneCount, Clock clock) {
        if (laneCount < 1) {
            throw new IllegalArgumentException("lanes must be >= 1, was " + laneCount);
        }
        this.clock = clock;
        for (int i = 0; i < laneCount; i++) {
            int index = i;
            lanes.add(Executors.newSingleThreadExecutor(r -> daemon(r, "seqtrack-lane-" + index)));
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "seqtrack-timer"));
        this.offLane = Executors.newFixedThreadPool(2, r -> daemon(r, "seqtrack-off-lane"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public int lanes() {
        return lanes.size();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public long deadlineMillis() {
        return System.nanoTime() / 1_000_000; // monotonic: only differences are compared
    }

    @Override
    public void execute(int lane, Runnable task) {
        lanes.get(lane).execute(task);
    }

    @Override
    public Cancellable schedule(int lane, Duration delay, Runnable task) {
        ScheduledFuture<?> f = timer.schedule(() -> execute(lane, task), Math.max(0, delay.toNanos()),
                TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public Cancellable scheduleOffLane(Duration delay, Runnable task) {
        ScheduledFuture<?> f = timer.schedule(() -> offLane.execute(task), Math.max(0, delay.toNanos()),
                TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        offLane.shutdownNow();
        lanes.forEach(ExecutorService::shutdown);
        for (ExecutorService lane : lanes) {
            try {
                if (!lane.awaitTermination(10, TimeUnit.SECONDS)) {
                    lane.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lane.shutdownNow();
            }
        }
    }
}
