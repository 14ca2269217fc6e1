package io.seqtrack.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ShuffledStreamExampleTest {

    @Test
    void everyEventIsHandledOnceInOrderAndEveryDuplicateSkipped() {
        for (long seed = 1; seed <= 20; seed++) {
            List<TrackedEvent> stream = ShuffledStreamExample.shuffledStreamWithDuplicates(4, 12, seed);
            ByteArrayOutputStream traced = new ByteArrayOutputStream();
            ShuffledStreamExample example = new ShuffledStreamExample(
                    new SequenceTrackerService(DomainRegistry.seedDefaults(), InMemorySequenceStore.create()),
                    new PrintStream(traced, true, StandardCharsets.UTF_8));
            stream.forEach(example::submit);

            ShuffledStreamExample.Summary summary = example.summary();
            long userEvents = stream.stream().filter(e -> e.domain().equals("user_account")).count();
            assertThat(summary.received()).isEqualTo(stream.size());
            assertThat(summary.handled()).isEqualTo(4 * 12 + 4);
            assertThat(summary.duplicates()).isEqualTo(userEvents - 4 * 12);
            assertThat(summary.stillWaiting()).isZero();
            assertThat(summary.passedThrough()).isEqualTo(4);
            assertThat(summary.inOrderPerAggregate()).isTrue();
            // the trace (the console, when run as a program; not the test log): a line per event that was not
            // simply handled in order
            List<String> lines = traced.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(lines.stream().filter(l -> l.contains("duplicate"))).hasSize(summary.duplicates());
            assertThat(lines.stream().filter(l -> l.contains("early (waiting for"))).hasSize(summary.buffered());
            assertThat(lines.stream().filter(l -> l.contains("released from the buffer"))).hasSize(summary.buffered());
            for (int a = 1; a <= 4; a++) {
                assertThat(summary.handledByAggregate().get(AggregateKey.of("user_account", "u-" + a)))
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, 12).boxed().toList());
            }
        }
    }
}
