package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.internal.LaneOf;
import io.seqtrack.core.registry.DomainRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How often a lane is handed to its scheduler: once per stretch of work, not once more for what arrives meanwhile. */
class LaneRunsTest {

    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.seedDefaults());

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void submissionsArrivingWhileTheLaneRunsAreTakenByThatRunWithoutSchedulingAnother() {
        HookedScheduler counted = new HookedScheduler(harness.scheduler);
        AtomicInteger laneTasks = new AtomicInteger();
        counted.onExecute = laneTasks::incrementAndGet;
        EventProcessor processor = harness.processor("w", b -> b.scheduler(counted));
        List<String> sameLane = idsOnTheLaneOf("first", 5);
        List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
        harness.duringHandler = ctx -> {
            if (ctx.key().aggregateId().equals("first")) { // these arrive while their lane is running
                for (String id : sameLane) {
                    outcomes.add(processor.submit(ProcessorHarness.event("user_account", id, 1)));
                }
            }
        };

        outcomes.add(processor.submit(ProcessorHarness.event("user_account", "first", 1)));
        harness.scheduler.runReady();

        assertThat(outcomes).hasSize(6).allSatisfy(o -> assertThat(o.toCompletableFuture().getNow(null))
                .isEqualTo(Outcome.PROCESSED));
        for (String id : sameLane) {
            assertThat(harness.handled("user_account", id)).containsExactly(1L);
        }
        // one lane task for all six: the running run took the later five from the mailbox. Before, a run cleared its
        // flag as it started, so the first arrival during the run queued another run of the lane (a wake-up per
        // arrival when a lane keeps up with its submitters)
        assertThat(laneTasks.get()).isEqualTo(1);
    }

    private List<String> idsOnTheLaneOf(String id, int count) {
        int lanes = harness.scheduler.lanes();
        int lane = LaneOf.lane(AggregateKey.of("user_account", id), lanes);
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < count; i++) {
            if (LaneOf.lane(AggregateKey.of("user_account", "later-" + i), lanes) == lane) {
                ids.add("later-" + i);
            }
        }
        return ids;
    }
}
