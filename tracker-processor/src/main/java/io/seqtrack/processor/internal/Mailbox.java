package io.seqtrack.processor.internal;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lane's mailbox and the scheduling of its runs: the only part of a {@link Lane} other threads touch. Submitters add
 * works from any thread; the one that finds the lane idle schedules a run; a run takes what arrived through
 * {@link Lane#pump} and stays the only run until it finds the mailbox empty, so a busy lane costs its submitters no
 * task and no wake-up.
 */
final class Mailbox {

    /** Batches per run before the lane yields to its timers (gap timeouts, retries). */
    static final int BATCHES_PER_RUN = 16;

    private final Lane lane;
    private final Queue<Work> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Mailbox(Lane lane) {
        this.lane = lane;
    }

    // ------------------------------------------------------------------ any thread

    void add(Work work) {
        queue.add(work);
        if (scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    /** {@link #add} for several works, in their order: one hand-off to the mailbox, at most one run scheduled. */
    void addAll(List<Work> works) {
        queue.addAll(works);
        if (scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    /**
     * Schedules a run of the lane (the caller set {@link #scheduled}). If the scheduler refuses — closed, or its
     * executor shut down — nothing waiting here would ever run: those submissions fail with the refusal instead of
     * waiting forever, and the refusal does not escape onto a scheduler or submitter thread.
     */
    private void schedule() {
        try {
            lane.shared.scheduler.execute(lane.index, this::run);
        } catch (RuntimeException e) {
            scheduled.set(false);
            Work refused;
            while ((refused = queue.poll()) != null) {
                refused.submission().fail(e);
            }
        }
    }

    // ------------------------------------------------------------------ on the lane

    /** The next work that arrived, or null. */
    Work poll() {
        return queue.poll();
    }

    /**
     * One run of the lane, scheduled by a submission that found it idle. {@link #scheduled} stays set while it runs, so
     * submissions arriving meanwhile only join the mailbox (no task, no wake-up): the run drains them itself. It is
     * cleared only when the run finds nothing left, and the mailbox is looked at once more after that, so a submission
     * racing with the clear is either seen here or schedules the next run itself.
     */
    private void run() {
        lane.beforeRun();
        int batches = 0;
        while (true) {
            batches += lane.pump(BATCHES_PER_RUN - batches);
            if (batches >= BATCHES_PER_RUN && hasWork()) { // more is waiting: let the lane's timers in first
                reschedule();
                return;
            }
            scheduled.set(false);
            if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                return; // idle; or a racing submission scheduled the next run
            }
        }
    }

    /** A run outside {@link #run} (a retry's): what it leaves over gets a run of its own unless one is due anyway. */
    void pumpOutsideRun() {
        if (lane.pump(BATCHES_PER_RUN) == BATCHES_PER_RUN && hasWork() && scheduled.compareAndSet(false, true)) {
            reschedule();
        }
    }

    private boolean hasWork() {
        return lane.hasReady() || !queue.isEmpty();
    }

    /** Schedules the next run while this lane holds {@link #scheduled}. */
    private void reschedule() {
        schedule();
        if (!scheduled.get()) { // refused: the ready aggregates' queued events would never run either
            lane.failReady(new RejectedExecutionException("the processor's scheduler refused to run lane "
                    + lane.index));
        }
    }
}
