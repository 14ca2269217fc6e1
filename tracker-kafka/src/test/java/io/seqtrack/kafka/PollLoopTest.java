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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
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

    /**
     * A rewind seeks back to the record that was not accepted; the records after it that were acknowledged already come
     * back with the fetch. They must not be submitted again: their outcome was safe, and a record of a DISABLED domain
     * (no store, no DUPLICATE) would run its handler a second time — brokers.md's "answered DUPLICATE by the store"
     * holds only for tracked domains (review finding). They count as acknowledged when they arrive again.
     */
    @Test
    void recordsAcknowledgedAfterARewoundOneAreNotSubmittedAgain() {
        PollLoop loop = open(b -> b.redeliveryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)), P0);
        records(P0, 0, 4);
        loop.turn();
        processor.complete("events-0@1", Outcome.PROCESSED);
        processor.complete("events-0@2", Outcome.PROCESSED);
        processor.complete("events-0@0", Outcome.BUFFER_FULL);
        loop.turn();
        assertThat(consumer.position(P0)).isZero();
        clock.advance(Duration.ofMillis(100));
        loop.turn();
        processor.submitted.clear();
        records(P0, 0, 4); // delivered again from the rewound record on
        loop.turn();
        assertThat(processor.submitted).as("0 and 3 had no safe outcome; 1 and 2 had")
                .containsExactly("events-0@0", "events-0@3");
        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@3", Outcome.PROCESSED);
        clock.advance(Duration.ofSeconds(5));
        loop.turn();
        assertThat(committed()).isEqualTo(4);
    }

    /**
     * The in-flight limits hold records back in the partition's queue; the partition is paused only once
     * maxInFlightPerPartition of them wait there, and resumed once half of them have been submitted. Pausing at the limit
     * itself paused a busy partition every few hundred records, and a pause can cost a fetch the broker holds (see the
     * next test).
     */
    @Test
    void aPartitionIsPausedOnlyWhenMaxInFlightPerPartitionRecordsWaitBehindItsLimit_andResumesWhenHalfAreSubmitted() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(2), P0);
        records(P0, 0, 3);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0", "events-0@1");
        loop.turn();
        assertThat(consumer.paused()).as("at its limit, one record queued").isEmpty();

        records(P0, 3, 5);
        loop.turn();
        loop.turn();
        assertThat(consumer.paused()).as("three records queued").containsExactly(P0);
        assertThat(loop.snapshot().partitions().get(0).pausedBecause())
                .contains("maxInFlightPerPartition records fetched and not yet submitted");

        processor.complete("events-0@0", Outcome.PROCESSED);
        loop.turn();
        assertThat(processor.submitted).hasSize(3);
        assertThat(consumer.paused()).as("two still queued: more than half").containsExactly(P0);

        processor.complete("events-0@1", Outcome.PROCESSED);
        loop.turn();
        assertThat(processor.submitted).hasSize(4);
        assertThat(consumer.paused()).as("one queued: half").isEmpty();
    }

    /**
     * Partitions that are caught up are paused beside one held back with records left to fetch: a fetch for them alone
     * would be held by the broker for fetch.max.wait.ms, and the held-back partition's next fetch would wait behind it
     * (KafkaAdapterBenchmark: the last tenth of a topic took three times as long). They resume with it — or after
     * fetch.max.wait.ms, and are not paused so again for as long, so that their new records wait no longer than a held
     * fetch would. A partition with more records to fetch than one poll returns (max.poll.records), or whose lag the
     * consumer does not know, is not paused.
     */
    @Test
    void caughtUpPartitionsArePausedBesideOneHeldBackWithRecordsToFetch_forAtMostFetchMaxWaitAtATime() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(2), P0, P1);
        consumer.updateEndOffsets(Map.of(P0, 10L, P1, 0L)); // P0 has four records the consumer has not fetched yet
        records(P0, 0, 6);
        loop.turn();
        loop.turn();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(loop.snapshot().partitions().get(1).pausedBecause()).contains("caught up");

        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@1", Outcome.PROCESSED);
        loop.turn();
        assertThat(consumer.paused()).as("P0 still held back").containsExactlyInAnyOrder(P0, P1);
        processor.complete("events-0@2", Outcome.PROCESSED);
        loop.turn();
        assertThat(consumer.paused()).as("resumed together").isEmpty();

        records(P0, 6, 10); // P0's last records: held back again, nothing left to fetch
        loop.turn();
        loop.turn();
        assertThat(consumer.paused()).as("P0 caught up too: nobody waits on a fetch").containsExactly(P0);

        drain(loop);
        fill(loop, 10); // held back again, with records left to fetch
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        clock.advance(KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT);
        loop.turn();
        assertThat(consumer.paused()).as("fetch.max.wait.ms in a row").containsExactly(P0);
        drain(loop);
        fill(loop, 16);
        assertThat(consumer.paused()).as("not again for fetch.max.wait.ms").containsExactly(P0);
        clock.advance(KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT);
        drain(loop);
        fill(loop, 22);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);

        drain(loop);
        consumer.updateEndOffsets(Map.of(P1, 500L)); // what one poll returns: the fetch right after it would be held
        fill(loop, 28);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        drain(loop);
        consumer.updateEndOffsets(Map.of(P1, 501L)); // more than max.poll.records: its fetch is answered at once
        fill(loop, 34);
        assertThat(consumer.paused()).containsExactly(P0);
    }

    /**
     * The lags are asked for in the turn a queue becomes full, not in every turn (AsyncKafkaConsumer answers each
     * currentLag through its background thread): a partition that catches up while another stays held back is not
     * paused beside it before the next time a queue fills.
     */
    @Test
    void theLagsAreAskedForWhenAQueueBecomesFull_notInEveryTurn() {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        MockConsumer<byte[], byte[]> counting = withLagOfP1(() -> {
            asked.incrementAndGet();
            return java.util.OptionalLong.of(1_000);
        });
        PollLoop loop = p0HeldBackBesideP1(counting);
        assertThat(counting.paused()).as("P1 has records to fetch").containsExactly(P0);
        int afterTheTransition = asked.get();
        assertThat(afterTheTransition).isPositive();
        for (int turn = 0; turn < 5; turn++) {
            loop.turn();
        }
        assertThat(asked.get()).as("P0 stays full: nothing to ask").isEqualTo(afterTheTransition);
    }

    private static final TopicPartition P2 = new TopicPartition("events", 2);

    /**
     * The idle pause is for the partition held back with records to fetch; when that one resumes, so do the caught-up
     * ones — also while another partition, caught up itself, stays paused for its full queue. Review finding: since
     * the lags were asked only when a queue fills, the pause went on while any queue stayed full, and the held-back
     * partition, its queue drained to half, was paused itself "caught up" — with records left to fetch and none queued —
     * until fetch.max.wait.ms had passed: the stall the pause is there to remove.
     */
    @Test
    void theIdlePauseEndsWhenThePartitionItIsForResumes_evenWhileAnotherQueueStaysFull() {
        PollLoop loop = p0HeldBackWhileP1IsFullBesideP2();
        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@1", Outcome.PROCESSED);
        loop.turn();
        assertThat(consumer.paused()).as("P0 still held back").containsExactlyInAnyOrder(P0, P1, P2);
        processor.complete("events-0@2", Outcome.PROCESSED);
        loop.turn();
        assertThat(consumer.paused()).as("P0 down to half: it fetches, and P2 with it; P1 stays full")
                .containsExactly(P1);
    }

    /** The same when the held-back partition is revoked (cooperative: the others stay, paused by the runner). */
    @Test
    void theIdlePauseEndsWhenThePartitionItIsForIsRevoked_evenWhileAnotherQueueStaysFull() {
        PollLoop loop = p0HeldBackWhileP1IsFullBesideP2();
        processor.complete("events-0@0", Outcome.PROCESSED); // nothing in flight: the hand-over does not wait
        processor.complete("events-0@1", Outcome.PROCESSED);
        consumer.rebalance(List.of(P1, P2));
        loop.turn();
        assertThat(loop.snapshot().partitions()).noneMatch(p -> p.paused() && p.partition().equals(P2));
        assertThat(consumer.paused()).as("P2 fetches").doesNotContain(P2); // MockConsumer keeps P0 listed
    }

    /**
     * P1's queue full with nothing left to fetch (a slow aggregate: no idle pause then), then P0's with four records
     * left to fetch: P2, caught up, is paused beside them.
     */
    private PollLoop p0HeldBackWhileP1IsFullBesideP2() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(2), P0, P1, P2);
        consumer.updateEndOffsets(Map.of(P0, 10L, P1, 6L, P2, 0L));
        records(P1, 0, 6);
        loop.turn();
        loop.turn();
        assertThat(consumer.paused()).containsExactly(P1);
        records(P0, 0, 6);
        loop.turn();
        loop.turn();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1, P2);
        return loop;
    }

    /**
     * A partition assigned while caught-up ones are paused beside a held-back one has a lag nobody asked for (here a
     * backlog): it is not paused with them, and the pause ends — the fetch asks for its records and is answered at once.
     * Review finding: it was paused "caught up" for what was left of fetch.max.wait.ms.
     */
    @Test
    void aPartitionAssignedDuringAnIdlePauseIsNotPausedUnlessItIsCaughtUp() {
        PollLoop loop = p0HeldBackBesideP1(consumer);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        consumer.updateBeginningOffsets(Map.of(P2, 0L));
        consumer.updateEndOffsets(Map.of(P2, 1_000L));
        consumer.rebalance(List.of(P0, P1, P2)); // cooperative: P0 and P1 stay, paused
        loop.turn();
        assertThat(consumer.paused()).as("P2 has a backlog to fetch").containsExactly(P0);
    }

    /**
     * A partition whose backoff ends during an idle pause was rewound: it has records to fetch again (here more than one
     * poll returns). It is not paused beside the held-back one; nor is one that was caught up when the pause began and
     * was rewound since. Review finding: both were paused "caught up" for what was left of fetch.max.wait.ms.
     */
    @Test
    void aPartitionRewoundBeforeOrDuringAnIdlePauseIsNotPausedAsCaughtUpWhenItsBackoffEnds() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(2).redeliveryBackoff(Duration.ofMillis(20),
                Duration.ofSeconds(1)), P0, P1, P2);
        consumer.updateEndOffsets(Map.of(P0, 10L, P1, 501L, P2, 1_000L));
        records(P1, 0, 1);
        records(P2, 0, 1);
        loop.turn();
        processor.complete("events-2@0", Outcome.BUFFER_FULL); // P2 rewound: 1 000 to fetch again, resting 20 ms
        records(P0, 0, 6);
        loop.turn();
        clock.advance(Duration.ofMillis(10));
        loop.turn(); // P0 full, four left to fetch; P1 caught up (500 left): paused beside it
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1, P2);

        clock.advance(Duration.ofMillis(10));
        loop.turn();
        assertThat(consumer.paused()).as("P2's backoff is over: it fetches").containsExactly(P0);

        // again, and this time P1, caught up (500 left) when the pause begins, is rewound during it (501 left then)
        drain(loop);
        consumer.updateEndOffsets(Map.of(P1, 502L, P2, 0L));
        records(P1, 1, 2);
        loop.turn();
        fill(loop, 6);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1, P2);
        processor.complete("events-1@1", Outcome.BUFFER_FULL);
        loop.turn();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1, P2);
        clock.advance(Duration.ofMillis(20));
        loop.turn();
        assertThat(consumer.paused()).as("P1's backoff is over: it fetches").containsExactly(P0);
    }

    /** Completes what is in flight, turn after turn, until P0 has nothing queued and nothing is paused. */
    private void drain(PollLoop loop) {
        for (int round = 0; round < 10; round++) {
            for (String id : List.copyOf(processor.submitted)) {
                if (!processor.outcomes.get(id).isDone()) {
                    processor.complete(id, Outcome.PROCESSED);
                }
            }
            loop.turn();
        }
        assertThat(consumer.paused()).isEmpty();
    }

    /** Six more records of P0 from {@code from}, four more left to fetch: its queue fills in two turns. */
    private void fill(PollLoop loop, long from) {
        consumer.updateEndOffsets(Map.of(P0, from + 10));
        records(P0, from, from + 6);
        loop.turn();
        loop.turn();
    }

    @Test
    void aPartitionWhoseLagTheConsumerDoesNotKnowIsNotPausedBesideOneHeldBack() {
        MockConsumer<byte[], byte[]> unknownLag = withLagOfP1(() -> java.util.OptionalLong.empty());
        PollLoop loop = p0HeldBackBesideP1(unknownLag);
        assertThat(unknownLag.paused()).containsExactly(P0);
        assertThat(loop.failure()).isEmpty();
    }

    /**
     * The classic consumer's currentLag sends an end-offset request where it does not know the end, and may throw what an
     * earlier one failed with. The idle pause is an optimisation: the lag counts as unknown, the turn goes on.
     */
    @Test
    void aLagTheConsumerFailsToTellCountsAsUnknown() {
        MockConsumer<byte[], byte[]> failing = withLagOfP1(() -> {
            throw new org.apache.kafka.common.errors.TopicAuthorizationException("ListOffsets refused");
        });
        PollLoop loop = p0HeldBackBesideP1(failing);
        assertThat(failing.paused()).containsExactly(P0);
        assertThat(loop.failure()).isEmpty();
    }

    /** A MockConsumer that answers P1's lag with {@code lag}, and the others' as usual. */
    private static MockConsumer<byte[], byte[]> withLagOfP1(java.util.function.Supplier<java.util.OptionalLong> lag) {
        return new MockConsumer<>("earliest") {
            @Override
            public synchronized java.util.OptionalLong currentLag(TopicPartition partition) {
                return partition.equals(P1) ? lag.get() : super.currentLag(partition);
            }
        };
    }

    /** P0 paused for a full queue with records left to fetch, P1 with nothing queued: two turns on {@code mock}. */
    private PollLoop p0HeldBackBesideP1(MockConsumer<byte[], byte[]> mock) {
        PollLoop loop = open(mock, b -> b.maxInFlightPerPartition(2), P0, P1);
        mock.updateEndOffsets(Map.of(P0, 10L, P1, 0L));
        records(mock, P0, 0, 6);
        loop.turn();
        loop.turn();
        return loop;
    }

    /**
     * The poll that follows an idle pause waits until the pause ends (fetch.max.wait.ms after it began). The decision
     * to pause and the poll's timeout are taken at two instants of the turn: when the pause ends between them, the
     * timeout was negative, and KafkaConsumer.poll refuses one of a millisecond or more (IllegalArgumentException:
     * the runner stopped). On the system clock the turns spin through the pause's last millisecond (poll timeouts are
     * whole milliseconds: poll(0) there), so a stall of a millisecond or more inside one of them — a GC pause, a slow
     * listener — at that moment stops the runner. Here the time a listener takes over the commit moves the clock past
     * the end of the pause within the turn (review finding).
     */
    @Test
    void aTurnThatOutlastsTheIdlePauseDoesNotPollWithANegativeTimeout() {
        StrictTimeoutConsumer strict = new StrictTimeoutConsumer();
        java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean();
        PollLoop loop = open(strict, b -> b.maxInFlightPerPartition(2).commitInterval(Duration.ofMillis(1))
                .listener(e -> {
                    if (e instanceof KafkaRunnerEvent.Committing && slow.get()) {
                        clock.advance(Duration.ofMillis(2)); // the listener, a GC: time passes inside the turn
                    }
                }), P0, P1);
        strict.updateEndOffsets(Map.of(P0, 10L, P1, 0L));
        records(strict, P0, 0, 6);
        loop.turn();
        loop.turn();
        assertThat(strict.paused()).containsExactlyInAnyOrder(P0, P1);

        clock.advance(KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT.minusMillis(1)); // 1 ms of the idle pause left
        slow.set(true);
        processor.complete("events-0@0", Outcome.PROCESSED); // still three queued: P0 stays held back, P1 idle
        loop.turn(); // the pause is kept, then the commit's listener takes 2 ms: the pause has ended by the poll
        assertThat(strict.lastPollTimeout()).isGreaterThanOrEqualTo(Duration.ZERO);
        loop.turn();
        assertThat(strict.paused()).as("fetch.max.wait.ms in a row: P1 fetches").containsExactly(P0);
    }

    /**
     * At fetch.max.wait.ms=0 the broker holds no fetch, so pausing caught-up partitions saves nothing; the pause began
     * and ended at the same instant, and the poll's timeout was the time the turn had taken since, negated: whenever
     * that was a millisecond or more (a listener of the Paused event, a GC pause) KafkaConsumer.poll refused it and
     * the runner stopped; and the caught-up partitions were paused and resumed every other turn (review finding).
     */
    @Test
    void atFetchMaxWaitZeroCaughtUpPartitionsAreNotPausedBesideOneHeldBack() {
        StrictTimeoutConsumer strict = new StrictTimeoutConsumer();
        PollLoop loop = open(strict, b -> b.maxInFlightPerPartition(2)
                .consumerProperties(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "0")).listener(e -> {
                    if (e instanceof KafkaRunnerEvent.Paused) {
                        clock.advance(Duration.ofMillis(1)); // a listener, a GC: time passes inside the turn
                    }
                }), P0, P1);
        strict.updateEndOffsets(Map.of(P0, 10L, P1, 0L));
        records(strict, P0, 0, 6);
        for (int turn = 0; turn < 4; turn++) {
            loop.turn();
            assertThat(strict.lastPollTimeout()).isGreaterThanOrEqualTo(Duration.ZERO);
        }
        assertThat(strict.paused()).containsExactly(P0);
    }

    /**
     * The round robin must go on from turn to turn. Each pass started at the first partition, so outcomes that arrive
     * a few at a time went to the first partitions again and again. Before, that did not matter much: a partition with
     * queued records was paused, and all of them at maxInFlight, so its queue ran dry before it fetched again. Now a
     * partition fetches on while its queue is below maxInFlightPerPartition (resumed at half), so the first partitions'
     * queues never run dry while they have a backlog, and a partition behind them got nothing: starved for as long as
     * their backlog lasted — and an event buffered elsewhere for a predecessor in it waited for its gap timeout
     * (review finding). Here maxInFlight is 1 and P0 has a backlog that grows as fast as it is handled.
     */
    @Test
    void aPartitionIsNotStarvedByPartitionsBeforeItThatKeepFetching() {
        PollLoop loop = open(b -> b.maxInFlight(1).maxInFlightPerPartition(2), P0, P1);
        records(P1, 0, 1);
        records(P0, 0, 2);
        long next = 2;
        for (int round = 0; round < 20; round++) {
            loop.turn();
            for (String id : List.copyOf(processor.submitted)) {
                if (!processor.outcomes.get(id).isDone()) {
                    processor.complete(id, Outcome.PROCESSED);
                }
            }
            records(P0, next, next + 2); // P0's producer keeps ahead of the runner
            next += 2;
        }
        assertThat(processor.submitted).contains("events-1@0");
    }

    /**
     * A record that is not acknowledgeable for long — parked on the in-memory buffer until an operator replays it,
     * buffered until its gap timeout — holds its partition's commit. The records behind it flow — a held record must
     * not stop its partition early: the predecessor of a buffered event may be further on in another partition — but
     * only up to 100 × maxInFlightPerPartition records past the committable offset (docs/brokers.md). Review finding:
     * the limit counted only records whose outcome had not arrived, so acknowledged records piled up in the window
     * behind the held one (each holding its ConsumerRecord) without bound, and a restart redelivered all of them.
     */
    @Test
    void recordsAcknowledgedBehindOneThatIsHeldCountAgainstMaxInFlightPerPartition() {
        PollLoop loop = open(b -> b.maxInFlightPerPartition(3), P0);
        records(P0, 0, 500);
        for (int round = 0; round < 500; round++) {
            loop.turn();
            for (String id : List.copyOf(processor.submitted)) {
                if (!id.equals("events-0@0") && !processor.outcomes.get(id).isDone()) {
                    processor.complete(id, Outcome.PROCESSED); // everything but the held record at offset 0
                }
            }
        }
        KafkaRunnerSnapshot.Partition p0 = loop.snapshot().partitions().get(0);
        assertThat(p0.committable()).isZero();
        assertThat(processor.submitted).as("100 × maxInFlightPerPartition records past the committable offset")
                .hasSize(300);
        assertThat(consumer.paused()).containsExactly(P0);
    }

    /**
     * The dead-letter handler the runner ships, {@code RejectionHandler.toTopic}, is called on the poll thread, which
     * must "return quickly". A {@code KafkaProducer.send} blocks its caller up to {@code max.block.ms} (60 s) while the
     * topic's metadata is unknown (the dead-letter topic does not exist yet) or its buffer is full: five rejections in
     * one turn then hold the poll thread past {@code max.poll.interval.ms} (300 s) and the consumer is evicted. Review
     * finding: the send must not run on the caller's thread. The producer here blocks its send until released.
     */
    @Test
    void theDeadLetterTopicHandlerDoesNotBlockThePollThreadOnASlowSend() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch sending = new CountDownLatch(1);
        org.apache.kafka.clients.producer.MockProducer<byte[], byte[]> mock =
                new org.apache.kafka.clients.producer.MockProducer<>(true, null,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer()) {
                    @Override
                    public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>
                            send(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record,
                                    org.apache.kafka.clients.producer.Callback callback) {
                        sending.countDown();
                        try {
                            release.await(); // waitOnMetadata: up to max.block.ms
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return super.send(record, callback);
                    }
                };
        PollLoop loop = open(b -> b.rejections(RejectionHandler.toTopic(mock, "events.rejected")).mapper(record -> {
            throw UnmappableRecordException.of("header x", "is missing (test)");
        }), P0);
        records(P0, 0, 1);
        CompletableFuture<Void> turn = CompletableFuture.runAsync(loop::turn);
        try {
            assertThat(sending.await(10, TimeUnit.SECONDS)).as("the rejection is being written").isTrue();
            turn.get(10, TimeUnit.SECONDS); // the turn returns while the send waits
        } finally {
            release.countDown();
        }
    }

    /**
     * A rejection handler that returns null instead of a stage (a user's bug) is a failed rejection — the record is
     * delivered again and the reason says what was wrong — not a NullPointerException that stops the runner (review
     * finding).
     */
    @Test
    void aRejectionHandlerThatReturnsNullIsAFailedRejectionNotTheRunnersEnd() {
        PollLoop loop = open(b -> b.rejections(r -> null).mapper(record -> {
            throw UnmappableRecordException.of("header x", "is missing (test)");
        }), P0);
        records(P0, 0, 1);
        loop.turn();
        loop.turn();
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Redelivering r && r.offset() == 0
                && r.reason().contains("returned null"));
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

    @Test
    void aPollWithOutcomesDueWaitsUpToPollTimeout_andTheFirstOutcomeToArriveWakesItUp() throws Exception {
        WakeableConsumer wakeable = new WakeableConsumer();
        PollLoop loop = open(wakeable, b -> b.pollTimeout(Duration.ofSeconds(30)), P0);
        records(wakeable, P0, 0, 1);
        loop.turn();
        assertThat(processor.submitted).containsExactly("events-0@0");

        wakeable.blocking = true;
        CompletableFuture<Void> turn = CompletableFuture.runAsync(loop::turn);
        assertThat(wakeable.waiting.await(10, TimeUnit.SECONDS)).as("the poll waits").isTrue();
        assertThat(wakeable.lastPollTimeout()).as("not a short poll repeated while the outcome is due")
                .isEqualTo(Duration.ofSeconds(30));
        processor.complete("events-0@0", Outcome.PROCESSED);
        turn.get(10, TimeUnit.SECONDS); // woken up, not after 30 s

        wakeable.blocking = false;
        loop.turn();
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Acknowledged a && a.offset() == 0);
    }

    @Test
    void aWaitingPollIsWokenByABatchOfOutcomes_orAtOnceByAnOutcomeToActOn() throws Exception {
        WakeableConsumer wakeable = new WakeableConsumer();
        // a quarter of maxInFlight = 2 outcomes wake the poll
        PollLoop loop = open(wakeable, b -> b.pollTimeout(Duration.ofSeconds(30)).maxInFlight(8), P0);
        records(wakeable, P0, 0, 4);
        loop.turn();
        assertThat(processor.submitted).hasSize(4);

        wakeable.blocking = true;
        wakeable.untilWoken = true; // the test decides when a poll returns, whatever its timeout
        CompletableFuture<Void> turn = CompletableFuture.runAsync(loop::turn);
        assertThat(wakeable.waiting.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(wakeable.lastPollTimeout()).as("waiting for a part of what is in flight: not for long")
                .isEqualTo(PollLoop.BATCH_WAIT);
        processor.complete("events-0@0", Outcome.PROCESSED);
        assertThat(wakeable.woken()).as("one acknowledgement does not wake the poll").isFalse();
        assertThat(turn).isNotDone();
        processor.complete("events-0@1", Outcome.PROCESSED);
        turn.get(10, TimeUnit.SECONDS); // the second one does

        wakeable.waiting = new CountDownLatch(1);
        CompletableFuture<Void> next = CompletableFuture.runAsync(loop::turn); // applies 0 and 1, waits for 2 and 3
        assertThat(wakeable.waiting.await(10, TimeUnit.SECONDS)).isTrue();
        processor.complete("events-0@2", Outcome.BUFFER_FULL); // a redelivery to make: at once
        next.get(10, TimeUnit.SECONDS);
        wakeable.blocking = false;
        loop.turn();
        assertThat(wakeable.position(P0)).as("rewound to the record that was not accepted").isEqualTo(2);
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Acknowledged a && a.offset() == 1);
    }

    @Test
    void whatATurnSubmitsGoesToTheProcessorAsOneBatch() {
        PollLoop loop = open(b -> b.maxInFlight(5), P0, P1);
        records(P0, 0, 3);
        records(P1, 0, 3);
        loop.turn();
        assertThat(processor.batches).containsExactly(5);
        assertThat(processor.submitted).containsExactly("events-0@0", "events-1@0", "events-0@1", "events-1@1",
                "events-0@2");
        processor.complete("events-0@0", Outcome.PROCESSED);
        loop.turn();
        assertThat(processor.batches).containsExactly(5, 1);
    }

    @Test
    void aBatchSubmissionThatThrowsHasEveryRecordOfItRedelivered() {
        PollLoop loop = open(b -> { }, P0, P1);
        records(P0, 0, 2);
        records(P1, 0, 2);
        processor.failNextBatch = true;
        loop.turn();
        loop.turn();
        assertThat(consumer.position(P0)).isEqualTo(0);
        assertThat(consumer.position(P1)).isEqualTo(0);
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Redelivering r && r.partition().equals(P0)
                && r.offset() == 0 && r.reason().contains("the processor refused"));
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Redelivering r && r.partition().equals(P1)
                && r.offset() == 0);
        assertThat(loop.snapshot().inFlight()).isZero();
    }

    @Test
    void aPollWaitsNoLongerThanUntilABackoffEndsOrACommitFallsDue() {
        PollLoop loop = open(b -> b.pollTimeout(Duration.ofSeconds(30)).commitInterval(Duration.ofSeconds(5))
                .redeliveryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)), P0);
        records(P0, 0, 2);
        loop.turn();
        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@1", Outcome.BUFFER_FULL);
        loop.turn(); // commits offset 1 (the first commit is due at once), rewinds to 1 and rests 100 ms
        assertThat(committed()).isEqualTo(1);
        assertThat(consumer.lastPollTimeout()).as("until the backoff ends").isEqualTo(Duration.ofMillis(100));

        clock.advance(Duration.ofMillis(100));
        loop.turn();
        records(P0, 1, 3);
        loop.turn();
        processor.complete("events-0@1", Outcome.PROCESSED);
        loop.turn(); // offset 2 in flight, offset 2 committable: the next commit is due 5 s after the first
        assertThat(consumer.lastPollTimeout()).isEqualTo(Duration.ofMillis(4_900));
    }

    /** KafkaConsumer.poll counts whole milliseconds: a deadline less than one away must not make the loop spin on poll(0). */
    @Test
    void aDeadlineLessThanAMillisecondAwayIsWaitedForAsOneMillisecond() {
        PollLoop loop = open(b -> b.redeliveryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)), P0);
        records(P0, 0, 1);
        loop.turn();
        processor.complete("events-0@0", Outcome.BUFFER_FULL);
        loop.turn(); // rewinds and rests 100 ms
        assertThat(consumer.lastPollTimeout()).isEqualTo(Duration.ofMillis(100));
        clock.advance(Duration.ofNanos(99_600_000));
        loop.turn();
        assertThat(consumer.lastPollTimeout()).isEqualTo(Duration.ofMillis(1));
    }

    /**
     * A revocation runs inside {@code poll()}: its wait and its commit attempts must fit in {@code max.poll.interval.ms}
     * together. Each attempt was bounded by Kafka's {@code default.api.timeout.ms} alone (60 s; three attempts after a
     * 10 s wait overran a short poll interval — review finding): now by what the interval leaves, split over the attempts.
     */
    @Test
    void theHandOversCommitIsBoundedByWhatThePollIntervalLeaves() {
        WakeableConsumer wakeable = new WakeableConsumer();
        PollLoop loop = open(wakeable, b -> b.consumerProperties(Map.of("bootstrap.servers", "mock:9092", "group.id",
                "g", "max.poll.interval.ms", "30000")).revokeTimeout(Duration.ofSeconds(12)), P0);
        records(wakeable, P0, 0, 1);
        loop.turn();
        processor.complete("events-0@0", Outcome.PROCESSED);
        loop.onPartitionsRevoked(List.of(P0));
        assertThat(wakeable.commitTimeout).as("(30 s - 12 s) / 3 attempts").isEqualTo(Duration.ofSeconds(6));
        assertThat(KafkaConsumerRunner.builder().consumerProperties(Map.of("bootstrap.servers", "x", "group.id", "g"))
                .topics("t").processor(processor).settings().handOverCommitTimeout())
                .as("defaults: default.api.timeout.ms caps it").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aWakeUpPendingFromAnEarlierPollDoesNotCostTheHandOversCommit() {
        WakeableConsumer wakeable = new WakeableConsumer();
        PollLoop loop = open(wakeable, b -> { }, P0);
        records(wakeable, P0, 0, 2);
        loop.turn();
        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.complete("events-0@1", Outcome.PROCESSED);
        wakeable.wakeup(); // e.g. close() called while the loop was between polls, or an outcome as a poll returned

        loop.onPartitionsRevoked(List.of(P0));
        assertThat(wakeable.committed(Set.of(P0)).get(P0).offset()).isEqualTo(2);
        assertThat(events).noneMatch(e -> e instanceof KafkaRunnerEvent.CommitFailed);
    }

    /**
     * A record parked in memory waits for an operator, not for the processor: the hand-over does not wait out
     * revokeTimeout for it (the clock here never moves: the old wait never ended), commits the prefix below it, and
     * gives its capacity back — a copy each later rebalance brings back must not fill maxInFlight for good.
     */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aRevocationDoesNotWaitForARecordParkedInMemoryAndGivesItsCapacityBack() {
        PollLoop loop = open(b -> b.revokeTimeout(Duration.ofSeconds(10)), P0);
        records(P0, 0, 3);
        loop.turn();
        processor.complete("events-0@0", Outcome.PROCESSED);
        processor.park("events-0@1");
        processor.complete("events-0@2", Outcome.PROCESSED);
        loop.turn();
        assertThat(loop.snapshot().inFlight()).as("the parked record is not acknowledgeable").isEqualTo(1);

        loop.onPartitionsRevoked(List.of(P0));
        assertThat(committed()).as("the prefix below the parked record").isEqualTo(1);
        assertThat(events).anyMatch(e -> e instanceof KafkaRunnerEvent.Revoked r && r.unfinished() == 1);
        loop.turn();
        assertThat(loop.snapshot().inFlight()).as("its capacity is back").isZero();

        processor.acknowledgements.get("events-0@1").complete(Outcome.PROCESSED); // an operator replays it, later
        loop.turn();
        assertThat(loop.snapshot().inFlight()).as("counted off once, not twice").isZero();
    }

    @Test
    void closeCommitsAndThenClosesTheConsumerWithinConsumerCloseTimeout() throws Exception {
        WakeableConsumer wakeable = new WakeableConsumer();
        KafkaConsumerRunner.Builder builder = builder(b -> b.consumerCloseTimeout(Duration.ofMillis(150)));
        PollLoop loop = new PollLoop(builder.settings(), properties -> wakeable);
        loop.start();
        loop.close();
        assertThat(wakeable.closedWith).isNotNull();
        assertThat(wakeable.closedWith.timeout()).as("not the consumer's default, which waits out an idle fetch")
                .contains(Duration.ofMillis(150));
    }

    /**
     * A partition paused for back-pressure is left out of the fetch sent meanwhile; when that fetch asks only for
     * caught-up partitions the broker holds it for {@code fetch.max.wait.ms}, and the resumed partition waits behind
     * it. At Kafka's 500 ms the runner took twice as long over a long topic; the runner's default is
     * {@link KafkaConsumerRunner#DEFAULT_FETCH_MAX_WAIT}, and an application's own value is kept.
     */
    @Test
    void theConsumerWaitsForAnIdleFetchAtMostDefaultFetchMaxWaitUnlessConfiguredOtherwise() {
        List<Map<String, Object>> given = new ArrayList<>();
        new PollLoop(builder(b -> { }).settings(), properties -> {
            given.add(properties);
            return consumer;
        }).open();
        assertThat(given.get(0)).containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                (int) KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT.toMillis());
        assertThat(KafkaConsumerRunner.DEFAULT_FETCH_MAX_WAIT).isLessThan(Duration.ofMillis(500));

        new PollLoop(builder(b -> b.consumerProperties(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500")))
                .settings(), properties -> {
                    given.add(properties);
                    return new MockConsumer<>("earliest");
                }).open();
        assertThat(given.get(1)).containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
    }

    // ------------------------------------------------------------------ helpers

    private PollLoop open(java.util.function.Consumer<KafkaConsumerRunner.Builder> customizer,
            TopicPartition... partitions) {
        return open(consumer, customizer, partitions);
    }

    private KafkaConsumerRunner.Builder builder(java.util.function.Consumer<KafkaConsumerRunner.Builder> customizer) {
        KafkaConsumerRunner.Builder builder = KafkaConsumerRunner.builder()
                .consumerProperties(Map.of("bootstrap.servers", "mock:9092", "group.id", "g")).topics("events")
                .processor(processor).clock(clock).listener(events::add)
                .mapper(record -> Event.of(record.topic() + "-" + record.partition() + "@" + record.offset(),
                        "user_account", "a", record.offset() + 1, "", new byte[0]));
        customizer.accept(builder);
        return builder;
    }

    private PollLoop open(MockConsumer<byte[], byte[]> consumer,
            java.util.function.Consumer<KafkaConsumerRunner.Builder> customizer, TopicPartition... partitions) {
        PollLoop loop = new PollLoop(builder(customizer).settings(), properties -> consumer);
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
        records(consumer, partition, from, to);
    }

    private static void records(MockConsumer<byte[], byte[]> consumer, TopicPartition partition, long from, long to) {
        for (long offset = from; offset < to; offset++) {
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, new byte[0],
                    new byte[0]));
        }
    }

    private long committed() {
        var offsets = consumer.committed(Set.of(P0));
        return offsets.get(P0) == null ? -1 : offsets.get(P0).offset();
    }

    /**
     * A {@code MockConsumer} with the real consumer's wake-up: it stays pending until a poll or a commit throws it, once.
     * With {@code blocking} set, a poll waits out its timeout — as a real one does when no records come — unless woken.
     */
    private static final class WakeableConsumer extends MockConsumer<byte[], byte[]> {
        private final Object lock = new Object();
        private boolean woken;
        volatile boolean blocking;
        /** With {@code blocking}: a poll waits until woken (at most 10 s), not its timeout. */
        volatile boolean untilWoken;
        volatile CountDownLatch waiting = new CountDownLatch(1);
        volatile Duration lastTimeout;
        volatile CloseOptions closedWith;

        WakeableConsumer() {
            super("earliest");
        }

        @Override
        public void wakeup() {
            synchronized (lock) {
                woken = true;
                lock.notifyAll();
            }
        }

        boolean woken() {
            synchronized (lock) {
                return woken;
            }
        }

        private void throwIfWoken() {
            synchronized (lock) {
                if (woken) {
                    woken = false;
                    throw new WakeupException();
                }
            }
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            lastTimeout = timeout;
            if (blocking) {
                long deadline = System.nanoTime() + (untilWoken ? TimeUnit.SECONDS.toNanos(10) : timeout.toNanos());
                synchronized (lock) {
                    waiting.countDown();
                    while (!woken && System.nanoTime() < deadline) {
                        try {
                            lock.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new org.apache.kafka.common.errors.InterruptException(e);
                        }
                    }
                }
            }
            throwIfWoken();
            return super.poll(timeout);
        }

        @Override
        public Duration lastPollTimeout() {
            return lastTimeout;
        }

        /** The timeout of the last synchronous commit. */
        Duration commitTimeout;

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            throwIfWoken();
            super.commitSync(offsets);
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            commitTimeout = timeout;
            throwIfWoken();
            super.commitSync(offsets, timeout);
        }

        @Override
        public void close(CloseOptions options) {
            closedWith = options;
            super.close(options);
        }
    }

    /** A {@code MockConsumer} whose poll refuses a negative timeout, as KafkaConsumer's does (its Timer). */
    private static final class StrictTimeoutConsumer extends MockConsumer<byte[], byte[]> {
        StrictTimeoutConsumer() {
            super("earliest");
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            if (timeout.toMillis() < 0) {
                throw new IllegalArgumentException("Invalid negative timeout " + timeout.toMillis());
            }
            return super.poll(timeout);
        }
    }

    /** Records what is submitted; the test completes each submission's acknowledgeable outcome. */
    private static final class ScriptedProcessor implements EventProcessor {
        final List<String> submitted = new ArrayList<>();
        final Map<String, CompletableFuture<Outcome>> outcomes = new HashMap<>();
        /** The size of each submitAllTracked call. */
        final List<Integer> batches = new ArrayList<>();
        boolean failNextBatch;

        @Override
        public List<Submission> submitAllTracked(List<Event> events) {
            batches.add(events.size());
            if (failNextBatch) {
                failNextBatch = false;
                throw new IllegalStateException("the processor refused the batch");
            }
            return EventProcessor.super.submitAllTracked(events);
        }

        /** Acknowledgements that wait longer than the outcome: events parked in memory ({@link #park}). */
        final Map<String, CompletableFuture<Outcome>> acknowledgements = new HashMap<>();

        void complete(String eventId, Outcome outcome) {
            outcomes.get(eventId).complete(outcome);
            acknowledgements.get(eventId).complete(outcome);
        }

        /** PARKED on a buffer that is not durable: settled, acknowledgeable only once an operator resolves it. */
        void park(String eventId) {
            outcomes.get(eventId).complete(Outcome.PARKED);
        }

        @Override
        public CompletionStage<Outcome> submit(Event event) {
            return submitTracked(event).accepted();
        }

        @Override
        public Submission submitTracked(Event event) {
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            CompletableFuture<Outcome> acknowledgement = new CompletableFuture<>();
            submitted.add(event.eventId());
            outcomes.put(event.eventId(), outcome);
            acknowledgements.put(event.eventId(), acknowledgement);
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
                    return acknowledgement;
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
