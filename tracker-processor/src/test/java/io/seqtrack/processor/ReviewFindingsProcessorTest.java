package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Processor-side holes an adversarial review of the first issue-11 fix (7dc1c2c) found; each test failed on 7dc1c2c.
 * Virtual time; a hook stands for "another thread did X at this moment" exactly as ProcessorInvariantsTest does.
 */
class ReviewFindingsProcessorTest {

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

    // ------------------------------------------------------------------ helpers

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

    private static final class HookedBuffer implements EventBuffer {
        final EventBuffer delegate;
        volatile Runnable beforeParked;

        HookedBuffer(EventBuffer delegate) {
            this.delegate = delegate;
        }

        @Override
        public BufferResult add(AggregateKey key, BufferedEvent event, int maxPerAggregate) {
            return delegate.add(key, event, maxPerAggregate);
        }

        @Override
        public List<BufferedEvent> pending(AggregateKey key) {
            return delegate.pending(key);
        }

        @Override
        public boolean removePending(AggregateKey key, long sequence) {
            return delegate.removePending(key, sequence);
        }

        @Override
        public void park(AggregateKey key, ParkedEvent event) {
            delegate.park(key, event);
        }

        @Override
        public List<ParkedEvent> parked(AggregateKey key) {
            Runnable hook = beforeParked;
            if (hook != null) {
                beforeParked = null;
                hook.run();
            }
            return delegate.parked(key);
        }

        @Override
        public boolean removeParked(AggregateKey key, long sequence) {
            return delegate.removeParked(key, sequence);
        }

        @Override
        public Set<AggregateKey> aggregatesWithPending() {
            return delegate.aggregatesWithPending();
        }

        @Override
        public Set<AggregateKey> parkedAggregates() {
            return delegate.parkedAggregates();
        }

        @Override
        public long pendingCount() {
            return delegate.pendingCount();
        }
    }

    /** The harness's virtual scheduler, shared (not owned), with a hook on scheduleOffLane. */
    private static final class HookedScheduler implements ProcessorScheduler {
        final ProcessorScheduler delegate;
        volatile java.util.function.Consumer<Duration> onScheduleOffLane = d -> { };

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
            delegate.execute(lane, task);
        }

        @Override
        public Cancellable schedule(int lane, Duration delay, Runnable task) {
            return delegate.schedule(lane, delay, task);
        }

        @Override
        public Cancellable scheduleOffLane(Duration delay, Runnable task) {
            onScheduleOffLane.accept(delay);
            return delegate.scheduleOffLane(delay, task);
        }

        @Override
        public void close() {
            // shared: the processor does not own it
        }
    }
}
