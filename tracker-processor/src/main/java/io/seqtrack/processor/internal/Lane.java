package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * A serial lane: everything about the aggregates hashed to it happens here, one task at a time, so their state needs
 * no locks and a handler never runs twice at once for one aggregate in this process. Submissions arrive in its
 * {@link Mailbox}, which schedules the lane's runs; each run moves them to their aggregates' queues and then takes
 * batches — the head event of up to {@code maxBatch} ready aggregates — through one {@link Step}. While a batch waits
 * on the store, the mailbox fills, so batches grow with load and stay at one event when the lane keeps up.
 */
final class Lane {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Lane.class);

    /**
     * Initial table size of the lane's key-hashed maps: a lane's aggregates with something going on run into the
     * thousands under load, and a map sized for them from the start does not rehash while the lane warms up. 32 KB
     * per map and lane. (Bins stay short at any size since lanes are chosen by {@link LaneOf}.)
     */
    private static final int TABLE = 8_192;
    final int index;
    final Shared shared;
    final Step step;
    final Gaps gaps;
    final Parking parking;
    final LeaseRenewer renewer;
    private final Mailbox mailbox = new Mailbox(this);
    /** The states of the aggregates that have something going on here (see {@link LaneStates}). */
    private final LaneStates states = new LaneStates(TABLE);
    /** Aggregates whose queue head may join the next batch, in the order they became ready. */
    private final LinkedHashSet<AggregateKey> ready = new LinkedHashSet<>(TABLE);
    /** How many of this lane's aggregates are blocked behind parked events (kept by {@link Parking}). */
    int blockedCount;
    /** Sticky ownership: the claims this lane holds for aggregates' next sequences. */
    final HeldClaims held;

    Lane(int index, Shared shared) {
        this.index = index;
        this.shared = shared;
        this.held = new HeldClaims(this);
        this.renewer = new LeaseRenewer(shared);
        this.parking = new Parking(this);
        this.gaps = new Gaps(this);
        this.step = new Step(this, new HandlerInvoker(shared, renewer));
    }

    // ------------------------------------------------------------------ arrival (any thread)

    void submit(Work work) {
        mailbox.add(work);
    }

    /** {@link #submit} for several works, in their order: one hand-off to the mailbox, at most one run scheduled. */
    void submitAll(List<Work> works) {
        mailbox.addAll(works);
    }

    /** Runs {@code action} on this lane and completes the stage with its value. */
    <T> java.util.concurrent.CompletionStage<T> onLane(Supplier<T> action) {
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        shared.scheduler.execute(index, () -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ on the lane

    /** At the start of each run: forget idle aggregate states if there are many (see {@link LaneStates}). */
    void beforeRun() {
        states.sweepIfLarge();
    }

    /**
     * Takes what arrived and runs batches of ready aggregates, at most {@code budget} of them.
     *
     * @return how many batches it ran
     */
    int pump(int budget) {
        int batches = 0;
        while (true) {
            Work arrived;
            while ((arrived = mailbox.poll()) != null) {
                arrive(arrived);
            }
            if (ready.isEmpty()) {
                held.releaseAll(); // out of ready work: a held claim must not keep other workers waiting
                return batches;
            }
            if (batches == budget) {
                return batches;
            }
            runBatch(takeBatch());
            batches++;
        }
    }

    /** Whether aggregates with a queued event that may join a batch wait here. */
    boolean hasReady() {
        return !ready.isEmpty();
    }

    /** The scheduler refused the lane's next run: what waits here would never run, so it fails with the refusal. */
    void failReady(RuntimeException refusal) {
        for (AggregateKey key : List.copyOf(ready)) {
            AggregateState state = state(key);
            Work waiting;
            while ((waiting = state.queue.poll()) != null) {
                waiting.submission().fail(refusal);
            }
        }
        ready.clear();
        held.releaseAll();
    }

    private void arrive(Work work) {
        if (shared.lifecycle.closed()) {
            work.submission().fail(new IllegalStateException("the processor was closed"));
            return;
        }
        AggregateState state = state(work.key());
        if (state.deferred > 0 && state.queue.size() >= work.registration().maxBufferedPerAggregate()) {
            // an earlier event waits for a retry or a busy claim and the queue behind it is full
            shared.emitter.emit(new ProcessorEvent.BufferFull(work.key(), shared.now(), work.sequence()));
            work.submission().finish(Outcome.BUFFER_FULL);
            return;
        }
        state.queue.add(work);
        if (state.ready()) {
            ready.add(work.key());
        }
    }

    private List<Work> takeBatch() {
        int max = shared.settings.maxBatch();
        List<Work> batch = new ArrayList<>(Math.min(max, ready.size()));
        Iterator<AggregateKey> keys = ready.iterator();
        while (keys.hasNext() && batch.size() < max) {
            AggregateState state = state(keys.next());
            keys.remove();
            batch.add(state.queue.takeNext());
        }
        return batch;
    }

    /**
     * Runs works through one step, tells their submitters, drains what their commits released, and re-marks their
     * aggregates ready. Whatever fails here — a drain meeting a store that is failing over, a bug — must not leave an
     * aggregate un-marked: its queued events would then wait forever (found by the torture suite's Cluster failover).
     */
    void runBatch(List<Work> batch) {
        List<Result> results;
        try {
            results = step.run(batch);
        } catch (RuntimeException | Error e) {
            log.error("seqtrack: a step of {} event(s) failed unexpectedly", batch.size(), e);
            for (Work work : batch) {
                work.submission().fail(e);
                markReady(state(work.key()));
            }
            return;
        }
        for (Result result : results) {
            result.complete();
        }
        for (Result result : results) {
            Work work = result.work();
            AggregateKey key = work.key();
            try {
                AggregateState state = state(key);
                if (result.is(Outcome.PROCESSED) && work.tracked()
                        && (state.gapOpen() || state.pendingSeen || work.origin() == Work.Origin.BUFFER
                                || work.resumed())) {
                    // our commit may have closed a gap, or it was a buffered event a retry or busy wait took out of
                    // its drain: take the buffered successors now. Without a gap known here nothing of ours is
                    // buffered; other workers' buffered events have their own gap timers and wake-ups (and the sweep
                    // adopts orphans)
                    gaps.drain(key);
                }
            } catch (RuntimeException e) {
                // the buffered successors stay buffered: the gap's recheck timer or the sweep drains them later
                shared.storeFailed();
                log.warn("seqtrack: drain of {} after its commit failed: {}", key, e.toString());
            } finally {
                AggregateState state = state(key);
                markReady(state);
                states.forgetIfIdle(state);
            }
        }
    }

    /** Runs one work now (drain, replay, a retry) and returns its result; the caller decides what it means. */
    Result runOne(Work work) {
        return step.run(List.of(work)).get(0);
    }

    /** Schedules {@code work} to run again later, keeping its place ahead of the aggregate's later submissions. */
    void defer(Work work, Duration delay) {
        AggregateState state = state(work.key());
        state.deferred++;
        shared.scheduler.schedule(index, delay, () -> {
            state.deferred--;
            if (shared.lifecycle.closed()) { // a retry or busy wait that outlived close() on a shared scheduler
                work.submission().fail(new IllegalStateException("the processor was closed"));
                return;
            }
            runBatch(List.of(work));
            mailbox.pumpOutsideRun();
        });
    }

    private void markReady(AggregateState state) {
        if (state.ready()) {
            ready.add(state.key);
        }
    }

    AggregateState state(AggregateKey key) {
        return states.get(key);
    }

    /** How many aggregate states this lane holds (tests). */
    int stateCount() {
        return states.size();
    }
}
