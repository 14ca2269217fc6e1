package io.seqtrack.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ShuffledStreamExampleTest {

    @Test
    void everyEventIsHandledOnceInOrderAndEveryDuplicateSkipped() {
        for (long seed = 1; seed <= 20; seed++) {
            List<TrackedEvent> stream = ShuffledStreamExample.shuffledStreamWithDuplicates(4, 12, seed);
            ShuffledStreamExample example = new ShuffledStreamExample(
                    new SequenceTrackerService(DomainRegistry.seedDefaults(), InMemorySequenceStore.create()));
            stream.forEach(example::submit);

            ShuffledStreamExample.Summary summary = example.summary();
            long userEvents = stream.stream().filter(e -> e.domain().equals("user_account")).count();
            assertThat(summary.received()).isEqualTo(stream.size());
            assertThat(summary.handled()).isEqualTo(4 * 12 + 4);
            assertThat(summary.duplicates()).isEqualTo(userEvents - 4 * 12);
            assertThat(summary.stillWaiting()).isZero();
            assertThat(summary.passedThrough()).isEqualTo(4);
            assertThat(summary.inOrderPerAggregate()).isTrue();
            for (int a = 1; a <= 4; a++) {
                assertThat(summary.handledByAggregate().get(AggregateKey.of("user_account", "u-" + a)))
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, 12).boxed().toList());
            }
        }
    }
}
