package io.seqtrack.kafka;

import static io.seqtrack.kafka.Scenario.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.tck.HandlerHistory;
import io.seqtrack.tck.StoreFaults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runner against a real broker (KRaft, in this JVM), the processor on the in-memory store: each scenario is
 * checked end to end by {@link RunCheck} over the handler history (tracker-tck's shared handler checks: exactly once per
 * committed outcome, in order per aggregate, fencing tokens never reused, the lower of two overlapping tokens never
 * committing; and Kafka's: no offset committed past a record that was not accounted for) and by the group's committed
 * offsets, read with the AdminClient, against the partitions' ends.
 */
@Timeout(90)
class KafkaConsumerRunnerTest {

    private static final Duration DONE = Duration.ofSeconds(60);
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
    void everyEventIsHandledOnceInOrderAndEveryOffsetCommitted() throws Exception {
        try (Scenario s = new Scenario(broker, "ordered", 3, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(12, 20));
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.awaitDone(DONE);
            s.check();
            assertThat(s.history.count(e -> e.type() == 'S')).isEqualTo(12 * 20);
        }
    }

    /**
     * A group with no committed offset, configured as brokers.md and {@code KafkaConsumerModule} show it
     * ({@code bootstrap.servers} and {@code group.id} only), must start from the beginning of the topic. Kafka's own
     * default {@code auto.offset.reset=latest} starts it at the end: every record produced before the group first
     * joined — or, later, to a partition added to the topic before the group noticed it, or below a committed offset
     * that retention removed — is skipped, never handled, never rejected, and no error says so (review finding: the
     * runner left Kafka's default; every test set {@code earliest} itself).
     */
    @Test
    void aGroupWithoutACommittedOffsetStartsAtTheBeginningUnlessToldOtherwise() throws Exception {
        try (Scenario s = new Scenario(broker, "fresh-group", 1, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(3, 5));
            Map<String, Object> properties = broker.consumerProperties(s.group);
            properties.remove(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
            s.workers.add(Worker.start("w1", properties, s.topic, s.store, s.buffers.get(), s.registry, s.history,
                    (worker, event, ctx) -> { }, b -> { }));
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * Duplicates from redelivery: a second consumer group reads the whole topic again (every record a redelivery, some
     * twice because the producer sent them twice) against the same store: nothing reaches a handler again, every
     * record is acknowledged as a duplicate, and the second group's offsets reach the ends too.
     */
    @Test
    void redeliveredRecordsAreDuplicatesThatNoHandlerSees() throws Exception {
        try (Scenario s = new Scenario(broker, "redelivered", 2, InMemorySequenceStore.create())) {
            List<ProducerRecord<byte[], byte[]>> records = s.orderedStream(6, 10);
            records.addAll(records.subList(0, 20)); // a producer retrying without idempotence
            s.produce(records);
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.awaitDone(DONE);
            long runs = s.history.count(e -> e.type() == 'S');
            assertThat(runs).isEqualTo(60);

            String replay = s.group + "-replay";
            s.startWorker("replayer", replay, (worker, event, ctx) -> { }, b -> { });
            s.history.await("the replaying group at the ends", DONE,
                    () -> committedAtEnds(replay, s));
            s.check();
            assertThat(s.history.count(e -> e.type() == 'S')).as("handler runs").isEqualTo(runs);
            List<HandlerHistory.Entry> replayed = s.history.entries().stream()
                    .filter(e -> e.type() == 'A' && e.worker().equals("replayer")).toList();
            assertThat(replayed).hasSize(80).allMatch(e -> e.detail().equals("DUPLICATE"));
        }
    }

    /**
     * BUFFER_FULL is back-pressure: the partition is rewound to that record and paused for a backoff, and everything
     * from there is delivered again once the gap that filled the buffer closes — from another partition here (a
     * producer that ignores the key), sent only after the test saw the rewind.
     */
    @Test
    void aFullBufferRewindsThePartitionAndTheRecordsComeBack() throws Exception {
        try (Scenario s = new Scenario(broker, "full", 2, InMemorySequenceStore.create(),
                domain -> domain.maxBufferedPerAggregate(2))) {
            s.eventsPerAggregate.put("a0", 8L);
            List<ProducerRecord<byte[], byte[]>> early = new ArrayList<>();
            for (long seq = 2; seq <= 8; seq++) {
                early.add(KafkaRecords.producerRecord(s.topic, 0, event("a0", seq)));
            }
            s.produce(early);
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.history.await("a rewind after BUFFER_FULL", DONE,
                    () -> s.history.count(e -> e.type() == 'R' && e.detail().contains("BUFFER_FULL")) > 0);
            s.produce(List.of(KafkaRecords.producerRecord(s.topic, 1, event("a0", 1))));
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * A consumer killed in the middle of a batch — a handler still running, records acknowledged beyond a record that
     * is not, nothing committed at the kill — and its partitions taken over by a new consumer: what was committed in
     * the store but not at the broker comes back as duplicates, the rest is handled once, in order.
     */
    @ParameterizedTest(name = "group protocol {0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aKilledConsumersPartitionsAreTakenOverWithoutLossOrDoubleHandling(String protocol) throws Exception {
        try (Scenario s = new Scenario(broker, "killed", 2, InMemorySequenceStore.create())) {
            s.groupProtocol = protocol;
            s.produce(s.orderedStream(16, 25));
            CountDownLatch gate = new CountDownLatch(1);
            AtomicInteger handled = new AtomicInteger();
            AtomicReference<RunCheck.Produced> stuck = new AtomicReference<>();
            Worker victim = s.startWorker("victim", (worker, event, ctx) -> {
                if (handled.incrementAndGet() == 60) {
                    stuck.set(new RunCheck.Produced(null, -1, ctx.key().aggregateId(), ctx.sequence(), null));
                    gate.await(30, TimeUnit.SECONDS);
                }
            });
            s.history.await("a handler stuck and later records acknowledged", DONE, () -> stuck.get() != null
                    && acknowledgedBeyond(s, stuck.get().key(), stuck.get().seq()));
            victim.runner.kill();
            CompletableFuture<Void> processorClosed = CompletableFuture.runAsync(victim.processor::close);
            s.workers.remove(victim);

            s.startWorker("heir", (worker, event, ctx) -> { });
            s.history.await("the heir at work", DONE,
                    () -> s.history.count(e -> e.type() == 'A' && e.worker().equals("heir")) > 0);
            gate.countDown();
            processorClosed.get(30, TimeUnit.SECONDS);
            s.awaitDone(DONE);
            s.check();
            assertThat(s.history.count(e -> e.type() == 'A' && e.worker().equals("heir")
                    && e.detail().equals("DUPLICATE"))).as("records redelivered to the heir as duplicates")
                    .isPositive();
        }
    }

    /**
     * A handler outlives its lease (the victim's renewals fail) and its consumer is killed: the partition's next owner
     * claims the event once the lease expired, with a higher token, and while its run holds that claim the stale run
     * ends and tries to commit — it must not. The only scenario in which two runs of one event overlap, so the shared
     * checker's fencing rule (of two overlapping runs, the one with the lower token does not commit) has something to
     * judge.
     */
    @Test
    void aHandlerThatOutlivesItsLeaseIsFencedByTheNextOwner() throws Exception {
        try (Scenario s = new Scenario(broker, "fenced", 1, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(4, 10));
            CountDownLatch gate = new CountDownLatch(1);
            AtomicInteger handled = new AtomicInteger();
            AtomicReference<String> stuck = new AtomicReference<>();
            Worker victim = s.startWorker("victim", s.group, StoreFaults.renewalsFailing(s.store), (worker, event, ctx) -> {
                if (handled.incrementAndGet() == 10) {
                    stuck.set(ctx.key() + "#" + ctx.sequence());
                    gate.await(40, TimeUnit.SECONDS);
                }
            }, b -> { });
            s.history.await("a handler stuck", DONE, () -> stuck.get() != null);
            victim.runner.kill();
            CompletableFuture<Void> processorClosed = CompletableFuture.runAsync(victim.processor::close);
            s.workers.remove(victim);
            String key = stuck.get().substring(0, stuck.get().indexOf('#'));
            long seq = Long.parseLong(stuck.get().substring(stuck.get().indexOf('#') + 1));
            s.startWorker("heir", (worker, event, ctx) -> {
                if (key.equals(ctx.key().toString()) && ctx.sequence() == seq) {
                    // the stale run ends and tries to commit (its processor closes once it is through) while this
                    // run holds the claim with a higher token
                    gate.countDown();
                    processorClosed.get(30, TimeUnit.SECONDS);
                }
            });
            processorClosed.get(30, TimeUnit.SECONDS);
            s.awaitDone(DONE);
            s.check();
            List<HandlerHistory.Entry> runs = s.history.entries().stream().filter(e -> key.equals(e.key())
                    && e.seq() == seq && (e.type() == 'S' || e.type() == 'E')).toList();
            HandlerHistory.Entry stale = runs.stream().filter(e -> e.type() == 'S' && e.worker().equals("victim"))
                    .findFirst().orElseThrow();
            HandlerHistory.Entry staleEnd = runs.stream().filter(e -> e.type() == 'E' && e.worker().equals("victim"))
                    .findFirst().orElseThrow();
            HandlerHistory.Entry fresh = runs.stream().filter(e -> e.type() == 'S' && e.worker().equals("heir"))
                    .findFirst().orElseThrow();
            assertThat(fresh.ticket()).as("the heir's run started while the stale one ran: %s", runs)
                    .isBetween(stale.ticket(), staleEnd.ticket());
            assertThat(fresh.token()).as("the heir's token").isGreaterThan(stale.token());
        }
    }

    /**
     * A third consumer joins two that are busy: from the 150th handler run on, the old consumers' handlers hold until
     * one of them is being revoked with records in flight, so partitions move while records are in flight. The
     * second half of the stream is produced once the newcomer has partitions, so it has work.
     */
    @ParameterizedTest(name = "group protocol {0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aThirdConsumerJoiningUnderLoadChangesNothingButWhoHandles(String protocol) throws Exception {
        try (Scenario s = new Scenario(broker, "joined", 6, InMemorySequenceStore.create())) {
            s.groupProtocol = protocol;
            List<ProducerRecord<byte[], byte[]>> stream = s.orderedStream(24, 30);
            s.produce(stream.subList(0, stream.size() / 2));
            CountDownLatch hold = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            Worker.HandlerHook old = (worker, event, ctx) -> {
                if (runs.incrementAndGet() >= 150) {
                    hold.await(30, TimeUnit.SECONDS);
                }
            };
            s.startWorker("w1", old);
            s.startWorker("w2", old);
            s.history.await("the old consumers holding", DONE, () -> runs.get() >= 150);
            Worker w3 = s.startWorker("w3", (worker, event, ctx) -> { });
            s.history.await("a revocation with records in flight", DONE,
                    () -> s.history.count(e -> e.type() == 'V' && !e.detail().equals("0")) > 0);
            hold.countDown();
            s.history.await("the newcomer assigned", DONE, () -> !w3.runner.snapshot().partitions().isEmpty());
            s.produce(stream.subList(stream.size() / 2, stream.size()));
            s.history.await("the newcomer acknowledging", DONE,
                    () -> s.history.count(e -> e.type() == 'A' && e.worker().equals("w3")) > 0);
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * A producer that spreads each aggregate's events over three partitions (sequence modulo 3): consumers see gaps
     * the buffer closes, across two workers with separate in-memory buffers. The records of every third sequence are
     * produced only after the others were seen buffered, so the gaps are real. With the in-memory buffer a BUFFERED
     * record is acknowledged only when its event settles, so no offset is committed past it before.
     */
    @Test
    void aggregatesSpreadOverPartitionsByAMisbehavingProducerAreHandledInOrder() throws Exception {
        try (Scenario s = new Scenario(broker, "spread", 3, InMemorySequenceStore.create())) {
            int aggregates = 8;
            int events = 12;
            s.plan(aggregates, events);
            List<ProducerRecord<byte[], byte[]>> first = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> late = new ArrayList<>();
            for (long seq = 1; seq <= events; seq++) {
                for (int a = 0; a < aggregates; a++) {
                    ProducerRecord<byte[], byte[]> r = KafkaRecords.producerRecord(s.topic, (int) (seq % 3),
                            event("a" + a, seq));
                    (seq % 3 == 1 ? late : first).add(r);
                }
            }
            s.produce(first);
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.startWorker("w2", (worker, event, ctx) -> { });
            s.history.await("early events buffered", DONE, () -> s.history.count(e -> e.type() == 'B') > 0);
            s.produce(late);
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * The store fails closed for a while: partitions are rewound and paused, nothing is committed past a record whose
     * event was not handled (checked with the AdminClient during the outage, and by the history for every commit),
     * and after the outage everything is handled once, in order.
     */
    @Test
    void aStoreFailingClosedPausesThePartitionsAndCommitsNothingPastAnUnhandledEvent() throws Exception {
        AtomicBoolean failing = new AtomicBoolean();
        SequenceStore store = failingWhile(failing, InMemorySequenceStore.create());
        try (Scenario s = new Scenario(broker, "outage", 3, store)) {
            List<ProducerRecord<byte[], byte[]>> stream = s.orderedStream(12, 20);
            s.produce(stream.subList(0, stream.size() / 2));
            Worker w1 = s.startWorker("w1", (worker, event, ctx) -> { });
            s.history.await("some events handled", DONE, () -> s.history.count(e -> e.type() == 'C') >= 30);
            failing.set(true);
            s.produce(stream.subList(stream.size() / 2, stream.size()));
            s.history.await("every partition paused by the outage", DONE,
                    () -> w1.runner.snapshot().pausedPartitions() == 3);
            Map<TopicPartition, Long> committed = broker.committed(s.group);
            for (int p = 0; p < 3; p++) {
                TopicPartition tp = new TopicPartition(s.topic, p);
                assertThat(committed.getOrDefault(tp, 0L)).as("committed offset of %s", tp)
                        .isLessThanOrEqualTo(s.firstUnhandledOffset(tp));
            }
            long handledDuringOutage = s.history.count(e -> e.type() == 'C');
            s.history.await("more redeliveries while the store fails", DONE,
                    () -> s.history.count(e -> e.type() == 'R') >= 6);
            assertThat(s.history.count(e -> e.type() == 'C')).isEqualTo(handledDuringOutage);
            failing.set(false);
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * A poison event (its handler fails) is parked in order — with everything of its aggregate behind it — while its
     * partition keeps flowing for other aggregates: its first attempt waits until records produced after it in the same
     * partition were committed. The buffer is in memory, so a park would die with the process: no offset passes the
     * parked record (the committed offset stops exactly at it) until an operator replays the parked events through
     * the processor's admin; then they are handled in order and the offsets reach the end.
     */
    @Test
    void aPoisonRecordIsParkedInOrderWhileItsPartitionKeepsFlowing() throws Exception {
        try (Scenario s = new Scenario(broker, "poison", 1, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(8, 12));
            s.parked.put("a0", 5L);
            TopicPartition partition = new TopicPartition(s.topic, 0);
            long poisonOffset = s.produced.stream().filter(p -> "a0".equals(p.key()) && p.seq() == 5).findFirst()
                    .orElseThrow().offset();
            AtomicBoolean poisoned = new AtomicBoolean(true);
            Worker worker = s.startWorker("w1", (name, event, ctx) -> {
                if (poisoned.get() && ctx.key().aggregateId().equals("a0") && ctx.sequence() == 5) {
                    if (ctx.attempt() == 1) {
                        s.history.await("records behind the poison committed", DONE,
                                () -> committedBeyond(s, partition, poisonOffset));
                    }
                    throw new IllegalStateException("poison");
                }
            });
            s.history.await("the others committed and a0 parked from #5 on", DONE, () -> {
                for (int a = 1; a < 8; a++) {
                    if (s.history.count(HandlerHistory.committed(Scenario.DOMAIN + "/a" + a, 12)) == 0) {
                        return false;
                    }
                }
                return s.history.count(e -> e.type() == 'P' && "user_account/a0".equals(e.key()) && e.seq() == 12) > 0;
            });
            s.history.await("the offset committed up to the parked record", DONE, () -> {
                try {
                    return s.broker.committed(s.group).getOrDefault(partition, -1L) == poisonOffset;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(s.violations()).as("no offset committed past a record that was only parked (in memory)")
                    .isEmpty();
            assertThat(s.history.count(e -> e.type() == 'F')).isEqualTo(3);

            poisoned.set(false);
            assertThat(worker.processor.admin().replayParked(AggregateKey.of(Scenario.DOMAIN, "a0"))
                    .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .containsOnly(io.seqtrack.processor.Outcome.PROCESSED);
            s.parked.remove("a0");
            s.awaitDone(DONE);
            s.check();
        }
    }

    /**
     * A record without the headers (unmappable) and one of an unknown domain (the processor answers REJECTED) go to
     * the rejection handler with the reason, and the partition flows past them.
     */
    @Test
    void unmappableAndInvalidRecordsGoToTheRejectionHandlerAndThePartitionFlows() throws Exception {
        try (Scenario s = new Scenario(broker, "rejects", 1, InMemorySequenceStore.create())) {
            List<ProducerRecord<byte[], byte[]>> stream = s.orderedStream(4, 6);
            stream.add(5, new ProducerRecord<>(s.topic, "a1".getBytes(StandardCharsets.UTF_8),
                    "no headers".getBytes(StandardCharsets.UTF_8)));
            ProducerRecord<byte[], byte[]> unknownDomain = KafkaRecords.producerRecord(s.topic,
                    io.seqtrack.processor.Event.of("x", "no_such_domain", "a2", 1, "", new byte[0]));
            stream.add(9, unknownDomain);
            s.produce(stream);
            List<RejectedRecord> rejected = new java.util.concurrent.CopyOnWriteArrayList<>();
            s.startWorker("w1", (worker, event, ctx) -> { }, b -> b.rejections(r -> {
                rejected.add(r);
                return CompletableFuture.completedFuture(null);
            }));
            s.awaitDone(DONE);
            s.check();
            assertThat(rejected).extracting(RejectedRecord::kind).containsExactly(RejectedRecord.Kind.UNMAPPABLE,
                    RejectedRecord.Kind.INVALID_EVENT);
            assertThat(rejected.get(0).reason()).contains(SeqtrackHeaders.DOMAIN).contains("missing");
            assertThat(rejected.get(0).offset()).isEqualTo(5);
            assertThat(rejected.get(1).offset()).isEqualTo(9);
            assertThat(rejected.get(1).reason()).as("the processor's own reason, not a pointer to a listener event")
                    .contains("no_such_domain");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static boolean committedAtEnds(String group, Scenario s) {
        try {
            return broker.committed(group).equals(broker.endOffsets(s.topic, s.partitions));
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether some record after the one carrying {@code aggregate#seq} in its partition was acknowledged. */
    private static boolean acknowledgedBeyond(Scenario s, String aggregate, long seq) {
        RunCheck.Produced stuck = s.produced.stream().filter(p -> aggregate.equals(p.key()) && p.seq() == seq)
                .findFirst().orElseThrow();
        String partition = stuck.partition().toString();
        return s.history.count(e -> e.type() == 'A' && partition.equals(e.source())
                && e.offset() > stuck.offset()) > 0;
    }

    private static boolean committedBeyond(Scenario s, TopicPartition partition, long offset) {
        return s.produced.stream().anyMatch(p -> p.partition().equals(partition) && p.offset() > offset
                && p.key() != null && !p.key().equals("a0")
                && s.history.count(HandlerHistory.committed(Scenario.DOMAIN + "/" + p.key(), p.seq())) > 0);
    }

    /** A store that fails closed (every call throws {@link SequenceStoreException}) while {@code failing} is set. */
    static SequenceStore failingWhile(AtomicBoolean failing, SequenceStore delegate) {
        return StoreFaults.failing(delegate, (method, args) -> failing.get() && !method.getName().equals("close")
                && !method.getName().equals("subscribeCommits"), "store unreachable (injected)");
    }
}
