package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.core.service.SequenceTrackerService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The processor. Everything about one aggregate happens on its lane (a serial executor), so per-aggregate state needs
 * no locks and the handler never runs twice at once for one aggregate in this process; the store's claims extend that
 * guarantee across processes.
 */
final class DefaultEventProcessor implements EventProcessor, ProcessorAdmin {

    private static final Logger log = LoggerFactory.getLogger(DefaultEventProcessor.class);
    /** Per-lane aggregate state is a cache: evicting an entry only costs re-reading whether the aggregate is parked. */
    private static final int STATE_CACHE_PER_LANE = 50_000;

    private final DomainRegistry registry;
    private final SequenceTracker tracker;
    private final io.seqtrack.core.port.out.SequenceStore store;
    private final EventBuffer buffer;
    private final EventHandler handler;
    private final String workerId;
    private final ProcessorScheduler scheduler;
    private final boolean ownsScheduler;
    private final List<ProcessorListener> listeners;
    /** Whether anyone listens: without listeners the hot path builds no {@link ProcessorEvent}s at all. */
    private final boolean observed;
    /** One lease-renewal timer per lane (a lane runs one handler at a time), instead of one per handled event. */
    private final List<LaneRenewal> renewals = new ArrayList<>();
    private final GapListener gapListener;
    private final long maxBufferedTotal;
    private final Duration busyRetryDelay;
    private final Duration recheckInterval;
    private final DoubleSupplier random;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final List<Map<AggregateKey, AggregateState>> laneStates = new ArrayList<>();
    private final AtomicLong buffered = new AtomicLong();
    private final Map<AggregateKey, Instant> openGaps = new ConcurrentHashMap<>();
    private final Map<AggregateKey, Boolean> blocked = new ConcurrentHashMap<>();
    private final io.seqtrack.core.port.out.CommitSubscription wakeUps;
    private final Duration sweepInterval;
    private volatile boolean closed;
    /**
     * Invariant 14: after {@link #close()} returns no handler starts and no gap policy acts, whoever owns the scheduler.
     * A handler's start and a gap policy's action check {@code closed} under the read lock; close sets it under the
     * write lock, so each of them either passed its check before close() returned or sees it closed.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifecycle =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** When a store or buffer call last failed (fail-closed); gap policies wait while that is recent. */
    private volatile Instant lastStoreFailure;
    /** Submissions not yet finished, so that close() can fail the ones it strands (scheduled retries, busy waits). */
    private final java.util.Set<CompletableFuture<Outcome>> unfinished = ConcurrentHashMap.newKeySet();

