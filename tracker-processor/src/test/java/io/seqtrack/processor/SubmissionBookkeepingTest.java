package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.registry.DomainRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight permit and the unsettled set are kept by the submission's own futures (no extra stages per event): a
 * caller that completes or cancels the future it was given must neither leak a permit nor return one twice.
 */
class SubmissionBookkeepingTest {

    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.seedDefaults());

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aCallerThatCancelsOrCompletesItsFutureNeitherLeaksNorDoublesAPermit() {
        EventProcessor processor = harness.processor("w", b -> b.maxInFlight(2));
        CompletableFuture<Outcome> cancelled = processor.submit(ProcessorHarness.event("user_account", "a", 1))
                .toCompletableFuture();
        CompletableFuture<Outcome> completed = processor.submit(ProcessorHarness.event("user_account", "b", 1))
                .toCompletableFuture();
        assertThat(processor.snapshot().inFlight()).isEqualTo(2);

        assertThat(cancelled.cancel(false)).isTrue();
        assertThat(completed.complete(Outcome.DUPLICATE)).isTrue();
        harness.scheduler.runReady(); // the lane still runs both and tells futures that are done already

        assertThat(harness.handled("user_account", "a")).containsExactly(1L);
        assertThat(harness.handled("user_account", "b")).containsExactly(1L);
        assertThat(processor.snapshot().inFlight()).isZero(); // -1 or -2 if a permit came back twice
        for (int n = 2; n <= 5; n++) { // and both permits are usable: this would block on a leaked one
            CompletableFuture<Outcome> next = processor.submit(ProcessorHarness.event("user_account", "a", n))
                    .toCompletableFuture();
            harness.scheduler.runReady();
            assertThat(next.getNow(null)).isEqualTo(Outcome.PROCESSED);
        }
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    @Test
    void stagesMadeFromASubmissionAreNotThePermitHoldingFuture() {
        EventProcessor processor = harness.processor("w", b -> b.maxInFlight(1));
        CompletableFuture<Outcome> accepted = processor.submit(ProcessorHarness.event("user_account", "a", 1))
                .toCompletableFuture();
        CompletableFuture<String> derived = accepted.thenApply(Outcome::name);
        assertThat(derived.complete("mine")).isTrue(); // completes only the derived stage
        assertThat(processor.snapshot().inFlight()).isEqualTo(1);
        harness.scheduler.runReady();
        assertThat(accepted.getNow(null)).isEqualTo(Outcome.PROCESSED);
        assertThat(processor.snapshot().inFlight()).isZero();
    }
}
