package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorSnapshot;
import io.seqtrack.processor.Submission;
import io.seqtrack.tck.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The poll loop turn by turn, on Kafka's {@link MockConsumer}, a processor whose outcomes the test completes, and a
 * manual clock: rewinds and their backoff, pauses at the in-flight limits, round robin, the committed prefix.
 */
class PollLoopTest {

    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private final ManualClock clock = ManualClock.startingAtEpochOf2026();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final ScriptedProcessor processor = new ScriptedProcessor();
    private final List<KafkaRunnerEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void aBufferFullRewindsThePartitionAndPausesItForABackoffThatDoublesOnTheRunnersClock() {
        PollLoop loop = open(b -> b.redeliveryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)), P0);
        records(P0, 0, 3);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0", "events-0@1", "events-0@2");

        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@1", Outcome.BUFFER_FULL);
        loop.turn();
        assertThat(consumer.position(P0)).as("rewound to the record that was not accepted").isEqualTo(1);
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Redelivering r && r.offset() == 1);

        clock.advance(Duration.ofMillis(99));
        loop.turn();
        assertThat(consumer.paused()).as("99 ms of a 100 ms backoff").containsExactly(P0);
        clock.advance(Duration.ofMillis(1));
        loop.turn();
        assertThat(consumer.paused()).isEmpty();

        records(P0, 1, 2); // delivered again
        loop.turn();
        processor.complete("events-0@1", Outcome.BUFFER_FULL);
        loop.turn();
        clock.advance(Duration.ofMillis(199));
        loop.turn();
        assertThat(consumer.paused()).as("a second rewind in a row: 200 ms").containsExactly(P0);
        clock.advance(Duration.ofMillis(1));
        loop.turn();
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aPartitionAtItsInFlightLimitIsPausedAndResumesWhenAnOutcomeArrives() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(2), P0);
        records(P0, 0, 3);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0", "events-0@1");
        loop.turn();
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(loop.snapshot().partitions().get(0).pausedBecause()).contains("not yet submitted");

        processor.complete("events-0@0", Outcome.PROCESSED);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0", "events-0@1", "events-0@2");
        assertThat(consumer.paused()).as("at the limit again").containsExactly(P0);
        assertThat(loop.snapshot().partitions().get(0).pausedBecause()).contains("maxInFlightPerPartition");

        processor.complete("events-0@1", Outcome.PROCESSED);
        loop.turn();
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void submissionsGoRoundRobinOverThePartitions() {
        PollLoop loop = open(b -> b.maxInFlight(4), P0, P1);
        records(P0, 0, 3);
        records(P1, 0, 3);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0", "events-1@0", "events-0@1", "events-1@1");
    }

    @Test
    void onlyTheContiguousPrefixOfAcknowledgedOffsetsIsCommitted() {
        PollLoop loop = open(b -> b.commitInterval(Duration.ofSeconds(1)), P0);
        records(P0, 0, 4);
        loop.turn();
        processor.complete("events-0@1", Outcome.PROCESSED);
        processor.complete("events-0@2", Outcome.DUPLICATE);
        clock.advance(Duration.ofSeconds(1));
        loop.turn();
        assertThat(committed()).as("offset 0 is still in flight").isEqualTo(0);

        processor.complete("events-0@0", Outcome.PARKED);
        clock.advance(Duration.ofSeconds(1));
        loop.turn();
        assertThat(committed()).as("0, 1, 2 acknowledged; 3 in flight").isEqualTo(3);
    }

    // ------------------------------------------------------------------ helpers

    private PollLoop open(java.util.function.Consumer<KafkaConsumerRunner.Builder> customizer,
            TopicPartition... partitions) {
        KafkaConsumerRunner.Builder builder = KafkaConsumerRunner.builder()
                .consumerProperties(Map.of("bootstrap.servers", "mock:9092", "group.id", "g")).topics("events")
                .processor(processor).clock(clock).listener(events::add)
                .mapper(record -> Event.of(record.topic() + "-" + record.partition() + "@" + record.offset(),
                        "user_account", "a", record.offset() + 1, "", new byte[0]));
        customizer.accept(builder);
        PollLoop loop = new PollLoop(builder.settings(), properties -> consumer);
        loop.open();
        consumer.rebalance(List.of(partitions));
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        for (TopicPartition partition : partitions) {
            beginnings.put(partition, 0L);
        }
        consumer.updateBeginningOffsets(beginnings);
        return loop;
    }

    private void records(TopicPartition partition, long from, long to) {
        for (long offset = from; offset < to; offset++) {
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, new byte[0],
                    new byte[0]));
        }
    }

    private long committed() {
        var offsets = consumer.committed(Set.of(P0));
        return offsets.get(P0) == null ? -1 : offsets.get(P0).offset();
    }

    /** Records what is submitted; the test completes each submission's acknowledgeable outcome. */
    private static final class ScriptedProcessor implements EventProcessor {
        final List<String> submitted = new ArrayList<>();
        final Map<String, CompletableFuture<Outcome>> outcomes = new HashMap<>();

        void complete(String eventId, Outcome outcome) {
            outcomes.get(eventId).complete(outcome);
        }

        @Override
        public CompletionStage<Outcome> submit(Event event) {
            return submitTracked(event).accepted();
        }

        @Override
        public Submission submitTracked(Event event) {
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            submitted.add(event.eventId());
            outcomes.put(event.eventId(), outcome);
            return new Submission() {
                @Override
                public Event event() {
                    return event;
                }

                @Override
                public CompletionStage<Outcome> accepted() {
                    return outcome;
                }

                @Override
                public CompletionStage<Outcome> settled() {
                    return outcome;
                }

                @Override
                public CompletionStage<Outcome> acknowledgeable() {
                    return outcome;
                }
            };
        }

        @Override
        public boolean durableBuffer() {
            return false;
        }

        @Override
        public ProcessorAdmin admin() {
            throw new UnsupportedOperationException("not used by the runner");
        }

        @Override
        public ProcessorSnapshot snapshot() {
            throw new UnsupportedOperationException("not used by the runner");
        }

        @Override
        public void close() {
        }
    }
}
