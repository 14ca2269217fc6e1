package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Promises of docs/processor.md and the processor's Javadoc that no other test held it to: {@code maxInFlight}
 * back-pressure, {@code ProcessorAdmin.reset} (in the domain's numbering, audited), and the disabled domain's
 * {@link HandlerFailedException}. On the in-memory store and virtual time.
 */
@Timeout(60)
class DocumentedProcessorBehaviourTest {

    private static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(10)).multiplier(2).jitter(0).build();

    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.of(
            DomainRegistration.builder("user_account").retryPolicy(RETRY).build(),
            DomainRegistration.builder("zero_based").firstSequence(0).build(),
            DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).retryPolicy(RETRY).build()));

    @AfterEach
    void close() {
        harness.close();
    }

    // ------------------------------------------------------------------ maxInFlight

    /**
     * "{@code maxInFlight} blocks {@code submit} while that many submissions are unfinished": with two unfinished (one
     * waiting for its retry, one queued on its lane), a third caller is parked inside {@code submit} until one of them
     * finishes; nothing is queued without bound and nothing is refused.
     */
    @Test
    void submitBlocksItsCallerWhileMaxInFlightSubmissionsAreUnfinished() throws Exception {
        EventProcessor processor = harness.processor("worker-1", b -> b.maxInFlight(2));
        harness.failTimes("user_account", "a", 1, 1);
        CompletionStage<Outcome> retrying = processor.submit(ProcessorHarness.event("user_account", "a", 1));
        harness.scheduler.runReady(); // failed once: its retry is due in 100 ms of virtual time
        CompletionStage<Outcome> queued = processor.submit(ProcessorHarness.event("user_account", "b", 1));
        assertThat(retrying.toCompletableFuture()).isNotDone();
        assertThat(queued.toCompletableFuture()).isNotDone();
        assertThat(processor.snapshot().inFlight()).isEqualTo(2);

        CompletableFuture<CompletionStage<Outcome>> third = new CompletableFuture<>();
        Thread caller = new Thread(() -> third.complete(
                processor.submit(ProcessorHarness.event("user_account", "c", 1))), "broker-consumer");
        caller.start();
        awaitParkedOnSemaphore(caller);
        assertThat(third).as("submit has not returned").isNotDone();

        harness.scheduler.runReady(); // b finishes: one submission is unfinished now, below the limit
        caller.join();
        harness.scheduler.runReady();
        assertThat(queued.toCompletableFuture()).isCompletedWithValue(Outcome.PROCESSED);
        assertThat(third.join().toCompletableFuture()).isCompletedWithValue(Outcome.PROCESSED);
        assertThat(retrying.toCompletableFuture()).as("still waiting for its retry").isNotDone();

        harness.scheduler.advance(Duration.ofMillis(100));
        assertThat(retrying.toCompletableFuture()).isCompletedWithValue(Outcome.PROCESSED);
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    /**
     * Waits until {@code thread} is parked on a {@link java.util.concurrent.Semaphore} (the in-flight permits), and
     * fails at once if it finished instead. Thread states change on another thread, so this polls, parking 1 ms in
     * between; the bound only keeps a broken processor from hanging the build.
     */
    private static void awaitParkedOnSemaphore(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Object blocker = LockSupport.getBlocker(thread);
            if (thread.getState() == Thread.State.WAITING && blocker != null
                    && blocker.getClass().getName().startsWith("java.util.concurrent.Semaphore")) {
                return;
            }
            if (!thread.isAlive()) {
                fail("submit returned while maxInFlight submissions were unfinished");
            }
            if (System.nanoTime() > deadline) {
                fail("submit neither blocked nor returned; thread state " + thread.getState() + ", blocker " + blocker);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    // ------------------------------------------------------------------ admin reset

    /**
     * "{@code reset(key, last)} — set the last committed sequence", announced as an {@code AdminAction}: an operator
     * resets an aggregate back to replay from #2, and the next events are judged against the new value.
     */
    @Test
    void adminResetSetsTheLastCommittedSequenceAndIsAudited() {
        EventProcessor processor = harness.processor("worker-1");
        AggregateKey key = AggregateKey.of("user_account", "u-1");
        for (long seq = 1; seq <= 3; seq++) {
            assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", seq)))
                    .isEqualTo(Outcome.PROCESSED);
        }

        CompletionStage<Void> reset = processor.admin().reset(key, 1);
        harness.scheduler.runReady();
        assertThat(reset.toCompletableFuture()).isCompletedWithValue(null);
        assertThat(harness.store.read(key).lastCommitted()).isEqualTo(1);
        assertThat(harness.events(ProcessorEvent.AdminAction.class)).singleElement().satisfies(a -> {
            assertThat(a.key()).isEqualTo(key);
            assertThat(a.action()).isEqualTo("reset");
            assertThat(a.detail()).isEqualTo("last committed set to 1");
        });

        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 1)))
                .isEqualTo(Outcome.DUPLICATE);
        assertThat(harness.submit(processor, ProcessorHarness.event("user_account", "u-1", 2)))
                .as("handled again after the reset").isEqualTo(Outcome.PROCESSED);
        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L, 3L, 2L);
    }

    /** "Sets the aggregate's last committed sequence (domain numbering)": a domain counting from 0. */
    @Test
    void adminResetUsesTheDomainsNumbering() {
        EventProcessor processor = harness.processor("worker-1");
        AggregateKey key = AggregateKey.of("zero_based", "z-1");
        assertThat(harness.submit(processor, ProcessorHarness.event("zero_based", "z-1", 0))).isEqualTo(Outcome.PROCESSED);

        processor.admin().reset(key, 5);
        harness.scheduler.runReady();
        assertThat(harness.submit(processor, ProcessorHarness.event("zero_based", "z-1", 5)))
                .isEqualTo(Outcome.DUPLICATE);
        assertThat(harness.submit(processor, ProcessorHarness.event("zero_based", "z-1", 6)))
                .as("the next one after the reset").isEqualTo(Outcome.PROCESSED);

        CompletionStage<Void> nothingCommitted = processor.admin().reset(key, -1);
        harness.scheduler.runReady();
        assertThat(nothingCommitted.toCompletableFuture()).isCompletedWithValue(null);
        assertThat(harness.submit(processor, ProcessorHarness.event("zero_based", "z-1", 0)))
                .as("-1 means nothing committed in a domain that starts at 0").isEqualTo(Outcome.PROCESSED);

        CompletionStage<Void> belowTheStart = processor.admin().reset(key, -2);
        harness.scheduler.runReady();
        assertThat(belowTheStart.toCompletableFuture()).isCompletedExceptionally();
        assertThat(catchCause(belowTheStart)).isInstanceOf(InvalidEventException.class);
    }

    // ------------------------------------------------------------------ disabled domain, handler failing for good

    /**
     * docs/processor.md: a disabled domain's handler that fails on every attempt fails the stage with
     * {@code HandlerFailedException} (for the broker's DLQ) — after the domain's retries, without parking anything
     * and without touching the store.
     */
    @Test
    void aDisabledDomainsHandlerFailingOnEveryAttemptFailsTheStageWithHandlerFailedException() {
        EventProcessor processor = harness.processor("worker-1");
        AggregateKey key = AggregateKey.of("chat", "room-1");
        harness.failTimes("chat", "room-1", 9, Integer.MAX_VALUE);
        CompletionStage<Outcome> outcome = processor.submit(ProcessorHarness.event("chat", "room-1", 9));
        harness.scheduler.runReady();
        harness.scheduler.advance(Duration.ofMillis(100)); // second attempt
        assertThat(outcome.toCompletableFuture()).isNotDone();
        harness.scheduler.advance(Duration.ofMillis(200)); // third and last attempt

        assertThat(outcome.toCompletableFuture()).isCompletedExceptionally();
        Throwable failure = catchCause(outcome);
        assertThat(failure).isInstanceOf(HandlerFailedException.class)
                .hasMessageContaining("handler failed 3 time(s) for " + key)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(failure.getCause()).hasMessage("scripted failure of " + key + "#9");
        assertThat(harness.handlerRuns).containsExactly("worker-1:" + key + "#9@1", "worker-1:" + key + "#9@2",
                "worker-1:" + key + "#9@3");
        assertThat(harness.events(ProcessorEvent.Retried.class)).hasSize(2);
        assertThat(harness.events(ProcessorEvent.Parked.class)).isEmpty();
        assertThat(processor.admin().parked()).isEmpty();
        assertThat(harness.store.read(key)).as("never claimed, never committed")
                .isEqualTo(new AggregateState(0, 0, java.util.Optional.empty()));
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    private static Throwable catchCause(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
            throw new AssertionError("the stage completed normally");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