    DefaultEventProcessor(EventProcessor.Builder b) {
        this.registry = b.registry;
        this.tracker = new SequenceTrackerService(b.registry, b.store);
        this.store = b.store;
        this.buffer = b.buffer;
        this.handler = b.handler;
        this.workerId = b.workerId;
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : ProcessorScheduler.threads(b.parallelism);
        this.listeners = b.listeners();
        this.observed = !listeners.isEmpty();
        this.gapListener = b.gapListener;
        this.maxBufferedTotal = b.maxBufferedTotal;
        this.busyRetryDelay = b.busyRetryDelay;
        this.recheckInterval = b.bufferRecheckInterval;
        this.random = b.random;
        this.maxInFlight = b.maxInFlight;
        this.inFlight = new Semaphore(b.maxInFlight);
        // another worker's commit wakes our buffered successors at once; the recheck timer stays as the fallback
        this.wakeUps = subscribeWakeUps(b.store);
        this.sweepInterval = b.bufferSweepInterval;
        for (int i = 0; i < scheduler.lanes(); i++) {
            renewals.add(new LaneRenewal());
            laneStates.add(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<AggregateKey, AggregateState> eldest) {
                    return size() > STATE_CACHE_PER_LANE && eldest.getValue().idle();
                }
            });
        }
        if (b.adoptOrphanedBuffers) {
            scheduler.scheduleOffLane(Duration.ZERO, this::sweep);
        }
    }

    // ------------------------------------------------------------------ submit

    @Override
    public CompletionStage<Outcome> submit(Event event) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        AggregateKey key;
        DomainRegistration registration;
        try {
            if (event == null) {
                throw InvalidEventException.of("event", "is missing");
            }
            key = new AggregateKey(event.domain(), event.aggregateId());
            registration = registry.lookup(key.domain());
        } catch (InvalidEventException | UnknownDomainException e) {
            emit(new ProcessorEvent.Rejected(null, now(), e.getMessage()));
            return CompletableFuture.completedFuture(Outcome.REJECTED);
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        unfinished.add(outcome);
        // the caller gets the stage that completes after the bookkeeping: a callback of the caller that reads
        // snapshot() sees this submission finished (a dependent registered on `outcome` itself would run first)
        CompletableFuture<Outcome> answered = outcome.whenComplete((o, e) -> {
            unfinished.remove(outcome);
            inFlight.release();
        });
        Work work = new Work(event, key, registration, 1, Origin.SUBMITTED, outcome);
        try {
            scheduler.execute(lane(key), () -> run(work));
        } catch (RuntimeException e) { // closed, or the executor refused: nothing was queued
            outcome.completeExceptionally(e);
        }
        return answered;
    }

    @Override
    public ProcessorAdmin admin() {
        return this;
    }

    @Override
    public ProcessorSnapshot snapshot() {
        Instant now = now();
        Optional<Duration> oldest = openGaps.values().stream().min(Instant::compareTo).map(t -> Duration.between(t, now));
        return new ProcessorSnapshot(buffered.get(), openGaps.size(), oldest, blocked.size(),
                maxInFlight - inFlight.availablePermits());
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        wakeUps.close();
        if (ownsScheduler) {
            scheduler.close(); // lets queued lane work finish; drops timers (retries, busy waits, gap timers)
        }
        // whatever is still unfinished would wait forever: say so, so callers do not ack and the broker redelivers
        for (CompletableFuture<Outcome> outcome : List.copyOf(unfinished)) {
            outcome.completeExceptionally(new IllegalStateException(
                    "the processor was closed before this event finished; it was not committed by this worker"));
        }
    }

    // ------------------------------------------------------------------ the life of an event (always on its lane)

    /** Where a unit of work came from: the caller, the buffer (drain), or the parked list (operator replay). */
    private enum Origin { SUBMITTED, BUFFER, REPLAY }

    /** What {@link #run} achieved before returning: finished, or left work scheduled for later. */
    private enum Step { DONE, DEFERRED }

    private record Work(Event event, AggregateKey key, DomainRegistration registration, int attempt, Origin origin,
            CompletableFuture<Outcome> outcome, boolean resumed) {
        Work(Event event, AggregateKey key, DomainRegistration registration, int attempt, Origin origin,
                CompletableFuture<Outcome> outcome) {
            this(event, key, registration, attempt, origin, outcome, false);
        }

        Work nextAttempt() {
            return new Work(event, key, registration, attempt + 1, origin, outcome, true);
        }

        Work resumedLater() {
            return new Work(event, key, registration, attempt, origin, outcome, true);
        }

        long sequence() {
            OptionalLong seq = registration.sequenceSource() == SequenceSource.SEQUENCE_NUMBER
                    ? event.sequence() : event.aggregateVersion();
            return seq.orElse(0);
        }
    }

    private Step run(Work work) {
        AggregateState state;
        try {
            state = state(work.key()); // may read the buffer (is the aggregate parked?) — a store call like any other
        } catch (SequenceTrackingException e) {
            return failClosed(work, e);
        }
        if (!work.resumed() && work.origin() == Origin.SUBMITTED && state.deferred > 0) {
            // an earlier event of this aggregate waits for a retry or a busy claim: later ones queue behind it, in order
            if (state.waiting.size() >= work.registration().maxBufferedPerAggregate()) {
                emit(new ProcessorEvent.BufferFull(work.key(), now(), work.sequence()));
                work.outcome().complete(Outcome.BUFFER_FULL);
                return Step.DONE;
            }
            state.waiting.add(work);
            return Step.DEFERRED;
        }
        Step step = runGuarded(work);
        runWaiting(state);
        return step;
    }

    /** Runs the queued submissions of an aggregate once nothing of it is deferred any more. */
    private void runWaiting(AggregateState state) {
        while (state.deferred == 0 && !state.waiting.isEmpty()) {
            runGuarded(state.waiting.poll());
        }
    }

    /** Schedules {@code work} to run again later, keeping its place ahead of the aggregate's later submissions. */
    private void defer(Work work, Duration delay) {
        AggregateState state = state(work.key());
        state.deferred++;
        scheduler.schedule(lane(work.key()), delay, () -> {
            state.deferred--;
            runGuarded(work);
            runWaiting(state);
        });
    }

    private Step runGuarded(Work work) {
        if (closed) { // a retry or busy wait that outlived close() on a shared scheduler: do nothing more
            work.outcome().completeExceptionally(new IllegalStateException("the processor was closed"));
            return Step.DONE;
        }
        try {
            return process(work);
        } catch (InvalidEventException | UnknownDomainException e) {
            emit(new ProcessorEvent.Rejected(work.key(), now(), e.getMessage()));
            work.outcome().complete(Outcome.REJECTED);
            return Step.DONE;
        } catch (SequenceTrackingException e) {
            return failClosed(work, e);
        } catch (Throwable e) {
            log.error("seqtrack: {} #{} failed unexpectedly", work.key(), work.sequence(), e);
            work.outcome().completeExceptionally(e);
            return Step.DONE;
        }
    }

    /** The store or buffer could not answer: nothing is known to have happened — fail, never guess. */
    private Step failClosed(Work work, SequenceTrackingException e) {
        log.warn("seqtrack: {} #{} failed closed: {}", work.key(), work.sequence(), e.getMessage());
        lastStoreFailure = now();
        work.outcome().completeExceptionally(e);
        return Step.DONE;
    }

    private Step process(Work work) {
        AggregateKey key = work.key();
        boolean tracked = work.registration().mode().usesStore();
        AggregateState state = state(key);
        if (tracked && state.blocked && work.origin() != Origin.REPLAY) {
            if (buffer.parked(key).isEmpty()) {
                unblock(key); // an operator (maybe through another worker) replayed or skipped what was parked
            } else {
                long last = tracker.lastCommitted(key);
                if (work.sequence() <= last) { // a redelivery of something already committed is a duplicate, not parked
                    emit(new ProcessorEvent.Duplicate(key, now(), work.sequence(), last));
                    finish(work, Outcome.DUPLICATE);
                    return Step.DONE;
                }
                park(work, "aggregate blocked behind parked events");
                return Step.DONE;
            }
        }
        ClaimDecision claim = tracker.claim(work.event(), workerId);
        switch (claim.status()) {
            case DUPLICATE:
                if (observed) {
                    emit(new ProcessorEvent.Duplicate(key, now(), claim.sequence(), claim.lastCommitted()));
                }
                finish(work, Outcome.DUPLICATE);
                return Step.DONE;
            case GAP:
                if (work.origin() != Origin.BUFFER) { // a drained event stays where it is, in the buffer
                    bufferEarly(work, claim);
                }
                return Step.DONE;
            case BUSY:
                defer(work.resumedLater(), busyRetryDelay);
                return Step.DEFERRED;
            case CLAIMED:
            default:
                if (tracked && work.origin() != Origin.REPLAY && !buffer.parked(key).isEmpty()) {
                    // parked by another worker (or before a restart): the block is durable, not just local
                    tracker.release(claim);
                    park(work, "aggregate blocked behind parked events");
                    return Step.DONE;
                }
                return handle(work, claim, state);
        }
    }

    private Step handle(Work work, ClaimDecision claim, AggregateState state) {
        AggregateKey key = work.key();
        Context context = new Context(key, work.registration(), claim.sequence(), claim.fencingToken(), work.attempt(),
                workerId);
        boolean tracked = work.registration().mode().usesStore();
        LaneRenewal renewal = tracked ? renewals.get(lane(key)) : null;
        Context outer = tracked ? renewal.start(work, claim, context) : null;
        long started = System.nanoTime();
        try {
            MDC.put("seqtrack.aggregate", state.label(key));
            // the last step before the handler: a handler starts only if it passed this check before close() returned
            if (!admitHandler()) {
                return refuseAfterClose(work, claim);
            }
            handler.handle(work.event(), context);
        } catch (Exception | LinkageError | StackOverflowError e) {
            if (tracked) {
                renewal.stop(outer);
            }
            return handlerFailed(work, claim, e);
        } finally {
            if (tracked) {
                renewal.stop(outer); // whatever the handler threw, it must not keep renewing its lease
            }
            MDC.remove("seqtrack.aggregate");
        }
        long handlerNanos = System.nanoTime() - started;
        CommitResult committed = tracker.commit(claim);
        if (committed == CommitResult.CLAIM_LOST) {
            // our lease ran out and another worker took over: our effects are fenced; find out what happened
            emit(new ProcessorEvent.Fenced(key, now(), claim.sequence(), claim.fencingToken()));
            return process(work);
        }
        if (observed) {
            emit(new ProcessorEvent.Processed(key, now(), claim.sequence(), work.attempt(),
                    Duration.ofNanos(handlerNanos), work.origin() == Origin.BUFFER));
        }
        finish(work, Outcome.PROCESSED);
        if (tracked && (work.origin() == Origin.SUBMITTED || work.resumed())) {
            // a drained event's successors are taken by the drain loop itself, not by recursion
            drain(key);
        }
        return Step.DONE;
    }

    /** Closed between the claim and the handler: give the claim back, so the event is handled elsewhere at once. */
    private Step refuseAfterClose(Work work, ClaimDecision claim) {
        if (work.registration().mode().usesStore()) {
            try {
                tracker.release(claim);
            } catch (SequenceTrackingException e) {
                log.warn("seqtrack: could not release {} #{} on close ({}); its lease will expire", work.key(),
                        claim.sequence(), e.getMessage());
            }
        }
        work.outcome().completeExceptionally(new IllegalStateException("the processor was closed"));
        return Step.DONE;
    }

    /** Whether a handler may start now: true exactly while the processor is not closed (see {@link #lifecycle}). */
    private boolean admitHandler() {
        lifecycle.readLock().lock();
        try {
            return !closed;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private Step handlerFailed(Work work, ClaimDecision claim, Throwable error) {
        AggregateKey key = work.key();
        try {
            tracker.release(claim);
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: could not release {} #{} ({}); its lease will expire", key, claim.sequence(),
                    e.getMessage());
        }
        String description = error.getClass().getSimpleName() + ": " + error.getMessage();
        int maxAttempts = work.origin() == Origin.REPLAY ? 1 : work.registration().retryPolicy().maxAttempts();
        if (work.attempt() < maxAttempts) {
            Duration delay = work.registration().retryPolicy().backoff(work.attempt(), random.getAsDouble());
            emit(new ProcessorEvent.Retried(key, now(), claim.sequence(), work.attempt(), delay, description));
            log.info("seqtrack: {} #{} attempt {} failed ({}); retrying in {}", key, claim.sequence(), work.attempt(),
                    description, delay);
            defer(work.nextAttempt(), delay);
            return Step.DEFERRED;
        }
        if (!work.registration().mode().usesStore()) {
            // a disabled domain has no order to protect and maybe no sequence to park under: hand it back
            log.warn("seqtrack: {} failed {} time(s) in untracked domain: {}", key, work.attempt(), description);
            work.outcome().completeExceptionally(HandlerFailedException.of(key, work.attempt(), error));
            return Step.DONE;
        }
        log.warn("seqtrack: {} #{} failed {} time(s), parking it: {}", key, claim.sequence(), work.attempt(), description);
        park(work, "handler failed " + work.attempt() + " time(s): " + description);
        return Step.DONE;
    }

    /**
     * Long handlers keep their lease: {@link SequenceTracker#renew} extends the claim by its token every half lease
     * while the handler runs (the token stays the handler's; a lost claim stays lost). A lane runs one handler at a time, so each lane has one renewal timer, armed when
     * a handler starts and no timer is pending, and re-armed for the running handler's own due time when it fires:
     * the same renewal times as a timer per handler, without scheduling and cancelling one for every event (which
     * {@code -prof stack} showed in the timer queue's sift operations, see docs/benchmarks.md).
     *
     * <p>{@link #stop} and a renewal exclude each other, so once {@code stop} returns no renewal is in progress or
     * will run for that handler before its commit.
     */
    private final class LaneRenewal implements Runnable {
        /** The handler running on this lane, or null; guarded by this. */
        private Context current;
        /** Whether a timer for this lane is pending; guarded by this. */
        private boolean armed;

        /** Registers the handler about to run; returns the one it interrupts (only virtual-time tests nest). */
        synchronized Context start(Work work, ClaimDecision claim, Context context) {
            Context outer = current;
            context.claim = claim;
            // half the lease; not Duration.dividedBy, which divides through BigDecimal (-prof stack: 4 % of samples)
            Duration every = Duration.ofNanos(work.registration().leaseTtl().toNanos() / 2);
            context.lease(work, every, scheduler.clock().millis() + every.toMillis());
            current = context;
            if (!armed) {
                arm(every);
            }
            return outer;
        }

        synchronized void stop(Context outer) {
            current = outer;
        }

        /** The timer fired (off lane): renew the running handler's lease if it is due, and re-arm while one runs. */
        @Override
        public synchronized void run() {
            armed = false;
            Context c = current;
            if (c == null || c.renewalStopped) { // (a handler still running after close() keeps its lease, as before)
                return;
            }
            long now = scheduler.clock().millis();
            if (now < c.renewalDue) { // the timer was armed for an earlier handler: wait for this one's due time
                arm(Duration.ofMillis(c.renewalDue - now));
                return;
            }
            try {
                // renew by token: extends exactly this claim, or answers CLAIM_LOST — it never claims again, so a
                // worker paused past its lease cannot win its claim back after another worker claimed in between
                if (tracker.renew(c.claim) == io.seqtrack.core.port.out.RenewResult.CLAIM_LOST) {
                    c.renewalStopped = true; // fenced, released or committed meanwhile: the commit will tell
                    return;
                }
            } catch (SequenceTrackingException e) {
                log.warn("seqtrack: lease renewal for {} failed: {}", c.key(), e.getMessage());
            }
            c.renewalDue = now + c.renewEvery.toMillis();
            arm(c.renewEvery);
        }

        private void arm(Duration delay) {
            try {
                scheduler.scheduleOffLane(delay, this);
                armed = true;
            } catch (RuntimeException e) { // the scheduler is closing: nothing will renew any more
                armed = false;
            }
        }
    }

    // ------------------------------------------------------------------ gaps and the buffer

    private void bufferEarly(Work work, ClaimDecision claim) {
        AggregateKey key = work.key();
        if (buffered.get() >= maxBufferedTotal) {
            emit(new ProcessorEvent.BufferFull(key, now(), claim.sequence()));
            work.outcome().complete(Outcome.BUFFER_FULL);
            return;
        }
        BufferResult result = buffer.add(key, toBuffered(work.event(), claim.sequence()),
                work.registration().maxBufferedPerAggregate());
        if (result == BufferResult.FULL) {
            emit(new ProcessorEvent.BufferFull(key, now(), claim.sequence()));
            work.outcome().complete(Outcome.BUFFER_FULL);
            return;
        }
        if (result == BufferResult.ADDED) {
            buffered.incrementAndGet();
        }
        emit(new ProcessorEvent.Buffered(key, now(), claim.sequence(), claim.lastCommitted() + 1));
        work.outcome().complete(Outcome.BUFFERED);
        openGap(key, work.registration(), claim.lastCommitted() + 1, claim.sequence() - 1);
    }

    private void openGap(AggregateKey key, DomainRegistration registration, long from, long to) {
        AggregateState state = state(key);
        if (state.gapTimer != null) {
            if (from != state.gapFrom) {
                // still waiting, but predecessors were committed since: the gap shrank. Its timeout counts from when
                // the first missing event became the next one expected, so an aggregate that is moving is never
                // parked or skipped over (found by the torture suite: early copies from a second consumer parked
                // aggregates whose events were still flowing in order)
                state.gapTimer.cancel();
                startGapClock(key, state, registration, from);
            }
            return;
        }
        startGapClock(key, state, registration, from);
        state.recheck = scheduler.schedule(lane(key), recheckInterval, () -> recheck(key));
        emit(new ProcessorEvent.GapOpened(key, now(), from, to));
        try {
            gapListener.missing(key, from, to);
        } catch (RuntimeException e) {
            log.warn("seqtrack: gap listener failed for {}: {}", key, e.toString());
        }
    }

    /** (Re)starts the gap timeout, counting from now, for a gap whose first missing sequence is {@code from}. */
    private void startGapClock(AggregateKey key, AggregateState state, DomainRegistration registration, long from) {
        state.gapFrom = from;
        state.gapOpenedAt = now();
        openGaps.put(key, state.gapOpenedAt);
        state.gapTimer = scheduler.schedule(lane(key), registration.gapTimeout(), () -> gapTimedOut(key));
    }

    private void closeGap(AggregateKey key) {
        AggregateState state = state(key);
        settlePendingSkip(key, state);
        if (state.gapTimer != null) {
            state.gapTimer.cancel();
            state.gapTimer = null;
        }
        if (state.recheck != null) {
            state.recheck.cancel();
            state.recheck = null;
        }
        Instant opened = openGaps.remove(key);
        if (opened != null) {
            emit(new ProcessorEvent.GapClosed(key, now(), Duration.between(opened, now())));
        }
    }

    /**
     * A gap skip whose answer was lost (unknown outcome) may have happened: once the gap is over, the store's records
     * say whether it did, and a skip that happened is announced once, as if its answer had arrived. If the records
     * cannot be read now, the next close of a gap on this aggregate asks again.
     */
    private void settlePendingSkip(AggregateKey key, AggregateState state) {
        SkippedRange pending = state.pendingSkip;
        if (pending == null) {
            return;
        }
        try {
            if (tracker.skippedRanges(key).contains(pending)) {
                emit(new ProcessorEvent.Skipped(key, now(), pending)); // its GapTimedOut came before the attempt
            }
            state.pendingSkip = null;
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: could not read the skip records of {} ({}); asking again later", key, e.getMessage());
        }
    }

    private io.seqtrack.core.port.out.CommitSubscription subscribeWakeUps(
            io.seqtrack.core.port.out.SequenceStore store) {
        try {
            return store.subscribeCommits(key -> {
                if (openGaps.containsKey(key)) {
                    scheduler.execute(lane(key), () -> recheckNow(key));
                }
            });
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: no wake-ups from the store ({}); gaps filled by other workers are found by the "
                    + "recheck timer every {}", e.getMessage(), recheckInterval);
            return io.seqtrack.core.port.out.CommitSubscription.NONE;
        }
    }

    /**
     * Recovery: every aggregate with buffered events gets a gap timer here, even if no worker that is alive buffered
     * them (a crash, a restart, a worker that drained and died). Runs once at start and then every sweep interval;
     * it also re-synchronises the total-buffer count with the (possibly shared) buffer.
     */
    private void sweep() {
        if (closed) {
            return;
        }
        try {
            buffered.set(buffer.pendingCount());
            for (AggregateKey key : buffer.aggregatesWithPending()) {
                if (!openGaps.containsKey(key)) {
                    scheduler.execute(lane(key), () -> adopt(key));
                }
            }
        } catch (RuntimeException e) {
            log.warn("seqtrack: buffer sweep failed ({}); next try in {}", e.toString(), sweepInterval);
        }
        try {
            scheduler.scheduleOffLane(sweepInterval, this::sweep);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile (an owned scheduler refuses new work once closing): there is nothing left to sweep for
            if (!closed) {
                throw e;
            }
        }
    }

    /** Takes charge of an aggregate whose buffered events nobody here waits for: drain what fits, time the rest. */
    private void adopt(AggregateKey key) {
        if (closed) {
            return;
        }
        if (openGaps.containsKey(key)) {
            return;
        }
        try {
            drain(key); // opens a gap (with timer) if the first pending event is still early
        } catch (RuntimeException e) {
            log.warn("seqtrack: adopting buffered events of {} failed: {}", key, e.toString());
        }
    }

    /** A wake-up from the store: try the buffered successors now. */
    private void recheckNow(AggregateKey key) {
        if (closed) {
            return;
        }
        try {
            drain(key);
        } catch (RuntimeException e) {
            log.warn("seqtrack: drain of {} after a wake-up failed: {}", key, e.toString());
        }
    }

    /** The fallback wake-up: a predecessor committed by another worker releases our buffered events here. */
    private void recheck(AggregateKey key) {
        if (closed) {
            return;
        }
        AggregateState state = stateOrRetry(key, "recheck", () -> recheck(key));
        if (state == null) {
            return;
        }
        state.recheck = null;
        try {
            drain(key);
        } catch (RuntimeException e) {
            log.warn("seqtrack: recheck of {} failed: {}", key, e.toString());
        }
        if (state.gapTimer != null && state.recheck == null) {
            state.recheck = scheduler.schedule(lane(key), recheckInterval, () -> recheck(key));
        }
    }

    /**
     * Handles buffered successors that are now in order, oldest first, and removes each from the buffer only after it
     * was committed (a crash in between leaves it buffered; the next drain sees it as a duplicate and drops it).
     */
    private void drain(AggregateKey key) {
        DomainRegistration registration = registry.lookup(key.domain());
        while (!closed) {
            if (state(key).blocked) {
                return;
            }
            List<BufferedEvent> pending = buffer.pending(key);
            if (pending.isEmpty()) {
                closeGap(key);
                return;
            }
            long last = tracker.lastCommitted(key);
            BufferedEvent next = pending.get(0);
            if (next.sequence() <= last) {
                removePending(key, next.sequence());
                continue;
            }
            if (next.sequence() != last + 1 && registration.mode() == TrackingMode.STRICT) {
                openGap(key, registration, last + 1, next.sequence() - 1); // still (or again) waiting
                return;
            }
            CompletableFuture<Outcome> drained = new CompletableFuture<>();
            Work work = new Work(fromBuffered(key, registration, next), key, registration, 1, Origin.BUFFER, drained);
            Step step = process(work);
            if (step == Step.DEFERRED || !drained.isDone()) {
                return; // a retry or a busy wait will drain again when it finishes
            }
            Outcome outcome = drained.join();
            if (outcome == Outcome.PROCESSED || outcome == Outcome.DUPLICATE) {
                removePending(key, next.sequence());
            } else {
                return;
            }
        }
    }

    private void removePending(AggregateKey key, long sequence) {
        if (buffer.removePending(key, sequence)) {
            buffered.updateAndGet(n -> Math.max(0, n - 1));
        }
    }

    private void gapTimedOut(AggregateKey key) {
        if (closed) {
            return;
        }
        AggregateState state = stateOrRetry(key, "gap timeout", () -> gapTimedOut(key));
        if (state == null) {
            return;
        }
        state.gapTimer = null;
        boolean drainAfter;
        lifecycle.readLock().lock(); // invariant 14: whatever the timer decides, it acts only while the processor is open
        try {
            if (closed) {
                return;
            }
            drainAfter = gapTimerStep(key, state);
        } catch (RuntimeException e) {
            lastStoreFailure = now();
            log.warn("seqtrack: gap timeout of {} could not act ({}); retrying", key, e.toString());
            state.gapTimer = scheduler.schedule(lane(key), recheckInterval, () -> gapTimedOut(key));
            return;
        } finally {
            lifecycle.readLock().unlock();
        }
        if (drainAfter) {
            drain(key); // outside the lock: close() never waits for the handlers a drain runs
        }
    }

    /**
     * What the gap timer decides and does, under the lifecycle read lock; never runs a handler itself.
     *
     * @return whether the aggregate's buffered successors should be drained now
     */
    private boolean gapTimerStep(AggregateKey key, AggregateState state) {
        DomainRegistration registration = registry.lookup(key.domain());
        List<BufferedEvent> pending = buffer.pending(key);
        if (pending.isEmpty()) {
            closeGap(key);
            return false;
        }
        long last = tracker.lastCommitted(key);
        long from = last + 1;
        long to = pending.get(0).sequence() - 1;
        if (to < from) {
            closeGap(key);
            return true;
        }
        if (from != state.gapFrom) {
            // predecessors were committed since the timer started (seen here first when neither a wake-up nor a
            // recheck drained in between): the gap is shrinking, not stuck
            startGapClock(key, state, registration, from);
            return false;
        }
        Instant failure = lastStoreFailure;
        if (failure != null && Duration.between(failure, now()).compareTo(registration.gapTimeout()) < 0) {
            // the store failed recently: the missing event may be waiting at the broker for a redelivery that
            // failed closed. An outage is not the producer's gap — the timeout counts only time the store answered
            state.gapTimer = scheduler.schedule(lane(key), recheckInterval, () -> gapTimedOut(key));
            return false;
        }
        if (state.deferred > 0 || store.read(key).claim().isPresent()) {
            // the missing event is in flight — retrying here, or held under a valid lease by another worker:
            // it is late, not lost, so the policy must not act yet
            state.gapTimer = scheduler.schedule(lane(key), recheckInterval, () -> gapTimedOut(key));
            return false;
        }
        if (!buffer.parked(key).isEmpty()) {
            // the missing sequence is parked, not lost: wait behind it instead of applying the gap policy
            for (BufferedEvent p : pending) {
                parkBuffered(key, p, "blocked behind parked events");
            }
            block(key);
            closeGap(key);
            return false;
        }
        String reason = "gap #" + from + ".." + to + " not filled within " + registration.gapTimeout();
        switch (registration.gapPolicy()) {
            case SKIP:
                return skipGap(key, state, registration, from, to, reason);
            case FAIL:
                emit(new ProcessorEvent.GapTimedOut(key, now(), from, to, registration.gapPolicy().name()));
                List<Long> dropped = new ArrayList<>();
                for (BufferedEvent p : pending) {
                    removePending(key, p.sequence());
                    dropped.add(p.sequence());
                }
                emit(new ProcessorEvent.GapFailed(key, now(), dropped, reason + " (policy FAIL)"));
                closeGap(key);
                return false;
            case PARK:
            default:
                emit(new ProcessorEvent.GapTimedOut(key, now(), from, to, registration.gapPolicy().name()));
                for (BufferedEvent p : pending) {
                    parkBuffered(key, p, reason + " (policy PARK)");
                }
                block(key);
                closeGap(key);
                return false;
        }
    }

    /**
     * Gap policy SKIP: one atomic store step that skips only from the {@code last} the timer saw, only while nobody holds
     * a claim (the missing event's handler cannot be running), and records the skip with it — so the audit trail says
     * exactly what happened and a failure leaves nothing half done. After an unknown outcome the retry sends the very
     * same record, which the store recognises: a skip that landed is still announced once.
     *
     * @return whether to drain the successors now
     */
    private boolean skipGap(AggregateKey key, AggregateState state, DomainRegistration registration, long from,
            long to, String reason) {
        boolean retry = state.pendingSkip != null && state.pendingSkip.fromSequence() == from
                && state.pendingSkip.toSequence() == to;
        SkippedRange range = retry ? state.pendingSkip : new SkippedRange(from, to, now(), reason + " (policy SKIP)");
        if (!retry) {
            // announced before the store acts: whoever reads the events (an audit, the torture checker) knows the skip
            // can have landed from here on, until Skipped says it did
            emit(new ProcessorEvent.GapTimedOut(key, now(), from, to, registration.gapPolicy().name()));
        }
        state.pendingSkip = range; // kept until the store answers: a retry must be recognisable as this skip
        SkipResult skip = tracker.skip(key, range);
        state.pendingSkip = null;
        switch (skip.status()) {
            case SKIPPED:
                emit(new ProcessorEvent.Skipped(key, now(), range));
                closeGap(key);
                return true;
            case BUSY: // the missing event is being handled right now: it is late, not lost
                state.gapTimer = scheduler.schedule(lane(key), recheckInterval, () -> gapTimedOut(key));
                return false;
            case MOVED: // committed meanwhile: the gap shrank or closed
            default:
                return true;
        }
    }

    // ------------------------------------------------------------------ parking

    private void park(Work work, String reason) {
        AggregateKey key = work.key();
        long sequence = work.sequence();
        buffer.park(key, new ParkedEvent(toBuffered(work.event(), sequence), reason, now()));
        emit(new ProcessorEvent.Parked(key, now(), sequence, reason));
        finish(work, Outcome.PARKED);
        if (work.registration().mode().usesStore()) {
            // sequenced dead letters: whatever waits behind it is parked behind it, in order
            for (BufferedEvent p : buffer.pending(key)) {
                parkBuffered(key, p, "blocked behind parked #" + sequence);
            }
            block(key);
            closeGap(key);
        }
    }

    private void parkBuffered(AggregateKey key, BufferedEvent event, String reason) {
        buffer.park(key, new ParkedEvent(event, reason, now()));
        buffered.updateAndGet(n -> Math.max(0, n - 1));
        emit(new ProcessorEvent.Parked(key, now(), event.sequence(), reason));
    }

    private void block(AggregateKey key) {
        state(key).blocked = true;
        blocked.put(key, Boolean.TRUE);
    }

    private void unblock(AggregateKey key) {
        state(key).blocked = false;
        blocked.remove(key);
    }

    // ------------------------------------------------------------------ admin

    @Override
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        Map<AggregateKey, List<ParkedEvent>> result = new LinkedHashMap<>();
        for (AggregateKey key : buffer.parkedAggregates()) {
            List<ParkedEvent> events = buffer.parked(key);
            if (!events.isEmpty()) {
                result.put(key, events);
            }
        }
        return result;
    }

    /**
     * Replays until the aggregate's parked list is empty — events parked meanwhile (by another worker, or behind one
     * replayed here) are replayed too — or until one fails again, is busy elsewhere or is refused; then it and
     * everything behind it stay parked and are reported {@code PARKED}.
     */
    @Override
    public CompletionStage<List<Outcome>> replayParked(AggregateKey key) {
        return onLane(key, () -> {
            DomainRegistration registration = registry.lookup(key.domain());
            List<Outcome> outcomes = new ArrayList<>();
            unblock(key);
            boolean first = true;
            while (!state(key).blocked) {
                List<ParkedEvent> parkedEvents = buffer.parked(key);
                if (first) {
                    emit(new ProcessorEvent.AdminAction(key, now(), "replay-parked", parkedEvents.size() + " event(s)"));
                    first = false;
                }
                if (parkedEvents.isEmpty()) {
                    break;
                }
                for (int i = 0; i < parkedEvents.size(); i++) {
                    ParkedEvent parkedEvent = parkedEvents.get(i);
                    CompletableFuture<Outcome> replayed = new CompletableFuture<>();
                    Work work = new Work(fromBuffered(key, registration, parkedEvent.event()), key, registration, 1,
                            Origin.REPLAY, replayed);
                    Step step = process(work);
                    Outcome outcome = step == Step.DONE && replayed.isDone() && !replayed.isCompletedExceptionally()
                            ? replayed.join() : null;
                    if (outcome == Outcome.PROCESSED || outcome == Outcome.DUPLICATE || outcome == Outcome.BUFFERED) {
                        // handled, already handled, or back in the (durable) pending buffer: now leave the parked list
                        buffer.removeParked(key, parkedEvent.sequence());
                        outcomes.add(outcome);
                        continue;
                    }
                    // failed again (parked again), busy elsewhere, or refused: it stays parked, and so does the rest
                    for (int rest = i; rest < parkedEvents.size(); rest++) {
                        outcomes.add(Outcome.PARKED);
                    }
                    block(key);
                    break;
                }
            }
            if (!state(key).blocked) {
                drain(key);
            }
            return outcomes;
        });
    }

    /**
     * Skips a parked event. If it is the next expected sequence, the store skips it and records the skip in one atomic
     * step first (refused while anyone holds a claim on the aggregate: the future then fails and nothing changes);
     * then it leaves the parked list. A parked event that is committed already only leaves the parked list; one that
     * is not next (an earlier one is parked too) is refused, since dropping it would leave an unrecorded gap.
     */
    @Override
    public CompletionStage<Void> skipParked(AggregateKey key, long sequence) {
        return onLane(key, () -> {
            boolean parkedThere = buffer.parked(key).stream().anyMatch(p -> p.event().sequence() == sequence);
            long last = tracker.lastCommitted(key);
            if (parkedThere && last < sequence - 1) {
                // dropping it would leave a gap at #sequence that nothing records and nothing will ever fill
                throw new IllegalStateException("cannot skip " + key + " #" + sequence + ": it is not the next sequence"
                        + " (last committed is " + last + "); skip or replay the parked events before it first;"
                        + " nothing was changed");
            }
            SkippedRange range = new SkippedRange(sequence, sequence, now(), "operator skipped parked event");
            SkipResult skip = parkedThere && last == sequence - 1 ? tracker.skip(key, range) : null;
            if (skip != null && skip.status() == SkipResult.Status.BUSY) {
                throw new IllegalStateException("cannot skip " + key + " #" + sequence + " now: "
                        + skip.claim().map(c -> c.owner() + " holds a claim on #" + c.sequence() + " until "
                                + c.expiresAt()).orElse("a claim is held") + "; nothing was changed, try again later");
            }
            boolean removed = buffer.removeParked(key, sequence);
            emit(new ProcessorEvent.AdminAction(key, now(), "skip-parked", "#" + sequence
                    + (removed ? "" : " (was not parked)")));
            if (skip != null && skip.skipped()) {
                emit(new ProcessorEvent.Skipped(key, now(), range));
            }
            if (buffer.parked(key).isEmpty()) {
                unblock(key);
                drain(key);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> reset(AggregateKey key, long last) {
        return onLane(key, () -> {
            tracker.reset(key, last);
            emit(new ProcessorEvent.AdminAction(key, now(), "reset", "last committed set to " + last));
            return null;
        });
    }

    private <T> CompletionStage<T> onLane(AggregateKey key, java.util.function.Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        scheduler.execute(lane(key), () -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ helpers

    private AggregateState state(AggregateKey key) {
        Map<AggregateKey, AggregateState> states = laneStates.get(lane(key));
        AggregateState state = states.get(key);
        if (state == null) {
            state = new AggregateState();
            // another worker (or an earlier run of this one) may have parked events for it
            if (registry.lookup(key.domain()).mode().usesStore() && !buffer.parked(key).isEmpty()) {
                state.blocked = true;
                blocked.put(key, Boolean.TRUE);
            }
            states.put(key, state);
        }
        return state;
    }

    /**
     * The state for a timer's task, or {@code null} when loading it (the parked probe) failed — then {@code retry} is
     * scheduled after the recheck interval, so a timer is never lost to a store failure.
     */
    private AggregateState stateOrRetry(AggregateKey key, String task, Runnable retry) {
        try {
            return state(key);
        } catch (SequenceTrackingException e) {
            log.warn("seqtrack: {} of {} failed ({}); retrying", task, key, e.toString());
            scheduler.schedule(lane(key), recheckInterval, retry);
            return null;
        }
    }

    private int lane(AggregateKey key) {
        return Math.floorMod(key.hashCode(), scheduler.lanes());
    }

    private void finish(Work work, Outcome outcome) {
        work.outcome().complete(outcome);
    }

    private Instant now() {
        return scheduler.clock().instant();
    }

    private void emit(ProcessorEvent event) {
        for (ProcessorListener listener : listeners) {
            try {
                listener.on(event);
            } catch (RuntimeException e) {
                log.warn("seqtrack: listener {} failed on {}: {}", listener, event, e.toString());
            }
        }
    }

    private BufferedEvent toBuffered(Event event, long sequence) {
        return new BufferedEvent(sequence, event.eventId(), event.type(), event.payload(), now());
    }

    private static Event fromBuffered(AggregateKey key, DomainRegistration registration, BufferedEvent buffered) {
        return registration.sequenceSource() == SequenceSource.SEQUENCE_NUMBER
                ? Event.of(buffered.eventId(), key.domain(), key.aggregateId(), buffered.sequence(), buffered.type(),
                        buffered.payload())
                : Event.ofAggregateVersion(buffered.eventId(), key.domain(), key.aggregateId(), buffered.sequence(),
                        buffered.type(), buffered.payload());
    }

    /** Lane-confined state of one aggregate. */
    private static final class AggregateState {
        boolean blocked;
        /** Retries and busy waits scheduled for this aggregate. */
        int deferred;
        /** Submissions held behind a deferred one, in arrival order (bounded by maxBufferedPerAggregate). */
        final java.util.ArrayDeque<Work> waiting = new java.util.ArrayDeque<>();
        Instant gapOpenedAt;
        /** The first missing sequence when the gap timer was (re)started: if it moved, the gap made progress. */
        long gapFrom;
        ProcessorScheduler.Cancellable gapTimer;
        ProcessorScheduler.Cancellable recheck;
        /** A gap skip sent but not answered (unknown outcome): its retry sends this very record. */
        SkippedRange pendingSkip;
        /** {@code key.toString()} for the MDC, made once per aggregate instead of once per event. */
        private String label;

        String label(AggregateKey key) {
            String l = label;
            if (l == null) {
                l = key.toString();
                label = l;
            }
            return l;
        }

        boolean idle() {
            return !blocked && gapTimer == null && recheck == null && deferred == 0 && waiting.isEmpty();
        }
    }

    /** The handler's view; renewal keeps the claim's token, so it is the same for the whole run. */
    private static final class Context implements HandlerContext {
        private final AggregateKey key;
        private final DomainRegistration domain;
        private final long sequence;
        private final long fencingToken;
        private final int attempt;
        private final String workerId;
        /** Lease renewal bookkeeping, read and written only under the lane's {@link LaneRenewal} monitor. */
        Work work;
        ClaimDecision claim;
        Duration renewEvery;
        long renewalDue;
        boolean renewalStopped;

        Context(AggregateKey key, DomainRegistration domain, long sequence, long fencingToken, int attempt,
                String workerId) {
            this.key = key;
            this.domain = domain;
            this.sequence = sequence;
            this.fencingToken = fencingToken;
            this.attempt = attempt;
            this.workerId = workerId;
        }

        void lease(Work work, Duration every, long dueMillis) {
            this.work = work;
            this.renewEvery = every;
            this.renewalDue = dueMillis;
        }

        @Override
        public AggregateKey key() {
            return key;
        }

        @Override
        public DomainRegistration domain() {
            return domain;
        }

        @Override
        public long sequence() {
            return sequence;
        }

        @Override
        public long fencingToken() {
            return fencingToken;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public String workerId() {
            return workerId;
        }
    }
}
