package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The processor's side of issue 11, each at the worst moment and on virtual time: renewal never un-fences a paused
 * worker (#2), a closed processor does nothing more on a scheduler it does not own (#6 / invariant 14), gap policy SKIP
 * never overlaps a claim of the missing event (#7 / invariant 13), and an operator replay replays what was parked
 * while it ran (#10) — plus the holes an adversarial review of the first fix found (a lost skip answer, the gap timer
 * and the handler start racing close()). A hook stands for "another thread did X at this moment".
 */
class ProcessorInvariantsTest {

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final RetryPolicy ONCE = RetryPolicy.builder().maxAttempts(1).build();

    private static DomainRegistry registry(GapPolicy policy) {
        return DomainRegistry.of(DomainRegistration.builder("user_account").retryPolicy(ONCE)
                .gapTimeout(Duration.ofSeconds(30)).gapPolicy(policy).leaseTtl(LEASE).build());
    }

    private final AggregateKey key = AggregateKey.of("user_account", "u-1");
    private ProcessorHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    /** The lease is renewed by token: the handler keeps its token, and its claim outlives three lease lengths. */
    @Test
    void renewalKeepsTheHandlersTokenAndExtendsItsLease() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        EventProcessor processor = harness.processor("w1");
        AtomicReference<Long> before = new AtomicReference<>();
        AtomicReference<Long> after = new AtomicReference<>();
        AtomicReference<AggregateState> late = new AtomicReference<>();
        harness.duringHandler = ctx -> {
            before.set(ctx.fencingToken());
            for (int i = 0; i < 6; i++) {
                harness.scheduler.advance(Duration.ofSeconds(5)); // renewals run meanwhile
            }
            late.set(harness.store.read(key));
            after.set(ctx.fencingToken());
        };
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1))).isEqualTo(Outcome.PROCESSED);
        assertThat(after.get()).as("renewal never hands out a new token").isEqualTo(before.get());
        assertThat(late.get().claim()).as("still held after 30 s of a 10 s lease")
                .hasValueSatisfying(c -> assertThat(c.fencingToken()).isEqualTo(before.get()));
        assertThat(harness.events(ProcessorEvent.Fenced.class)).isEmpty();
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(1);
    }

    /**
     * Issue 11, #2: worker w1 is paused past its lease (no renewal runs: virtual time moves without its timers); w2
     * claims, fails and releases. Then w1's overdue renewal runs. It used to claim again — a fresh token — and w1
     * committed what it handled while another worker held the aggregate. Now the renewal answers CLAIM_LOST and w1's
     * commit is fenced.
     */
    @Test
    void aWorkerPausedPastItsLeaseStaysFencedAfterAnotherWorkerClaimedAndReleased() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        EventProcessor w1 = harness.processor("w1");
        AtomicReference<ClaimResult> w2 = new AtomicReference<>();
        harness.duringHandler = ctx -> {
            if (!"w1".equals(ctx.workerId()) || w2.get() != null) {
                return;
            }
            harness.scheduler.manualClock().advance(LEASE.plusSeconds(1)); // paused: the renewal timer does not run
            w2.set(harness.store.claim(key, 1, TrackingMode.STRICT, "w2", LEASE));
            assertThat(harness.store.release(key, 1, w2.get().fencingToken())).isEqualTo(ReleaseResult.RELEASED);
            harness.scheduler.advance(Duration.ZERO); // w1 wakes up: its overdue renewal runs now
        };
        CompletionStage<Outcome> outcome = w1.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        assertThat(w2.get().status()).isEqualTo(ClaimStatus.CLAIMED);
        assertThat(harness.events(ProcessorEvent.Fenced.class)).as("w1's first run was fenced").hasSize(1);
        // after the fence w1 looks again, claims anew (w2 let go) and handles #1 under a newer token
        assertThat(outcome.toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.store.read(key).fencingToken()).isGreaterThan(w2.get().fencingToken());
    }

    /**
     * Issue 11, #6 / invariant 14: after close() returns, nothing of this processor acts on a scheduler it does not own
     * — not the wake-up when another worker fills the gap, not the recheck timer, not the gap policy.
     */
    @Test
    void aClosedProcessorNeitherDrainsNorActsOnAGapOnASharedScheduler() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        EventProcessor processor = harness.processor("w1");
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 2))).isEqualTo(Outcome.BUFFERED);
        processor.close();

        harness.store.advance(key, 1, TrackingMode.STRICT); // another worker fills the gap: a wake-up is published
        harness.scheduler.advance(Duration.ofMinutes(2)); // rechecks, gap timer and sweeps all fall due
        assertThat(harness.handlerRuns).as("no handler started after close()").isEmpty();
        assertThat(harness.events(ProcessorEvent.GapTimedOut.class)).isEmpty();
        assertThat(harness.events(ProcessorEvent.Parked.class)).isEmpty();
        assertThat(harness.buffer.pending(key)).extracting(BufferedEvent::sequence).as("left for a live worker")
                .containsExactly(2L);
        assertThat(harness.buffer.parked(key)).isEmpty();
    }

    /**
     * Issue 11, #7 / invariant 13: the gap timer saw no claim, then — at the worst moment, just before the skip reaches
     * the store — another worker claimed the missing #2. The skip used to go ahead (it was an advance, which ignores
     * claims): #2's handler ran on an event recorded as skipped, and its commit answered ALREADY_COMMITTED. Now the skip
     * is one store step that refuses while the claim is held.
     */
    @Test
    void gapPolicySkipNeverOverlapsAClaimOfTheMissingEvent() {
        AtomicReference<ClaimResult> other = new AtomicReference<>();
        InjectingStore[] store = new InjectingStore[1];
        harness = ProcessorHarness.withStoreOnItsClock(registry(GapPolicy.SKIP),
                clock -> store[0] = new InjectingStore(InMemorySequenceStore.builder().clock(clock).build()),
                InMemoryEventBuffer.create());
        EventProcessor processor = harness.processor("w1");
        harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1));
        harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 3)); // #2 is late
        store[0].beforeSkip = () -> other.compareAndSet(null,
                store[0].delegate.claim(key, 2, TrackingMode.STRICT, "w2", LEASE));
        harness.scheduler.advance(Duration.ofSeconds(30));
        assertThat(other.get().status()).as("w2 claimed #2 right after the timer looked").isEqualTo(ClaimStatus.CLAIMED);
        assertThat(harness.events(ProcessorEvent.Skipped.class)).as("nothing skipped under a claim").isEmpty();
        assertThat(harness.store.skippedRanges(key)).isEmpty();

        assertThat(harness.store.commit(key, 2, other.get().fencingToken())).as("w2's handler really committed #2")
                .isEqualTo(CommitResult.COMMITTED);
        harness.scheduler.advance(Duration.ofSeconds(1));
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 3L);
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(3);
    }

    /** Issue 11, #10: an event parked while the replay runs (here by another worker) is replayed too. */
    @Test
    void anOperatorReplayReplaysWhatWasParkedWhileItRan() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        EventProcessor processor = harness.processor("w1");
        harness.failTimes("user_account", "u-1", 1, 1);
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1))).isEqualTo(Outcome.PARKED);
        harness.duringHandler = ctx -> {
            if (ctx.sequence() == 1) { // meanwhile another worker parks #2 behind #1
                harness.buffer.park(key, new ParkedEvent(new BufferedEvent(2, "user_account/u-1/2", "Changed",
                        "payload-2".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        harness.scheduler.clock().instant()), "blocked behind parked #1", harness.scheduler.clock().instant()));
            }
        };
        CompletionStage<List<Outcome>> replay = processor.admin().replayParked(key);
        harness.scheduler.runReady();
        assertThat(replay.toCompletableFuture().getNow(null)).containsExactly(Outcome.PROCESSED, Outcome.PROCESSED);
        assertThat(harness.buffer.parked(key)).isEmpty();
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L);
    }

    /** Issue 15, #11: a caller's own callback on the outcome sees the submission no longer in flight. */
    @Test
    void aCompletedSubmissionIsNoLongerInFlightForTheCallersCallback() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        EventProcessor processor = harness.processor("w1");
        AtomicReference<Integer> seen = new AtomicReference<>();
        processor.submit(ProcessorHarness.event("user_account", "u-1", 1))
                .thenAccept(o -> seen.set(processor.snapshot().inFlight()));
        harness.scheduler.runReady();
        assertThat(seen.get()).isZero();
    }

    /**
     * Issue 15, #11: the buffer sweep re-arms itself; when close() comes in while it runs, the scheduler refuses the
     * re-arm. That used to escape as an uncaught RejectedExecutionException on the scheduler's thread.
     */
    @Test
    void aSweepThatMeetsCloseDoesNotThrowOnTheSchedulersThread() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        AtomicReference<EventProcessor> processor = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        HookedScheduler refusing = new HookedScheduler(harness.scheduler);
        refusing.onScheduleOffLane = delay -> {
            if (closing.get()) { // the sweep re-arms while close() shuts the scheduler down
                processor.get().close();
                throw new java.util.concurrent.RejectedExecutionException("scheduler closed");
            }
        };
        processor.set(harness.processor("w1", b -> b.scheduler(refusing)));
        harness.scheduler.runReady();
        closing.set(true);
        harness.scheduler.advance(Duration.ofMinutes(1)); // the sweep falls due and meets close()
        assertThat(processor.get().snapshot().inFlight()).isZero();
    }

    /**
     * A lane with more ready work than one run takes schedules another run of itself; when the scheduler refuses that
     * (close() shut it down meanwhile) the refusal used to escape as an uncaught RejectedExecutionException on the
     * lane's thread, and the events still waiting on the lane were never told anything. Now they fail with the refusal.
     */
    @Test
    void aLaneRunThatMeetsARefusingSchedulerFailsWhatWaitsInsteadOfThrowing() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();
        HookedScheduler refusing = new HookedScheduler(harness.scheduler);
        refusing.onExecute = () -> {
            if (refuse.get()) {
                throw new java.util.concurrent.RejectedExecutionException("scheduler closed");
            }
        };
        EventProcessor processor = harness.processor("w1", b -> b.scheduler(refusing).maxBatch(1));
        List<java.util.concurrent.CompletableFuture<Outcome>> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) { // more batches than one run of each lane takes
            outcomes.add(processor.submit(ProcessorHarness.event("user_account", "r-" + i, 1)).toCompletableFuture());
        }
        refuse.set(true); // the lane's own re-run is refused

        assertThatCode(harness.scheduler::runReady).doesNotThrowAnyException();
        long processed = outcomes.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
        assertThat(processed).as("the first runs processed some").isPositive().isLessThan(400);
        assertThat(outcomes).as("the rest were told").allSatisfy(f -> assertThat(f).isDone());
        assertThat(outcomes.stream().filter(java.util.concurrent.CompletableFuture::isCompletedExceptionally))
                .hasSize(400 - (int) processed)
                .allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO).withThrowableThat()
                        .withRootCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class));
    }

    /**
     * An event whose handler gave up is parked while its claim is still held, and only then given back. Released
     * first (as it was), another worker could claim the redelivered event in between, handle and commit it — and then
     * it was both committed and parked, its aggregate blocked behind an event that had been handled (review finding).
     * Here the buffer looks at the store at the moment of the park: the failing worker must still hold the claim.
     */
    @Test
    void anEventWhoseHandlerGaveUpIsParkedBeforeItsClaimIsGivenBack() {
        java.util.List<String> claimAtPark = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.seqtrack.core.port.out.EventBuffer[] inner = {InMemoryEventBuffer.create()};
        harness = new ProcessorHarness(registry(GapPolicy.PARK), null, new ForwardingEventBuffer(inner[0]) {
            @Override
            public void park(AggregateKey k, ParkedEvent event) {
                claimAtPark.add(harness.store.read(k).claim().map(c -> c.owner() + "#" + c.sequence())
                        .orElse("none"));
                super.park(k, event);
            }
        });
        EventProcessor processor = harness.processor("w1");
        harness.failTimes("user_account", "u-1", 1, 1);
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1)))
                .isEqualTo(Outcome.PARKED);
        assertThat(claimAtPark).as("the claim when the event was parked").containsExactly("w1#1");
        assertThat(harness.store.read(key).claim()).as("given back after the park").isEmpty();
    }

    /**
     * Gap policy SKIP whose store call lands but whose answer is lost (a timeout, a reset connection: "outcome
     * unknown"). The SPI makes skip idempotent for exactly this — a retry with an equal record answers SKIPPED — but the
     * processor builds a new record (a new {@code skippedAt}) on every attempt, so its retry can never be recognised:
     * the store answers MOVED, and the processor never emits GapTimedOut/Skipped for a skip that did happen (the
     * store's audit trail has it; the processor's event stream, metrics and alerts do not).
     */
    @Test
    void aGapSkipWhoseAnswerWasLostIsStillAnnouncedAsSkipped() {
        LosingSkipAnswerStore[] store = new LosingSkipAnswerStore[1];
        harness = ProcessorHarness.withStoreOnItsClock(registry(GapPolicy.SKIP),
                clock -> store[0] = new LosingSkipAnswerStore(InMemorySequenceStore.builder().clock(clock).build()),
                InMemoryEventBuffer.create());
        EventProcessor processor = harness.processor("w1");
        harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1));
        harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 3)); // #2 never comes
        harness.scheduler.advance(Duration.ofSeconds(30)); // gap timeout: the skip lands, its answer is lost
        harness.scheduler.advance(Duration.ofMinutes(3)); // retries, rechecks
        assertThat(store[0].lost).as("the skip's answer was lost once").isTrue();
        assertThat(harness.store.skippedRanges(key)).as("the store did skip #2 and recorded it")
                .extracting(SkippedRange::fromSequence).containsExactly(2L);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 3L);
        assertThat(harness.events(ProcessorEvent.Skipped.class))
                .as("the skip that happened is announced (docs/processor.md: SKIP -> `Skipped` event, "
                        + "seqtrack.events{outcome=skipped})")
                .hasSize(1);
    }

    /**
     * Review of 6497d5f: a gap skip whose request never reached the store (the connection failed while sending it:
     * outcome unknown, nothing skipped). The missing #2 then arrives, its handler fails for good and it is parked —
     * the aggregate blocks behind it, #3 is parked behind it, the gap closes. Closing the gap settles the pending skip
     * by sending it again; the store is still at #1 with no claim, so the "confirmation" applies the skip now and jumps
     * over the parked #2: an event that arrived and was handed to a handler is recorded as skipped, and a replay of it
     * answers DUPLICATE. (Before 6497d5f the settle only read the skip records.)
     */
    @Test
    void settlingAPendingSkipNeverAppliesItOverAParkedEvent() {
        DroppingSkipStore[] store = new DroppingSkipStore[1];
        harness = ProcessorHarness.withStoreOnItsClock(registry(GapPolicy.SKIP),
                clock -> store[0] = new DroppingSkipStore(InMemorySequenceStore.builder().clock(clock).build()),
                InMemoryEventBuffer.create());
        EventProcessor processor = harness.processor("w1");
        harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1));
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 3)))
                .isEqualTo(Outcome.BUFFERED);
        harness.scheduler.advance(Duration.ofSeconds(30)); // gap timeout: the skip request is lost on the way
        assertThat(store[0].dropped).as("the skip never reached the store").isTrue();
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(1);

        harness.failTimes("user_account", "u-1", 2, 1);
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 2)))
                .as("#2 arrived late, its handler failed: parked").isEqualTo(Outcome.PARKED);
        assertThat(harness.buffer.parked(key)).extracting(p -> p.event().sequence()).containsExactly(2L, 3L);
        assertThat(harness.store.read(key).lastCommitted()).as("nothing skips over the parked #2").isEqualTo(1);
        assertThat(harness.store.skippedRanges(key)).isEmpty();
        assertThat(harness.events(ProcessorEvent.Skipped.class)).isEmpty();
    }

    /**
     * Invariant 14: the gap timer checked {@code closed} once at its start, then read the buffer and the store; its
     * "the missing sequence is parked: park behind it" branch acted outside the lifecycle lock. Here another thread calls
     * close() while the timer reads {@code buffer.parked}: whatever the timer does, it must have done before close()
     * returned — close() may wait for a decision in progress, but nothing may act after it returned.
     */
    @Test
    void theGapTimerDoesNotParkAnythingAfterCloseReturned() throws Exception {
        HookedBuffer buffer = new HookedBuffer(InMemoryEventBuffer.create());
        harness = new ProcessorHarness(registry(GapPolicy.PARK), null, buffer);
        java.util.concurrent.atomic.AtomicBoolean closeReturned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<ProcessorEvent> afterClose = new java.util.concurrent.CopyOnWriteArrayList<>();
        EventProcessor processor = harness.processor("w1", b -> b.listener(e -> {
            if (closeReturned.get()) {
                afterClose.add(e);
            }
        }));
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 2))).isEqualTo(Outcome.BUFFERED);
        // another worker parked #1 (its handler failed there)
        Instant t = harness.scheduler.clock().instant();
        buffer.park(key, new ParkedEvent(new BufferedEvent(1, "user_account/u-1/1", "Changed", new byte[0], t),
                "handler failed 1 time(s)", t));
        Thread closer = new Thread(() -> {
            processor.close();
            closeReturned.set(true);
        }, "closer");
        buffer.beforeParked = () -> {
            closer.start(); // close() from another thread, while the timer reads
            long bound = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            // let it run until it either returned or waits for the timer's decision to finish
            while (closer.getState() != Thread.State.TERMINATED && closer.getState() != Thread.State.WAITING) {
                assertThat(System.nanoTime()).as("close() returned or waits").isLessThan(bound);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        };
        harness.scheduler.advance(Duration.ofSeconds(30)); // the gap timer fires
        closer.join(10_000);
        assertThat(closeReturned.get()).as("close() returned").isTrue();
        assertThat(afterClose).as("nothing done after close() returned").isEmpty();
    }

    /**
     * Invariant 14: {@code admitHandler()} checks {@code closed} under the read lock and releases it; the handler is
     * invoked later (after the lease renewal is registered with the scheduler, the MDC is set, ...). close() returning
     * in that window (modelled here by close() running while the processor arms its renewal timer — a preemption of the
     * lane thread at that point is the same) does not stop the handler: it starts after close() returned.
     */
    @Test
    void noHandlerStartsAfterCloseReturned() {
        harness = new ProcessorHarness(registry(GapPolicy.PARK));
        AtomicReference<EventProcessor> self = new AtomicReference<>();
        AtomicReference<Boolean> closedReturned = new AtomicReference<>(false);
        HookedScheduler scheduler = new HookedScheduler(harness.scheduler);
        EventProcessor processor = harness.processor("w1", b -> b.scheduler(scheduler));
        self.set(processor);
        scheduler.onScheduleOffLane = delay -> {
            if (delay.equals(LEASE.dividedBy(2)) && !closedReturned.get()) { // the renewal timer of the handler to start
                self.get().close();
                closedReturned.set(true);
            }
        };
        processor.submit(ProcessorHarness.event("user_account", "u-1", 1));
        harness.scheduler.runReady();
        assertThat(closedReturned.get()).as("close() returned before the handler was invoked").isTrue();
        assertThat(harness.handlerRuns).as("no handler started after close() returned").isEmpty();
    }

    /** The first skip takes effect in the store, then its answer is lost (as with a timed-out connection). */
    private static final class LosingSkipAnswerStore extends ForwardingSequenceStore {
        volatile boolean lost;

        LosingSkipAnswerStore(SequenceStore delegate) {
            super(delegate);
        }

        @Override
        public SkipResult skip(AggregateKey k, long expectedLast, long newLast, SkippedRange record) {
            SkipResult result = super.skip(k, expectedLast, newLast, record);
            if (!lost && result.skipped()) {
                lost = true;
                throw SequenceStoreException.of("skip", k, new java.io.IOException("connection reset by peer"));
            }
            return result;
        }

        @Override
        public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
                java.util.function.Consumer<AggregateKey> listener) {
            return delegate.subscribeCommits(listener);
        }
    }

    /** The first skip fails before it reaches the store (the request is lost): outcome unknown, nothing happened. */
    private static final class DroppingSkipStore extends ForwardingSequenceStore {
        volatile boolean dropped;

        DroppingSkipStore(SequenceStore delegate) {
            super(delegate);
        }

        @Override
        public SkipResult skip(AggregateKey k, long expectedLast, long newLast, SkippedRange record) {
            if (!dropped) {
                dropped = true;
                throw SequenceStoreException.of("skip", k, new java.io.IOException("connection reset by peer"));
            }
            return super.skip(k, expectedLast, newLast, record);
        }

        @Override
        public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
                java.util.function.Consumer<AggregateKey> listener) {
            return delegate.subscribeCommits(listener);
        }
    }

    /** A buffer that runs {@link #beforeParked} once, just before the parked list is read. */
    private static final class HookedBuffer extends ForwardingEventBuffer {
        volatile Runnable beforeParked;

        HookedBuffer(io.seqtrack.core.port.out.EventBuffer delegate) {
            super(delegate);
        }

        @Override
        public List<ParkedEvent> parked(AggregateKey key) {
            Runnable hook = beforeParked;
            if (hook != null) {
                beforeParked = null;
                hook.run();
            }
            return super.parked(key);
        }
    }

    /** A store that runs {@link #beforeSkip} once just before a skip reaches it: after every check the caller made. */
    private static final class InjectingStore extends ForwardingSequenceStore {
        volatile Runnable beforeSkip;

        InjectingStore(io.seqtrack.core.port.out.SequenceStore delegate) {
            super(delegate);
        }

        @Override
        public io.seqtrack.core.port.out.SkipResult skip(AggregateKey k, long expectedLast, long newLast,
                io.seqtrack.core.port.out.SkippedRange record) {
            Runnable hook = beforeSkip;
            if (hook != null) {
                beforeSkip = null;
                hook.run();
            }
            return super.skip(k, expectedLast, newLast, record);
        }

        @Override
        public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
                java.util.function.Consumer<AggregateKey> listener) {
            return delegate.subscribeCommits(listener);
        }
    }
}
