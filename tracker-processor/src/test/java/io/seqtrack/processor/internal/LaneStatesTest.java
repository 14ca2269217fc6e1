package io.seqtrack.processor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A lane keeps state only for aggregates that have something going on. */
class LaneStatesTest {

    @Test
    void aLaneForgetsTheStateOfAnAggregateOnceABatchLeavesItIdle() {
        try (InMemorySequenceStore store = InMemorySequenceStore.create();
                InMemoryEventBuffer buffer = InMemoryEventBuffer.create()) {
            EventProcessor processor = EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                    .store(store).buffer(buffer).handler((event, ctx) -> { }).parallelism(2).build();
            try {
                List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
                for (int a = 0; a < 1_000; a++) {
                    outcomes.add(processor.submit(event("a" + a, 1)).toCompletableFuture());
                    outcomes.add(processor.submit(event("a" + a, 2)).toCompletableFuture());
                    outcomes.add(processor.submit(event("a" + a, 1)).toCompletableFuture()); // a duplicate
                }
                CompletableFuture<Outcome> early = processor.submit(event("gap", 2)).toCompletableFuture();
                outcomes.forEach(CompletableFuture::join);
                assertThat(early.join()).isEqualTo(Outcome.BUFFERED);

                // 1 001 aggregates went through; only the one with an open gap still has state (before, all of them
                // stayed, up to 50 000 per lane, in an access-ordered map relinked on every read)
                assertThat(((LaneProcessor) processor).aggregateStates()).isEqualTo(1);
            } finally {
                processor.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Event event(String id, long seq) {
        return Event.of("e-" + id + "-" + seq, "user_account", id, seq, "Changed", "x".getBytes(StandardCharsets.UTF_8));
    }
}
