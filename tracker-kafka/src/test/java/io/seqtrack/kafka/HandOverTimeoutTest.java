package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.tck.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hand-over wait is bounded on the runner's clock: with a handler stuck, {@code close()} waits until the clock
 * passes {@code closeTimeout} (the test moves it), then commits the prefix — exactly up to the stuck record — and the
 * next owner gets the rest redelivered. Revocation runs the same hand-over with {@code revokeTimeout}.
 */
@Timeout(60)
class HandOverTimeoutTest {

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void closeWaitsForInFlightRecordsUntilItsClockSaysSo_thenCommitsThePrefixBelowTheStuckOne() throws Exception {
        try (Scenario s = new Scenario(broker, "handover", 1, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(4, 10));
            long stuckOffset = s.produced.stream().filter(p -> "a2".equals(p.key()) && p.seq() == 3).findFirst()
                    .orElseThrow().offset();
            ManualClock manual = ManualClock.startingAtEpochOf2026();
            AtomicLong reads = new AtomicLong();
            Clock clock = new Clock() {
                @Override
                public Instant instant() {
                    reads.incrementAndGet();
                    return manual.instant();
                }

                @Override
                public ZoneId getZone() {
                    return manual.getZone();
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    throw new UnsupportedOperationException("not needed");
                }
            };
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stuck = new CountDownLatch(1);
            List<KafkaRunnerEvent> events = new CopyOnWriteArrayList<>();
            Worker w1 = s.startWorker("w1", (worker, event, ctx) -> {
                if (ctx.key().aggregateId().equals("a2") && ctx.sequence() == 3) {
                    stuck.countDown();
                    release.await(30, TimeUnit.SECONDS);
                }
            }, b -> b.clock(clock).closeTimeout(Duration.ofSeconds(10)).listener(events::add));
            s.workers.remove(w1);
            assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> closed = CompletableFuture.runAsync(w1.runner::close);
            s.history.await("the hand-over waiting with the stuck record in flight", Duration.ofSeconds(30),
                    () -> events.stream().anyMatch(e -> e instanceof KafkaRunnerEvent.Revoking r && r.inFlight() > 0));
            manual.advance(Duration.ofSeconds(9));
            long readsBefore = reads.get();
            s.history.await("the hand-over reading its clock again", Duration.ofSeconds(30),
                    () -> reads.get() >= readsBefore + 3 || closed.isDone());
            assertThat(closed).as("close() still waits: 9 s of 10 have passed on its clock").isNotDone();
            manual.advance(Duration.ofSeconds(2));
            closed.get(30, TimeUnit.SECONDS);

            // the prefix ends at the first record w1 had not acknowledged: the stuck one, or one queued behind it on
            // the same processor lane
            TopicPartition partition = new TopicPartition(s.topic, 0);
            long firstUnacknowledged = s.produced.stream().mapToLong(RunCheck.Produced::offset)
                    .filter(offset -> s.history.count(e -> e.type() == 'A' && e.offset() == offset) == 0)
                    .min().orElseThrow();
            assertThat(firstUnacknowledged).isLessThanOrEqualTo(stuckOffset);
            assertThat(broker.committed(s.group)).containsEntry(partition, firstUnacknowledged);
            assertThat(events).as("the stuck record (and what waits behind it on its lane) unfinished")
                    .anyMatch(e -> e instanceof KafkaRunnerEvent.Revoked r && r.unfinished() >= 1);

            release.countDown();
            s.startWorker("w2", (worker, event, ctx) -> { });
            s.awaitDone(Duration.ofSeconds(30));
            w1.processor.close();
            s.check();
        }
    }
}
