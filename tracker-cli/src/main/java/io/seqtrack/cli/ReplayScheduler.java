package io.seqtrack.cli;

import io.seqtrack.processor.ProcessorScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * A single-threaded {@link ProcessorScheduler} on virtual time, for replays on the in-memory store. Lane tasks wait in
 * one FIFO queue and run when the caller says so ({@link #runReady()}); delayed tasks wait in a queue ordered by due
 * time, and {@link #runUntil} jumps the clock from one to the next. A replay therefore never waits for a gap
 * timeout in real time, and the same file always gives the same result.
 *
 * <p>Every task runs on the thread that calls {@code runReady} or {@code runUntil}; one lane is enough because
 * nothing runs in parallel anyway. The queues are guarded so that a stray call from another thread cannot corrupt
 * them, but the tasks themselves only ever run on the calling thread.
 */
final class ReplayScheduler implements ProcessorScheduler {

    private final Deque<Runnable> ready = new ArrayDeque<>();
    private final TreeSet<Timer> timers = new TreeSet<>(
            Comparator.comparingLong((Timer t) -> t.dueNanos).thenComparingLong(t -> t.order));
    private final Instant origin;
    private final long maxTimerFirings;
    private final Clock clock = new VirtualClock(ZoneOffset.UTC);
    private long elapsedNanos;
    private long nextOrder;

    /**
     * @param origin          what the virtual clock reads before any time has passed
     * @param maxTimerFirings a bound on {@link #runUntil}: a processor that keeps re-arming timers without ever
     *                        settling fails the replay instead of hanging it
     */
    ReplayScheduler(Instant origin, long maxTimerFirings) {
        this.origin = origin;
        this.maxTimerFirings = maxTimerFirings;
    }

    @Override
    public int lanes() {
        return 1;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized void execute(int lane, Runnable task) {
        checkLane(lane);
        ready.addLast(task);
    }

    @Override
    public Cancellable schedule(int lane, Duration delay, Runnable task) {
        checkLane(lane);
        return addTimer(delay, task);
    }

    @Override
    public Cancellable scheduleOffLane(Duration delay, Runnable task) {
        return addTimer(delay, task);
    }

    /** Runs queued lane tasks, including the ones they queue, until none is left. The clock does not move. */
    void runReady() {
        Runnable task;
        while ((task = pollReady()) != null) {
            task.run();
        }
    }

    /**
     * Runs queued tasks, then delayed tasks in due order, each with the clock advanced to its due time, until
     * {@code done} holds with no task queued. Periodic timers (the processor's buffer sweep) keep the timer queue
     * from ever running empty, so the caller says when the work it cares about is over.
     *
     * @return whether {@code done} held; {@code false} if no timer was left to fire while it did not
     * @throws IllegalStateException if more than {@code maxTimerFirings} delayed tasks fired
     */
    boolean runUntil(BooleanSupplier done) {
        runReady();
        long fired = 0;
        while (!done.getAsBoolean()) {
            Timer timer = pollTimer();
            if (timer == null) {
                return false;
            }
            if (++fired > maxTimerFirings) {
                throw new IllegalStateException("the processor did not settle: " + maxTimerFirings
                        + " timers fired on virtual time");
            }
            timer.task.run();
            runReady();
        }
        return true;
    }

    /** Virtual time passed since the origin. */
    synchronized Duration elapsed() {
        return Duration.ofNanos(elapsedNanos);
    }

    @Override
    public synchronized void close() {
        ready.clear();
        timers.clear();
    }

    private synchronized Runnable pollReady() {
        return ready.pollFirst();
    }

    private synchronized Timer pollTimer() {
        Timer timer = timers.pollFirst();
        if (timer != null) {
            elapsedNanos = Math.max(elapsedNanos, timer.dueNanos);
        }
        return timer;
    }

    private synchronized Timer addTimer(Duration delay, Runnable task) {
        long delayNanos = Math.max(0, saturatedNanos(delay));
        long due = elapsedNanos + delayNanos < elapsedNanos ? Long.MAX_VALUE : elapsedNanos + delayNanos;
        Timer timer = new Timer(due, nextOrder++, task);
        timers.add(timer);
        return timer;
    }

    private synchronized void cancel(Timer timer) {
        timers.remove(timer);
    }

    private static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return delay.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    private void checkLane(int lane) {
        if (lane != 0) {
            throw new IllegalArgumentException("lane must be 0 (one lane), was " + lane);
        }
    }

    /** A delayed task; cancelling removes it, so cancelled lease renewals do not pile up. */
    private final class Timer implements Cancellable {
        final long dueNanos;
        final long order;
        final Runnable task;

        Timer(long dueNanos, long order, Runnable task) {
            this.dueNanos = dueNanos;
            this.order = order;
            this.task = task;
        }

        @Override
        public void cancel() {
            ReplayScheduler.this.cancel(this);
        }
    }

    /** Reads the virtual time. */
    private final class VirtualClock extends Clock {
        private final ZoneId zone;

        VirtualClock(ZoneId zone) {
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new VirtualClock(zone);
        }

        @Override
        public Instant instant() {
            synchronized (ReplayScheduler.this) {
                return origin.plusNanos(elapsedNanos);
            }
        }
    }
}
