package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The processor's side of issue 11, each at the worst moment and on virtual time: renewal never un-fences a paused
 * worker (#2), a closed processor does nothing more on a scheduler it does not own (#6 / invariant 14), gap policy SKIP
 * never overlaps a claim of the missing event (#7 / invariant 13), and an operator replay replays what was parked
 * while it ran (#10).
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
        ProcessorScheduler refusing = new ProcessorScheduler() {
            @Override
            public int lanes() {
                return harness.scheduler.lanes();
            }

            @Override
            public java.time.Clock clock() {
                return harness.scheduler.clock();
            }

            @Override
            public void execute(int lane, Runnable task) {
                harness.scheduler.execute(lane, task);
            }

            @Override
            public Cancellable schedule(int lane, Duration delay, Runnable task) {
                return harness.scheduler.schedule(lane, delay, task);
            }

            @Override
            public Cancellable scheduleOffLane(Duration delay, Runnable task) {
                if (closing.get()) { // the sweep re-arms while close() shuts the scheduler down
                    processor.get().close();
                    throw new java.util.concurrent.RejectedExecutionException("scheduler closed");
                }
                return harness.scheduler.scheduleOffLane(delay, task);
            }

            @Override
            public void close() {
            }
        };
        processor.set(harness.processor("w1", b -> b.scheduler(refusing)));
        harness.scheduler.runReady();
        closing.set(true);
        harness.scheduler.advance(Duration.ofMinutes(1)); // the sweep falls due and meets close()
        assertThat(processor.get().snapshot().inFlight()).isZero();
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
