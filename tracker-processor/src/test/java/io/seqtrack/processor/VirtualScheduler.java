package io.seqtrack.processor;

import io.seqtrack.tck.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * Deterministic virtual time for processor tests: lane tasks run on the test thread in submission order when the test
 * calls {@link #runReady()} or {@link #advance(Duration)}; delayed tasks run when virtual time reaches them. Never
 * sleeps. One test thread drives it; only {@link #execute} may also be called from other threads (store wake-ups).
 */
final class VirtualScheduler implements ProcessorScheduler {

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();
    private final int lanes;
    /** Thread-safe: a store's wake-up may queue lane work from its own thread. */
    private final java.util.concurrent.LinkedBlockingDeque<Runnable> ready = new java.util.concurrent.LinkedBlockingDeque<>();
    private final PriorityQueue<Timed> timed = new PriorityQueue<>();
    private long order;

    VirtualScheduler(int lanes) {
        this.lanes = lanes;
    }

    private static final class Timed implements Comparable<Timed> {
        final Instant due;
        final long order;
        final Runnable task;
        boolean cancelled;

        Timed(Instant due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Timed o) {
            int byTime = due.compareTo(o.due);
            return byTime != 0 ? byTime : Long.compare(order, o.order);
        }
    }

    @Override
    public int lanes() {
        return lanes;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    ManualClock manualClock() {
        return clock;
    }

    /** Deadlines on a clock of their own (a monotonic clock while the wall clock steps); {@code null}: the wall one. */
    private volatile ManualClock deadlines;

    void deadlinesOn(ManualClock monotonic) {
        this.deadlines = monotonic;
    }

    @Override
    public long deadlineMillis() {
        ManualClock own = deadlines;
        return own == null ? clock.millis() : own.millis();
    }

    @Override
    public void execute(int lane, Runnable task) {
        ready.add(task);
    }

    @Override
    public Cancellable schedule(int lane, Duration delay, Runnable task) {
        Timed t = new Timed(clock.instant().plus(delay), order++, task);
        timed.add(t);
        return () -> t.cancelled = true;
    }

    @Override
    public Cancellable scheduleOffLane(Duration delay, Runnable task) {
        return schedule(-1, delay, task);
    }

    /** Runs every queued lane task, including the ones they queue. */
    void runReady() {
        int guard = 0;
        while (!ready.isEmpty()) {
            ready.poll().run();
            if (++guard > 1_000_000) {
                throw new IllegalStateException("lane tasks keep queueing more tasks");
            }
        }
    }

    /**
     * Blocks the test thread (no virtual time passes) until another thread — a store's wake-up — queues lane work, or
     * {@code bound} of real time has passed; the bound only keeps a failing test from hanging.
     *
     * @return whether lane work is queued; it has not run yet ({@link #runReady()} runs it)
     */
    boolean awaitQueued(Duration bound) throws InterruptedException {
        Runnable first = ready.pollFirst(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (first == null) {
            return false;
        }
        ready.addFirst(first);
        return true;
    }

    /** Moves virtual time forward, running every task that falls due, in time order. */
    void advance(Duration duration) {
        Instant target = clock.instant().plus(duration);
        runReady();
        while (!timed.isEmpty() && !timed.peek().due.isAfter(target)) {
            Timed next = timed.poll();
            if (next.cancelled) {
                continue;
            }
            if (next.due.isAfter(clock.instant())) {
                clock.advance(Duration.between(clock.instant(), next.due));
            }
            next.task.run();
            runReady();
        }
        if (target.isAfter(clock.instant())) {
            clock.advance(Duration.between(clock.instant(), target));
        }
        runReady();
    }

    /** Whether any uncancelled delayed task is waiting. */
    boolean hasTimers() {
        return timed.stream().anyMatch(t -> !t.cancelled);
    }

    @Override
    public void close() {
        ready.clear();
        timed.clear();
    }
}
