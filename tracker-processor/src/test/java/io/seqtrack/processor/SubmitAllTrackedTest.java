package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EventProcessor#submitAllTracked}: the same outcomes and per-aggregate order as one {@code submitTracked} per
 * event, admission in parts no larger than {@code maxInFlight}, an interrupt while waiting for permits, and close.
 */
class SubmitAllTrackedTest {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.seedDefaults());

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aBatchKeepsEachAggregatesOrderAndAnswersEachEventAsSubmitTrackedWould() {
        EventProcessor processor = harness.processor("w");
        List<Event> events = new ArrayList<>();
        for (int seq = 1; seq <= 40; seq++) { // longer than the lanes' reorder window: a reversed list would show
            events.add(ProcessorHarness.event("chat", "room", seq)); // untracked: handled in submission order
            events.add(ProcessorHarness.event("user_account", "a", seq));
            if (seq <= 3) {
                events.add(ProcessorHarness.event("company", "c", seq));
            }
        }
        events.add(ProcessorHarness.event("user_account", "a", 2)); // a redelivery
        events.add(ProcessorHarness.event("company", "c", 5)); // early: c#4 is missing
        events.add(ProcessorHarness.event("no_such_domain", "x", 1));
        events.add(null);

        List<Submission> submissions = processor.submitAllTracked(events);
        harness.scheduler.runReady();

        assertThat(submissions).hasSize(events.size());
        for (int i = 0; i < events.size(); i++) {
            assertThat(submissions.get(i).event()).as("submission %d is its event's", i).isSameAs(events.get(i));
        }
        assertThat(harness.handled("chat", "room")).as("the order of the list").isEqualTo(sequence(40));
        assertThat(harness.handled("user_account", "a")).isEqualTo(sequence(40));
        assertThat(harness.handled("company", "c")).containsExactly(1L, 2L, 3L);
        int n = events.size();
        assertThat(outcome(submissions.get(n - 4))).isEqualTo(Outcome.DUPLICATE);
        assertThat(outcome(submissions.get(n - 3))).isEqualTo(Outcome.BUFFERED);
        assertThat(outcome(submissions.get(n - 2))).isEqualTo(Outcome.REJECTED);
        assertThat(outcome(submissions.get(n - 1))).isEqualTo(Outcome.REJECTED);
        assertThat(submissions.subList(0, n - 4)).allSatisfy(s -> assertThat(outcome(s)).isEqualTo(Outcome.PROCESSED));
        assertThat(processor.snapshot().inFlight()).isZero();

        // the buffered one settles like any tracked submission when its gap closes
        assertThat(submissions.get(n - 3).settled().toCompletableFuture()).isNotDone();
        harness.submit(processor, ProcessorHarness.event("company", "c", 4));
        assertThat(submissions.get(n - 3).settled().toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("company", "c")).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aBatchLongerThanMaxInFlightIsAdmittedInPartsEachHandedToTheLanesBeforeTheNextWaits() throws Exception {
        EventProcessor processor = harness.processor("w", b -> b.maxInFlight(4));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(ProcessorHarness.event("user_account", "a" + i, 1));
        }
        AtomicReference<Thread> submitter = new AtomicReference<>();
        CompletableFuture<List<Submission>> batch = CompletableFuture.supplyAsync(() -> {
            submitter.set(Thread.currentThread());
            return processor.submitAllTracked(events);
        });

        assertThat(harness.scheduler.awaitQueued(BOUND)).as("the first part reaches the lanes").isTrue();
        awaitBlockedOrDone(submitter, batch);
        assertThat(batch).as("the rest waits for permits").isNotDone();
        assertThat(processor.snapshot().inFlight()).isEqualTo(4);
        // the lanes accept what they were given; the permits that frees let the next part in (a submitter that kept
        // its part's permits while waiting for the next would wait forever here)
        while (!batch.isDone()) {
            harness.scheduler.runReady();
            assertThat(processor.snapshot().inFlight()).as("never more than maxInFlight").isLessThanOrEqualTo(4);
            if (!batch.isDone() && !harness.scheduler.awaitQueued(BOUND)) {
                break;
            }
        }
        harness.scheduler.runReady();

        List<Submission> submissions = batch.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(submissions).allSatisfy(s -> assertThat(outcome(s)).isEqualTo(Outcome.PROCESSED));
        for (int i = 0; i < 10; i++) {
            assertThat(harness.handled("user_account", "a" + i)).containsExactly(1L);
        }
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    @Test
    void aSubmitterInterruptedWhileWaitingForPermitsFailsTheEventsNotYetAdmitted() throws Exception {
        EventProcessor processor = harness.processor("w", b -> b.maxInFlight(2));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(ProcessorHarness.event("user_account", "a" + i, 1));
        }
        AtomicReference<Thread> submitter = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        CompletableFuture<List<Submission>> batch = CompletableFuture.supplyAsync(() -> {
            submitter.set(Thread.currentThread());
            List<Submission> submissions = processor.submitAllTracked(events);
            stillInterrupted.set(Thread.interrupted());
            return submissions;
        });
        assertThat(harness.scheduler.awaitQueued(BOUND)).isTrue();
        awaitBlockedOrDone(submitter, batch);
        assertThat(batch).as("waits for permits for the rest").isNotDone();
        submitter.get().interrupt();
        List<Submission> submissions = batch.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        harness.scheduler.runReady();

        assertThat(stillInterrupted.get()).as("the interrupt status is kept").isTrue();
        assertThat(outcome(submissions.get(0))).isEqualTo(Outcome.PROCESSED);
        assertThat(outcome(submissions.get(1))).isEqualTo(Outcome.PROCESSED);
        for (Submission late : submissions.subList(2, 5)) {
            assertThat(failure(late.accepted())).isInstanceOf(InterruptedException.class);
            assertThat(failure(late.settled())).isInstanceOf(InterruptedException.class);
        }
        assertThat(harness.handled).containsOnlyKeys(AggregateKey.of("user_account", "a0"),
                AggregateKey.of("user_account", "a1"));
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    @Test
    void closingFailsABatchThatWasNotRunYet_andEveryBatchSubmittedAfterIt() {
        EventProcessor processor = harness.processor("w");
        List<Submission> before = processor.submitAllTracked(List.of(ProcessorHarness.event("user_account", "a", 1),
                ProcessorHarness.event("company", "c", 1)));
        processor.close();
        harness.scheduler.runReady();
        List<Submission> after = processor.submitAllTracked(List.of(ProcessorHarness.event("user_account", "b", 1)));
        harness.scheduler.runReady();

        for (Submission submission : concat(before, after)) {
            assertThat(failure(submission.accepted())).isInstanceOf(IllegalStateException.class);
            assertThat(failure(submission.settled())).isInstanceOf(IllegalStateException.class);
        }
        assertThat(harness.handlerRuns).isEmpty();
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    @Test
    void anEmptyBatchIsNothing() {
        EventProcessor processor = harness.processor("w");
        assertThat(processor.submitAllTracked(List.of())).isEmpty();
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    @Test
    void theDefaultImplementationSubmitsEachEventInOrder() {
        EventProcessor delegate = harness.processor("w");
        List<Event> seen = new ArrayList<>();
        EventProcessor onlySingle = new EventProcessor() {
            @Override
            public java.util.concurrent.CompletionStage<Outcome> submit(Event event) {
                return submitTracked(event).accepted();
            }

            @Override
            public Submission submitTracked(Event event) {
                seen.add(event);
                return delegate.submitTracked(event);
            }

            @Override
            public boolean durableBuffer() {
                return delegate.durableBuffer();
            }

            @Override
            public ProcessorAdmin admin() {
                return delegate.admin();
            }

            @Override
            public ProcessorSnapshot snapshot() {
                return delegate.snapshot();
            }

            @Override
            public void close() {
                delegate.close();
            }
        };
        List<Event> events = List.of(ProcessorHarness.event("user_account", "a", 1),
                ProcessorHarness.event("user_account", "a", 2), ProcessorHarness.event("company", "c", 1));
        List<Submission> submissions = onlySingle.submitAllTracked(events);
        harness.scheduler.runReady();
        assertThat(seen).isEqualTo(events);
        assertThat(submissions).allSatisfy(s -> assertThat(outcome(s)).isEqualTo(Outcome.PROCESSED));
    }

    // ------------------------------------------------------------------ helpers

    /** Until the submitter thread waits (for permits) or has finished. */
    private static void awaitBlockedOrDone(AtomicReference<Thread> submitter, CompletableFuture<?> batch)
            throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!batch.isDone() && System.nanoTime() < deadline) {
            Thread t = submitter.get();
            if (t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)) {
                return;
            }
            Thread.onSpinWait();
            Thread.sleep(1); // real time only while another thread gets to its wait, never to pass virtual time
        }
    }

    private static Outcome outcome(Submission submission) {
        return submission.accepted().toCompletableFuture().getNow(null);
    }

    private static Throwable failure(java.util.concurrent.CompletionStage<Outcome> stage) {
        CompletableFuture<Outcome> future = stage.toCompletableFuture();
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private static List<Long> sequence(int n) {
        List<Long> sequence = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            sequence.add(i);
        }
        return sequence;
    }

    private static List<Submission> concat(List<Submission> a, List<Submission> b) {
        List<Submission> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
