package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.seqtrack.streams.TopologyRun.Worker;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.tck.HandlerHistory;
import io.seqtrack.tck.StoreFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streams runner against a real {@code redis-server} (started by the test), the processor on the in-memory store.
 * Each scenario checks the commits the processors announced — every event committed exactly once, in order per
 * aggregate — and the group's pending list: empty at the end, and, during an outage, holding every delivered entry
 * whose event was not committed.
 */
@Timeout(90)
class StreamsConsumerRunnerTest {

    private static final String DOMAIN = "user_account";
    private static final Duration DONE = Duration.ofSeconds(60);
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static RedisProcess redis;
    private static RedisClient client;
    private static RedisCommands<String, String> commands;

    private final String stream = "events-" + NAMES.incrementAndGet();
    private final String group = stream + "-group";
    /** Commits announced by the processors, per aggregate, in the order announced. */
    private final Map<String, List<Long>> committed = new ConcurrentHashMap<>();
    /** Every worker's handler runs, commits, parks and acknowledgements, in one order (judged by {@link RunCheck}). */
    private final HandlerHistory history = new HandlerHistory();
    private SequenceStore lastStore;
    /** Entry id → aggregate#seq, for what was added. */
    private final Map<String, String> added = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<StreamsRunnerEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
        client = RedisClient.create(redis.uri());
        commands = client.connect().sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    @AfterEach
    void closeWorkers() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void everyEntryIsCommittedOnceInOrderAndAcknowledged() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(8, 1, 10);
        worker("w1", store, handler -> { }, b -> b);
        awaitDone(8, 10);
        assertThat(events).filteredOn(e -> e instanceof StreamsRunnerEvent.Acknowledged).hasSize(80);
    }

    /**
     * A consumer killed with a handler running and entries read but not acknowledged: another consumer takes them over
     * once they are idle ({@code XPENDING} + {@code XCLAIM}), after newer entries — reordering and duplicates the store
     * sorts out: every event committed once, in order.
     */
    @Test
    void aKilledConsumersPendingEntriesAreTakenOverAndCommittedOnceInOrder() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(6, 1, 10);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        Worker victim = worker("victim", store, ctx -> {
            if (runs.incrementAndGet() == 20) {
                gate.await(30, TimeUnit.SECONDS);
            }
        }, b -> b);
        await("the victim stuck with entries pending", () -> runs.get() >= 20 && pendingCount() > 0);
        victim.runner().kill();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(victim.processor()::close);
        open.remove(victim);
        add(6, 11, 15);
        worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(200)).claimInterval(Duration.ofMillis(100)));
        await("the heir claiming the victim's entries", () -> events.stream()
                .anyMatch(e -> e instanceof StreamsRunnerEvent.Claimed c && c.from().equals("victim")));
        gate.countDown();
        closed.get(30, TimeUnit.SECONDS);
        awaitDone(6, 15);
    }

    /**
     * A handler outlives its lease (the victim's renewals fail) and its consumer is killed: the heir takes the entry
     * over and claims the event once the lease expired, with a higher token; while its run holds that claim the stale
     * run ends and tries to commit — it must not. The shared checker's fencing rule judges the overlap.
     */
    @Test
    void aHandlerThatOutlivesItsLeaseIsFencedByTheConsumerThatTakesItsEntryOver() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(4, 1, 10);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<String> stuck = new AtomicReference<>();
        Worker victim = worker("victim", StoreFaults.renewalsFailing(store), ctx -> {
            if (runs.incrementAndGet() == 10) {
                stuck.set(ctx.key() + "#" + ctx.sequence());
                gate.await(40, TimeUnit.SECONDS);
            }
        }, b -> b);
        await("a handler stuck", () -> stuck.get() != null);
        victim.runner().kill();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(victim.processor()::close);
        open.remove(victim);
        String key = stuck.get().substring(0, stuck.get().indexOf('#'));
        long seq = Long.parseLong(stuck.get().substring(stuck.get().indexOf('#') + 1));
        worker("heir", store, ctx -> {
            if (key.equals(ctx.key().toString()) && ctx.sequence() == seq) {
                // the stale run ends and tries to commit (its processor closes once it is through) while this run
                // holds the claim with a higher token
                gate.countDown();
                closed.get(30, TimeUnit.SECONDS);
            }
        }, b -> b.claimIdle(Duration.ofMillis(200)).claimInterval(Duration.ofMillis(100)));
        closed.get(30, TimeUnit.SECONDS);
        awaitDone(4, 10);
        List<HandlerHistory.Entry> stuckRuns = history.entries().stream().filter(e -> key.equals(e.key())
                && e.seq() == seq && (e.type() == 'S' || e.type() == 'E')).toList();
        HandlerHistory.Entry stale = stuckRuns.stream().filter(e -> e.type() == 'S' && e.worker().equals("victim"))
                .findFirst().orElseThrow();
        HandlerHistory.Entry staleEnd = stuckRuns.stream().filter(e -> e.type() == 'E'
                && e.worker().equals("victim")).findFirst().orElseThrow();
        HandlerHistory.Entry fresh = stuckRuns.stream().filter(e -> e.type() == 'S' && e.worker().equals("heir"))
                .findFirst().orElseThrow();
        assertThat(fresh.ticket()).as("the heir's run started while the stale one ran: %s", stuckRuns)
                .isBetween(stale.ticket(), staleEnd.ticket());
        assertThat(fresh.token()).as("the heir's token").isGreaterThan(stale.token());
    }

    /**
     * The store fails closed for a while: entries without a safe outcome stay pending (checked against the pending
     * list during the outage: every entry whose event is not committed is still there) and are taken over by the same
     * consumer once idle; afterwards everything is committed once, in order, and acknowledged.
     */
    @Test
    void aStoreFailingClosedLeavesEveryUnhandledEntryPendingUntilItRecovers() throws Exception {
        AtomicReference<Predicate<String>> failingFor = new AtomicReference<>(key -> false);
        SequenceStore store = failing(failingFor, InMemorySequenceStore.create());
        add(5, 1, 8);
        Worker w1 = worker("w1", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(200))
                .claimInterval(Duration.ofMillis(100)));
        await("some events committed", () -> committedCount() >= 10);
        failingFor.set(key -> true);
        add(5, 9, 16);
        await("entries left pending by the outage", () -> events.stream()
                .filter(e -> e instanceof StreamsRunnerEvent.LeftPending).count() >= 10);
        // entries the group delivered and whose events are not committed must all be pending (never acknowledged)
        String lastDelivered = lastDeliveredId();
        Set<String> pending = pendingIds();
        synchronized (added) {
            added.forEach((id, event) -> {
                String[] parts = event.split("#");
                boolean isCommitted = committed.getOrDefault(DOMAIN + "/" + parts[0], List.of())
                        .contains(Long.parseLong(parts[1]));
                if (!isCommitted && compareIds(id, lastDelivered) <= 0) {
                    assertThat(pending).as("entry %s (%s) delivered, not committed, so still pending", id, event)
                            .contains(id);
                }
            });
        }
        failingFor.set(key -> false);
        awaitDone(5, 16);
        await("nothing left in flight: each retry counted once", () -> w1.runner().inFlight() == 0);
    }

    /**
     * An entry whose consumers keep stopping while they hold it (a poison pill that crashes the process; here two
     * consumers that read and claimed it and were never heard of again, so the group counts three deliveries) is
     * rejected when a takeover would deliver it beyond {@code maxDeliveries}, and acknowledged.
     */
    @Test
    void anEntryDeliveredMaxDeliveriesTimesGoesToTheRejectionHandler() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        String doomed = heldByConsumersThatStopped(3);
        add(3, 1, 5);
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        AtomicInteger refusals = new AtomicInteger(2); // the dead-letter target is down at first: retried, not resubmitted
        worker("w1", store, ctx -> { }, b -> b.maxDeliveries(3).claimIdle(Duration.ofMillis(100))
                .claimInterval(Duration.ofMillis(50)).retryDelay(Duration.ofMillis(20)).rejections(r -> {
                    if (refusals.getAndDecrement() > 0) {
                        return CompletableFuture.failedFuture(new java.io.IOException("dead-letter topic down"));
                    }
                    rejected.add(r);
                    return CompletableFuture.completedFuture(null);
                }));
        await("the doomed entry rejected", () -> !rejected.isEmpty());
        awaitDone(3, 5, Set.of(doomed));
        assertThat(history.count(e -> e.type() == 'S' && e.seq() == 1 && String.valueOf(e.key()).endsWith("/doomed")))
                .as("the doomed entry never went to the processor, also not when its rejection was retried").isZero();
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(StreamRejection.Kind.DELIVERY_LIMIT);
            assertThat(r.entry().getId()).isEqualTo(doomed);
            assertThat(r.reason()).contains("delivered 3 times");
        });
    }

    /**
     * A store outage many times longer than {@code maxDeliveries × claimIdle}, with two consumers of the group: no entry
     * is rejected (acknowledged and lost) for its delivery count. Each runner retries the entries it got no safe outcome
     * for itself and keeps them fresh, so neither it nor its peer takes them over — no delivery is counted — and reading
     * stops at {@code maxInFlight} instead of filling the pending list. After the outage everything is committed once,
     * in order. Before the fix, entries left pending idled into takeovers and were {@code DELIVERY_LIMIT}-rejected and
     * acknowledged within about {@code maxDeliveries × claimIdle}.
     */
    @Test
    void aStoreOutageLongerThanTheDeliveryLimitRejectsNothing() throws Exception {
        AtomicReference<Predicate<String>> failingFor = new AtomicReference<>(key -> true);
        SequenceStore store = failing(failingFor, InMemorySequenceStore.create());
        add(4, 1, 10);
        UnaryOperator<StreamsConsumerRunner.Builder> quick = b -> b.maxDeliveries(2).maxInFlight(15)
                .claimIdle(Duration.ofMillis(150)).claimInterval(Duration.ofMillis(50)).retryDelay(Duration.ofMillis(30));
        Worker w1 = worker("w1", store, ctx -> { }, quick);
        Worker w2 = worker("w2", store, ctx -> { }, quick);
        long since = System.nanoTime();
        await("the outage lasting 10 × maxDeliveries × claimIdle",
                () -> System.nanoTime() - since > Duration.ofMillis(3_000).toNanos());
        assertThat(events).as("nothing rejected or taken over during the outage")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.Rejected || e instanceof StreamsRunnerEvent.Claimed);
        assertThat(events).as("entries retried through the outage")
                .filteredOn(e -> e instanceof StreamsRunnerEvent.LeftPending).hasSizeGreaterThan(30);
        assertThat(w1.runner().inFlight() + w2.runner().inFlight()).as("reading stopped at maxInFlight per consumer")
                .isLessThanOrEqualTo(30);
        assertThat(pendingCount()).as("nothing delivered beyond what the two may hold").isLessThanOrEqualTo(30);
        failingFor.set(key -> false);
        awaitDone(4, 10);
        assertThat(events).noneMatch(e -> e instanceof StreamsRunnerEvent.Rejected);
        await("nothing left in flight: each retry counted once",
                () -> w1.runner().inFlight() == 0 && w2.runner().inFlight() == 0);
    }

    /**
     * An entry this runner retries (its store is down) and that is trimmed from the stream meanwhile is still committed
     * from the runner's copy once the store is back. The owner-checked refresh's {@code XCLAIM} would drop a deleted
     * entry from the pending list, and the runner, reading "no longer pending", gave up its retry: the event was lost
     * without a report (found by the review of the refresh).
     */
    @Test
    void anEntryTrimmedWhileThisRunnerRetriesItIsStillCommitted() throws Exception {
        AtomicReference<Predicate<String>> failingFor = new AtomicReference<>(key -> true);
        SequenceStore store = failing(failingFor, InMemorySequenceStore.create());
        add(1, 1, 1);
        String id;
        synchronized (added) {
            id = added.keySet().iterator().next();
        }
        Worker w1 = worker("w1", store, ctx -> { }, b -> b.claimInterval(Duration.ofMillis(50))
                .retryDelay(Duration.ofMillis(30)));
        await("the entry retried", () -> events.stream().anyMatch(e -> e instanceof StreamsRunnerEvent.LeftPending l
                && l.entryId().equals(id)));
        commands.xdel(stream, id);
        long rounds = w1.runner().takeoverRounds();
        await("three refresh rounds after the trim", () -> w1.runner().takeoverRounds() >= rounds + 3);
        failingFor.set(key -> false);
        await("committed from the runner's copy", () -> committedCount() == 1 && w1.runner().inFlight() == 0);
        assertThat(committed.get(DOMAIN + "/a0")).containsExactly(1L);
    }

    /** An entry the processor rejects (an unknown domain) goes to the rejection handler with the processor's reason. */
    @Test
    void anEventTheProcessorRejectsGoesToTheRejectionHandlerWithItsReason() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 3);
        String invalid = commands.xadd(stream, Map.of("domain", "no_such_domain", "aggregateId", "x", "sequence", "1"));
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        worker("w1", store, ctx -> { }, b -> b.rejections(r -> {
            rejected.add(r);
            return CompletableFuture.completedFuture(null);
        }));
        await("the invalid entry rejected", () -> !rejected.isEmpty());
        awaitDone(2, 3, Set.of(invalid));
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(StreamRejection.Kind.INVALID_EVENT);
            assertThat(r.entry().getId()).isEqualTo(invalid);
            assertThat(r.reason()).contains("no_such_domain");
        });
    }

    /**
     * XACKs that fail (the acknowledging connection dropping) after a safe outcome or a completed rejection: the XACK
     * is retried by the runner — the entry goes neither back to the processor nor into takeovers that count deliveries.
     * Before, it idled into a takeover: a rejected poison entry reached a handler again and was dead-lettered twice, and
     * an acknowledging connection down for {@code maxDeliveries × claimIdle} sent committed events to the dead-letter
     * target (review findings).
     */
    @Test
    void failedAcknowledgementsAreRetriedNotRedelivered() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        String doomed = heldByConsumersThatStopped(2);
        add(2, 1, 3);
        List<StreamRejection> deadLetters = new CopyOnWriteArrayList<>();
        Worker w1 = worker("w1", store, ctx -> { }, b -> b.maxDeliveries(2).claimIdle(Duration.ofMillis(150))
                .claimInterval(Duration.ofMillis(50)).retryDelay(Duration.ofMillis(20)).rejections(r -> {
                    deadLetters.add(r);
                    return CompletableFuture.completedFuture(null);
                }));
        ((StreamsLoop) w1.runner()).failNextAcknowledgements(12);
        awaitDone(2, 3, Set.of(doomed));
        await("nothing left in flight: each retry counted once", () -> w1.runner().inFlight() == 0);
        assertThat(events).filteredOn(e -> e instanceof StreamsRunnerEvent.LeftPending l
                && l.reason().startsWith("XACK failed")).as("the failed XACKs, retried").hasSizeGreaterThanOrEqualTo(7);
        assertThat(deadLetters).as("the rejected entry dead-lettered once").singleElement()
                .satisfies(r -> assertThat(r.entry().getId()).isEqualTo(doomed));
        assertThat(history.count(e -> e.type() == 'S' && String.valueOf(e.key()).endsWith("/doomed")))
                .as("the rejected entry never reached a handler").isZero();
        assertThat(events).as("nothing taken over: every XACK was retried by the runner that had the outcome")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.Claimed);
    }

    /**
     * More idle entries than one takeover page (100): the scan goes on after the page it claimed (an exclusive
     * {@code XPENDING} range from its cursor) and wraps around at the end; all 300 of a killed consumer's entries are
     * taken over and committed once, in order.
     */
    @Test
    void aTakeoverPagesThroughMoreIdleEntriesThanOneRound() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(3, 1, 100);
        CountDownLatch never = new CountDownLatch(1);
        Worker victim = worker("victim", store, ctx -> never.await(30, TimeUnit.SECONDS), b -> b);
        await("300 entries pending at the victim", () -> pendingCount() == 300);
        victim.runner().kill();
        never.countDown();
        victim.processor().close();
        open.remove(victim);
        Worker heir = worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(100))
                .claimInterval(Duration.ofMillis(50)));
        await("the heir's takeover of all 300", () -> events.stream()
                .filter(e -> e instanceof StreamsRunnerEvent.Claimed c && c.from().equals("victim")).count() == 300);
        awaitDone(3, 100);
        assertThat(heir.runner().takeoverRounds()).isGreaterThanOrEqualTo(3);
    }

    /**
     * The metrics of a takeover: while the victim lives (stuck, refreshing its entries) the heir's gauges show the
     * group's six pending entries and none of its own, and it claims nothing; once the victim is killed the heir claims
     * all six, each as its second delivery, and the gauges fall to zero.
     */
    @Test
    void theMetricsShowPendingEntriesAndTakeoversWithTheirDeliveryNumbers() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 3);
        CountDownLatch never = new CountDownLatch(1);
        UnaryOperator<StreamsConsumerRunner.Builder> quick = b -> b.claimIdle(Duration.ofMillis(500))
                .claimInterval(Duration.ofMillis(50));
        Worker victim = worker("victim", store, ctx -> never.await(30, TimeUnit.SECONDS), quick);
        await("six entries pending at the victim", () -> pendingCount() == 6);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        StreamsRunnerMetrics metrics = StreamsRunnerMetrics.create(meters);
        Worker heir = worker("heir", store, ctx -> { }, b -> quick.apply(b).listener(metrics));
        metrics.bind(heir.runner());
        long rounds = heir.runner().takeoverRounds();
        await("three takeover rounds of the heir", () -> heir.runner().takeoverRounds() >= rounds + 3);
        assertThat(meters.get("seqtrack.streams.pending").gauge().value()).isEqualTo(6);
        assertThat(meters.get("seqtrack.streams.pending.owned").gauge().value()).isZero();
        assertThat(meters.counter("seqtrack.streams.claimed").count()).as("nothing taken from a live consumer").isZero();
        victim.runner().kill();
        never.countDown();
        victim.processor().close();
        open.remove(victim);
        awaitDone(2, 3);
        long after = heir.runner().takeoverRounds();
        await("another takeover round of the heir", () -> heir.runner().takeoverRounds() >= after + 1);
        assertThat(meters.counter("seqtrack.streams.claimed").count()).isEqualTo(6);
        assertThat(meters.get("seqtrack.streams.claimed.delivery").summary().count()).isEqualTo(6);
        assertThat(meters.get("seqtrack.streams.claimed.delivery").summary().max()).isEqualTo(2);
        // the victim's two stuck runs were released before its processor closed, and committed: duplicates to the heir
        assertThat(meters.counter("seqtrack.streams.entries", "outcome", "processed").count()
                + meters.counter("seqtrack.streams.entries", "outcome", "duplicate").count()).isEqualTo(6);
        assertThat(meters.get("seqtrack.streams.pending").gauge().value()).isZero();
        assertThat(meters.get("seqtrack.streams.pending.owned").gauge().value()).isZero();
        assertThat(meters.get("seqtrack.streams.in_flight").gauge().value()).isZero();
    }

    /** Entries trimmed from the stream while pending (their consumer died) are reported when a takeover meets them. */
    @Test
    void entriesTrimmedWhilePendingAreReported() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 3);
        CountDownLatch never = new CountDownLatch(1);
        Worker victim = worker("victim", store, ctx -> never.await(30, TimeUnit.SECONDS), b -> b);
        await("six entries pending at the victim", () -> pendingCount() == 6);
        victim.runner().kill();
        commands.xtrim(stream, 0);
        worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(100)).claimInterval(Duration.ofMillis(50)));
        await("the trimmed entries reported and gone from the pending list", () -> pendingCount() == 0);
        never.countDown();
        victim.processor().close();
        open.remove(victim);
        assertThat(events).filteredOn(e -> e instanceof StreamsRunnerEvent.TrimmedWhilePending)
                .extracting(e -> ((StreamsRunnerEvent.TrimmedWhilePending) e).entryId())
                .containsExactlyInAnyOrderElementsOf(added.keySet());
    }

    /**
     * A producer that writes a binary payload (protobuf, Avro: not UTF-8) to the stream. The default mapper hands it to
     * the handler byte for byte; the event is committed and the entry acknowledged. Review finding 4: the runner read
     * every field through Lettuce's UTF-8 {@code StringCodec}, which replaces each malformed byte with U+FFFD — the
     * handler got other bytes than were written ({@code 0a efbfbd efbfbd 00 efbfbd}), and the event was committed and
     * the entry acknowledged, corrupted without an error. Entries are now read as bytes ({@link StreamsCodec}).
     */
    @Test
    void aPayloadThatIsNotUtf8IsNeitherAlteredNorSilentlyAccepted() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        byte[] payload = {(byte) 0x0a, (byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3};
        String id = addBytes(fields("domain", utf8(DOMAIN), "aggregateId", utf8("a0"), "sequence", utf8("1"),
                "payload", payload));
        worker("w1", store, ctx -> { }, b -> b);
        await("the entry committed and acknowledged", () -> committedCount() == 1 && pendingCount() == 0
                && events.stream().anyMatch(e -> e instanceof StreamsRunnerEvent.Acknowledged a
                        && a.entryId().equals(id)));
        assertThat(history.entries()).filteredOn(e -> e.type() == 'S').extracting(HandlerHistory.Entry::detail)
                .as("the handler was given the payload as written")
                .containsExactly(HandlerHistory.received(stream + "@" + id, payload));
        assertThat(events).noneMatch(e -> e instanceof StreamsRunnerEvent.Rejected);
    }

    /**
     * The takeover path too (the claim script's reply, {@link IdleClaim}): a binary entry a stopped consumer held is
     * taken over and handed to the handler byte for byte.
     */
    @Test
    void aBinaryPayloadTakenOverFromAStoppedConsumerIsNotAlteredEither() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        byte[] payload = {(byte) 0x0a, (byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3};
        String id = addBytes(fields("domain", utf8(DOMAIN), "aggregateId", utf8("a0"), "sequence", utf8("1"),
                "payload", payload));
        commands.xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        commands.xreadgroup(io.lettuce.core.Consumer.from(group, "crashed"), io.lettuce.core.XReadArgs.Builder.count(1),
                io.lettuce.core.XReadArgs.StreamOffset.lastConsumed(stream));
        worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(100)).claimInterval(Duration.ofMillis(50)));
        await("the entry taken over, committed and acknowledged", () -> committedCount() == 1 && pendingCount() == 0
                && events.stream().anyMatch(e -> e instanceof StreamsRunnerEvent.Claimed c && c.entryId().equals(id)));
        assertThat(history.entries()).filteredOn(e -> e.type() == 'S').extracting(HandlerHistory.Entry::detail)
                .as("the handler was given the payload as written")
                .containsExactly(HandlerHistory.received(stream + "@" + id, payload));
    }

    /**
     * A text mapper (a lambda of {@code StreamRecordMapper.map}, as written before mappers could take bytes) is never
     * given a payload that is not UTF-8 with replacement characters: the entry is rejected as {@code UNMAPPABLE} naming
     * the field, before the mapper runs, and the rejection carries the payload as written. Nothing reaches a handler.
     */
    @Test
    void aTextMapperIsNotGivenANonUtf8PayloadTheEntryIsRejectedNamingTheField() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        byte[] payload = {(byte) 0x0a, (byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3};
        String binary = addBytes(fields("domain", utf8(DOMAIN), "aggregateId", utf8("a0"), "sequence", utf8("1"),
                "payload", payload));
        add(2, 1, 3);
        Set<String> mapped = ConcurrentHashMap.newKeySet();
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        worker("w1", store, ctx -> { }, b -> b.mapper(entry -> {
            mapped.add(entry.getId());
            return StreamRecordMapper.fromFields().map(entry);
        }).rejections(r -> {
            rejected.add(r);
            return CompletableFuture.completedFuture(null);
        }));
        await("the binary entry rejected", () -> !rejected.isEmpty());
        awaitDone(2, 3, Set.of(binary));
        assertThat(mapped).as("the text mapper got the six text entries only").hasSize(6).doesNotContain(binary);
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(StreamRejection.Kind.UNMAPPABLE);
            assertThat(r.entry().getId()).isEqualTo(binary);
            assertThat(r.reason()).contains("field payload is not valid UTF-8");
            assertThat(r.entry().getBody().get("payload")).as("the payload as written").isEqualTo(payload);
        });
        assertThat(committed).as("nothing of a0 committed but the text entries' events")
                .containsOnlyKeys(DOMAIN + "/a0", DOMAIN + "/a1");
    }

    /**
     * A text field that is not valid UTF-8 ({@code aggregateId} here) is never decoded with replacement characters —
     * that would commit the event under another aggregate than was written: the entry is rejected as
     * {@code UNMAPPABLE}, the reason naming the field; nothing is committed for it, and the stream flows on.
     */
    @Test
    void aTextFieldThatIsNotUtf8IsRejectedAsUnmappableNamingTheField() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        String bad = addBytes(fields("domain", utf8(DOMAIN), "aggregateId", new byte[] {'a', (byte) 0xff, '0'},
                "sequence", utf8("1"), "payload", utf8("a0#1")));
        add(2, 1, 3);
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        worker("w1", store, ctx -> { }, b -> b.rejections(r -> {
            rejected.add(r);
            return CompletableFuture.completedFuture(null);
        }));
        await("the entry rejected", () -> !rejected.isEmpty());
        awaitDone(2, 3, Set.of(bad));
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(StreamRejection.Kind.UNMAPPABLE);
            assertThat(r.entry().getId()).isEqualTo(bad);
            assertThat(r.reason()).contains("field aggregateId is not valid UTF-8");
            assertThat(r.entry().getBody().get("aggregateId")).isEqualTo(new byte[] {'a', (byte) 0xff, '0'});
        });
        assertThat(committed).as("only the text entries' events committed, each once (awaitDone)")
                .containsOnlyKeys(DOMAIN + "/a0", DOMAIN + "/a1");
        assertThat(history.count(e -> e.type() == 'S')).as("one handler run per text entry").isEqualTo(6);
    }

    /**
     * Rejected entries written to a dead-letter stream by a rejection handler ({@code XADD} of
     * {@link StreamRejection#originalFields()} through a {@code ByteArrayCodec} connection) are byte-identical there:
     * one rejected for a field name that is not UTF-8 ({@code UNMAPPABLE}, naming it), one the processor rejects
     * (an unknown domain, {@code INVALID_EVENT}), both with a binary payload.
     */
    @Test
    void rejectedBinaryEntriesAreDeadLetteredByteForByte() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        byte[] payload = {(byte) 0x80, 0x00, (byte) 0xff, 'x', (byte) 0xe2, (byte) 0x82};
        String badName = addBytes(fields("domain", utf8(DOMAIN), "aggregateId", utf8("a0"), "sequence", utf8("1"),
                "pay\u00ffload", payload, "payload", payload));
        String unknownDomain = addBytes(fields("domain", utf8("no_such_domain"), "aggregateId", utf8("x"),
                "sequence", utf8("1"), "payload", payload));
        String deadLetters = stream + "-dead";
        byte[] deadLetterKey = utf8(deadLetters);
        var writer = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE);
        open.add(writer);
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        worker("w1", store, ctx -> { }, b -> b.rejections(r -> {
            rejected.add(r);
            return writer.async().xadd(deadLetterKey, r.originalFields()).thenApply(id -> (Void) null);
        }));
        await("both entries dead-lettered and acknowledged", () -> rejected.size() == 2 && pendingCount() == 0);
        assertThat(rejected).extracting(r -> r.entry().getId() + " " + r.kind())
                .containsExactlyInAnyOrder(badName + " UNMAPPABLE", unknownDomain + " INVALID_EVENT");
        assertThat(rejected).filteredOn(r -> r.kind() == StreamRejection.Kind.UNMAPPABLE).singleElement()
                .satisfies(r -> assertThat(r.reason())
                        .contains("field pay\\xFFload has a name that is not valid UTF-8"));
        assertThat(fieldsOf(writer.sync().xrange(deadLetterKey, Range.create("-", "+"))))
                .as("the dead-letter stream's entries, field by field")
                .containsExactlyInAnyOrderElementsOf(fieldsOf(writer.sync().xrange(utf8(stream),
                        Range.create("-", "+")))).hasSize(2);
        assertThat(history.count(e -> e.type() == 'S')).as("no handler run").isZero();
    }

    /** Every entry's fields as hex {@code name=value} strings, in order: byte arrays compared by content. */
    private static List<List<String>> fieldsOf(List<io.lettuce.core.StreamMessage<byte[], byte[]>> entries) {
        java.util.HexFormat hex = java.util.HexFormat.of();
        return entries.stream().map(entry -> entry.getBody().entrySet().stream()
                .map(f -> hex.formatHex(f.getKey()) + "=" + hex.formatHex(f.getValue())).toList()).toList();
    }

    /** Appends an entry with fields given as bytes (a producer of binary data), in order; returns its id. */
    private String addBytes(Map<byte[], byte[]> fields) {
        try (var bytes = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            return bytes.sync().xadd(utf8(stream), fields);
        }
    }

    /** Name/value pairs in order; a name's {@code \u00ff} stands for the byte 0xff (not UTF-8). */
    private static Map<byte[], byte[]> fields(Object... namesAndValues) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = (String) namesAndValues[i];
            fields.put(name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), (byte[]) namesAndValues[i + 1]);
        }
        return fields;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A rejection handler that returns null instead of a stage (a user's bug) is a failed rejection, retried as one —
     * not a NullPointerException that ends the poll thread without a word, after which nothing more is read (review
     * finding).
     */
    @Test
    void aRejectionHandlerThatReturnsNullIsAFailedRejectionNotTheRunnersEnd() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        String unmappable = commands.xadd(stream, Map.of("domain", DOMAIN, "aggregateId", "a0"));
        AtomicInteger nulls = new AtomicInteger(2);
        List<StreamRejection> rejected = new CopyOnWriteArrayList<>();
        worker("w1", store, ctx -> { }, b -> b.retryDelay(Duration.ofMillis(20)).rejections(r -> {
            if (nulls.getAndDecrement() > 0) {
                return null;
            }
            rejected.add(r);
            return CompletableFuture.completedFuture(null);
        }));
        await("the unmappable entry rejected", () -> !rejected.isEmpty());
        add(2, 1, 3); // read after the failed rejections: the runner still reads
        awaitDone(2, 3, Set.of(unmappable));
        assertThat(rejected).singleElement().satisfies(r -> assertThat(r.reason()).contains("sequence"));
    }

    /**
     * Two consumers' takeover rounds race for a dead consumer's entry: between this runner's {@code XPENDING} and its
     * {@code XCLAIM … MIN-IDLE}, a peer claims the entry (here: the test, as consumer "peer"), so this runner's
     * {@code XCLAIM} returns nothing for it. The entry is still in the stream — it must not be reported as trimmed
     * (review finding: every lost race was a {@code TrimmedWhilePending}, the event docs/brokers.md says to alert on as
     * a gap). It is taken over later, from the peer, and committed.
     */
    @Test
    void anEntryAPeerClaimedFirstIsNotReportedAsTrimmed() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        String contested = heldByConsumersThatStopped(1);
        AtomicBoolean raced = new AtomicBoolean();
        worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(300)).claimInterval(Duration.ofMillis(50)),
                runner -> runner.betweenScanAndClaim(ids -> {
                    if (ids.contains(contested) && raced.compareAndSet(false, true)) {
                        commands.xclaim(stream, io.lettuce.core.Consumer.from(group, "peer"),
                                io.lettuce.core.XClaimArgs.Builder.minIdleTime(0), contested);
                    }
                }));
        await("the entry taken over from the peer and acknowledged", () -> raced.get() && pendingCount() == 0
                && events.stream().anyMatch(e -> e instanceof StreamsRunnerEvent.Claimed c && c.from().equals("peer")));
        assertThat(events).as("the entry is in the stream: nothing was trimmed")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.TrimmedWhilePending);
    }

    /**
     * Two consumers racing to take over a dead consumer's six entries (one aggregate each, idle for an hour): between
     * the heir's {@code XPENDING} scan and its claim, a peer takes #1 over, takes #2 over and acknowledges it, and takes
     * #3 over, acknowledges it and trims it ({@code XDEL}, as {@code MAXLEN} trims acknowledged entries); #5 is deleted
     * while still pending at the dead consumer, and #4 was deleted before the heir started. None of #1..#3 is a gap —
     * each exists or was acknowledged by the peer — so only #4 and #5 are reported as {@code TrimmedWhilePending}, once
     * each, and the heir takes over #0 alone; #1 stays the peer's. Before the fix every id missing from the
     * {@code XCLAIM} reply was reported as trimmed: #1, #2 and #3 too. {@code claimIdle} is ten minutes, so nothing the
     * peer touched idles into the heir's later rounds.
     */
    @Test
    void aPeerWinningTheTakeoverRaceIsNoGapButEntriesTrimmedWhilePendingAre() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(6, 1, 1);
        List<String> ids;
        synchronized (added) {
            ids = List.copyOf(added.keySet());
        }
        commands.xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        commands.xreadgroup(io.lettuce.core.Consumer.from(group, "dead"), io.lettuce.core.XReadArgs.Builder.count(6),
                io.lettuce.core.XReadArgs.StreamOffset.lastConsumed(stream));
        commands.xclaim(stream, io.lettuce.core.Consumer.from(group, "dead"), io.lettuce.core.XClaimArgs.Builder
                .justid().minIdleTime(0).idle(Duration.ofHours(1)), ids.toArray(String[]::new));
        commands.xdel(stream, ids.get(4));
        io.lettuce.core.Consumer<String> peer = io.lettuce.core.Consumer.from(group, "peer");
        List<String> scanned = new CopyOnWriteArrayList<>();
        AtomicLong raceRound = new AtomicLong(-1);
        AtomicReference<StreamsLoop> heir = new AtomicReference<>();
        worker("heir", store, ctx -> { }, b -> b.claimIdle(Duration.ofMinutes(10))
                .claimInterval(Duration.ofMillis(50)), loop -> {
            heir.set(loop);
            loop.betweenScanAndClaim(candidates -> {
                if (raceRound.get() < 0) {
                    scanned.addAll(candidates);
                    commands.xclaim(stream, peer, io.lettuce.core.XClaimArgs.Builder.minIdleTime(0), ids.get(1),
                            ids.get(2), ids.get(3));
                    commands.xack(stream, group, ids.get(2), ids.get(3));
                    commands.xdel(stream, ids.get(3), ids.get(5));
                    raceRound.set(loop.takeoverRounds());
                }
            });
        });
        await("the race's round and the next", () -> raceRound.get() >= 0
                && heir.get().takeoverRounds() >= raceRound.get() + 2);
        await("#0 committed and acknowledged; #1 left pending at the peer", () -> pendingIds().equals(Set.of(ids.get(1)))
                && committedCount() == 1);
        assertThat(scanned).as("the heir's scan saw all six idle").containsExactlyInAnyOrderElementsOf(ids);
        assertThat(events).as("only the entries gone while pending reported, once each")
                .filteredOn(e -> e instanceof StreamsRunnerEvent.TrimmedWhilePending)
                .containsExactlyInAnyOrder(new StreamsRunnerEvent.TrimmedWhilePending(ids.get(4), "dead", 1),
                        new StreamsRunnerEvent.TrimmedWhilePending(ids.get(5), "dead", 1));
        assertThat(events).filteredOn(e -> e instanceof StreamsRunnerEvent.Claimed)
                .containsExactly(new StreamsRunnerEvent.Claimed(ids.get(0), "dead", 2));
        assertThat(owner(ids.get(1))).as("the entry the peer won").isEqualTo("peer");
        assertThat(committed.get(DOMAIN + "/a0")).containsExactly(1L);
    }

    /**
     * A poison entry (its handler fails) is parked in order — with everything of its aggregate behind it — while the
     * stream keeps flowing for the other aggregates. The buffer is in memory, so the park would die with the process:
     * the parked entries stay pending (never acknowledged, never taken over: the runner keeps them fresh) until an
     * operator replays them through the processor's admin; then they are handled in order and acknowledged. During
     * every failing run of the poison its entry is pending. The retries are the processor's (its retry policy, then
     * park), not redeliveries: the entry is delivered once.
     */
    @Test
    void aPoisonEntryIsParkedInOrderWhileTheStreamKeepsFlowing() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(4, 1, 8);
        String poisonEntry = idOf("a0#4");
        List<Boolean> pendingDuringRuns = new CopyOnWriteArrayList<>();
        AtomicBoolean poisoned = new AtomicBoolean(true);
        Worker worker = worker("w1", store, ctx -> {
            if (poisoned.get() && ctx.key().aggregateId().equals("a0") && ctx.sequence() == 4) {
                pendingDuringRuns.add(pendingIds().contains(poisonEntry));
                throw new IllegalStateException("poison");
            }
        }, b -> b.claimIdle(Duration.ofMillis(300)).claimInterval(Duration.ofMillis(50)));
        await("a0 parked from #4 on, the others committed, and everything but a0#4..#8 acknowledged",
                () -> history.count(e -> e.type() == 'P' && (DOMAIN + "/a0").equals(e.key()) && e.seq() == 8) > 0
                        && committedCount() >= 3 * 8 + 3 && pendingCount() == 5 && events.stream()
                        .filter(e -> e instanceof StreamsRunnerEvent.Acknowledged).count() == added.size() - 5);
        for (int a = 1; a < 4; a++) {
            assertThat(committed.get(DOMAIN + "/a" + a)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        }
        assertThat(committed.get(DOMAIN + "/a0")).as("nothing of a0 after the poison").containsExactly(1L, 2L, 3L);
        Set<String> parkedEntries = new HashSet<>();
        for (long seq = 4; seq <= 8; seq++) {
            parkedEntries.add(idOf("a0#" + seq));
        }
        assertThat(pendingIds()).as("parked in memory only: still pending").isEqualTo(parkedEntries);
        assertThat(pendingDuringRuns).as("the retry policy's attempts, then parked").hasSizeGreaterThan(1);
        assertThat(pendingDuringRuns).as("the poison entry pending (not acknowledged) during every failing run")
                .containsOnly(true);

        poisoned.set(false);
        assertThat(worker.processor().admin().replayParked(io.seqtrack.core.domain.AggregateKey.of(DOMAIN, "a0"))
                .toCompletableFuture().get(30, TimeUnit.SECONDS)).containsOnly(io.seqtrack.processor.Outcome.PROCESSED);
        awaitDone(4, 8);
        Map<String, io.seqtrack.processor.Outcome> acknowledged = new LinkedHashMap<>();
        events.stream().filter(e -> e instanceof StreamsRunnerEvent.Acknowledged).map(e ->
                (StreamsRunnerEvent.Acknowledged) e).forEach(a -> acknowledged.put(added.get(a.entryId()), a.outcome()));
        for (long seq = 4; seq <= 8; seq++) {
            assertThat(acknowledged.get("a0#" + seq)).as("a0#%d acknowledged once its replay handled it", seq)
                    .isEqualTo(io.seqtrack.processor.Outcome.PROCESSED);
        }
        assertThat(events).as("the parked entries never taken over: they were in flight, kept fresh")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.Claimed);
    }

    /**
     * The same poison with a short {@code claimIdle} and a second consumer of the group: neither takes the entry over
     * while the first still retries it (its idle time is reset every {@code claimInterval}), so no delivery is counted
     * for it and {@code maxDeliveries} does not reject an event whose outcome is still coming. Without the refresh the
     * peer claims it within a round or two of its idling past {@code claimIdle}.
     */
    @Test
    void anEntryALiveConsumerStillWorksOnIsNotTakenOverByItsPeers() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 3);
        String slowEntry = idOf("a0#2");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        UnaryOperator<StreamsConsumerRunner.Builder> quick = b -> b.claimIdle(Duration.ofSeconds(1))
                .claimInterval(Duration.ofMillis(100)).maxDeliveries(1);
        worker("slow", store, ctx -> {
            if (ctx.key().aggregateId().equals("a0") && ctx.sequence() == 2) {
                started.countDown();
                release.await(60, TimeUnit.SECONDS);
            }
        }, quick);
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        Worker peer = worker("peer", store, ctx -> { }, quick);
        // wait until the slow entry would have been idle for three times claimIdle, then for two more peer rounds
        long since = System.nanoTime();
        await("the slow entry in flight for 3 s", () -> System.nanoTime() - since > Duration.ofSeconds(3).toNanos());
        long rounds = peer.runner().takeoverRounds();
        await("two more takeover rounds of the peer", () -> peer.runner().takeoverRounds() >= rounds + 2);
        assertThat(pendingIds()).as("still pending: the handler has not finished").contains(slowEntry);
        assertThat(events).as("nobody took over or rejected an entry whose handler still runs")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.Claimed || e instanceof StreamsRunnerEvent.Rejected);
        release.countDown();
        awaitDone(2, 3);
    }

    /**
     * A consumer stalled past {@code claimIdle} (its clock stopped: no refresh, as in a GC pause) while its handler of
     * a0#2 runs; its peer takes the entry over once it is idle. When the stalled consumer resumes, its refresh must not
     * take the entry back: the peer still owns it ({@code XPENDING}), the loss is counted
     * ({@code seqtrack.streams.taken_over_by_peer}), and the stalled consumer's submission still ends and is
     * acknowledged (committed), the peer's as a duplicate: a0#2 handled once. The peer's clock is stopped once it owns
     * the entry, so that its own refreshes do not hide what the resumed consumer's did. Before the fix the refresh
     * ({@code XCLAIM … 0 … JUSTID}) took the entry back: the owner after the stalled consumer's rounds was "stalled".
     */
    @Test
    void anEntryAPeerTookOverFromAStalledConsumerIsNotTakenBackByItsRefresh() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 2);
        String held = idOf("a0#2");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        PausableClock stalledClock = new PausableClock();
        PausableClock peerClock = new PausableClock();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        StreamsRunnerMetrics metrics = StreamsRunnerMetrics.create(meters);
        UnaryOperator<StreamsConsumerRunner.Builder> quick = b -> b.claimIdle(Duration.ofMillis(300))
                .claimInterval(Duration.ofMillis(50));
        try {
            Worker stalled = worker("stalled", store, ctx -> {
                if (ctx.key().aggregateId().equals("a0") && ctx.sequence() == 2) {
                    started.countDown();
                    release.await(60, TimeUnit.SECONDS);
                }
            }, b -> quick.apply(b).clock(stalledClock).listener(metrics));
            metrics.bind(stalled.runner());
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            await("everything but a0#2 acknowledged", () -> pendingIds().equals(Set.of(held)));
            stalledClock.pause();
            worker("peer", store, ctx -> { }, b -> quick.apply(b).clock(peerClock));
            await("the peer taking a0#2 over once idle past claimIdle", () -> events.stream().anyMatch(e ->
                    e instanceof StreamsRunnerEvent.Claimed c && c.entryId().equals(held)
                            && c.from().equals("stalled")));
            peerClock.pause();
            assertThat(owner(held)).isEqualTo("peer");
            long rounds = stalled.runner().takeoverRounds();
            stalledClock.resume();
            await("two refresh rounds of the resumed consumer", () -> stalled.runner().takeoverRounds() >= rounds + 2);
            assertThat(owner(held)).as("the owner of a0#2 after the resumed consumer's refreshes").isEqualTo("peer");
            assertThat(meters.counter("seqtrack.streams.taken_over_by_peer").count())
                    .as("the entry counted once as taken over by a peer").isEqualTo(1);
        } finally {
            stalledClock.resume();
            peerClock.resume();
            release.countDown();
        }
        await("the peer's submission of a0#2 acknowledged too", () -> history.count(e -> e.type() == 'A'
                && held.equals(e.source()) && e.worker().equals("peer")) > 0);
        awaitDone(2, 2);
        assertThat(history.count(e -> e.type() == 'S' && (DOMAIN + "/a0").equals(e.key()) && e.seq() == 2))
                .as("a0#2 handled once").isEqualTo(1);
        assertThat(history.entries()).filteredOn(e -> e.type() == 'A' && held.equals(e.source()))
                .extracting(e -> e.worker() + " " + e.detail())
                .containsExactlyInAnyOrder("stalled PROCESSED", "peer DUPLICATE");
    }

    /**
     * An entry delivered to this runner again while its first copy still runs in the processor — after a failover that
     * lost the group's state; here {@code XGROUP SETID} to the start — is two submissions: both count against
     * {@code maxInFlight}, and the entry stays in flight until the last of them is done. The first copy commits and
     * its {@code XACK} is lost (as a failover loses an unreplicated one), so the entry is still pending at this
     * runner while the second copy runs; it is made to look idle for an hour. The runner's next rounds must refresh it
     * and must not take it over (a third submission and a delivery counted). Before the fix the in-flight set held
     * ids: {@code inFlight()} counted the two copies as one, the first copy's end dropped the id, and the runner's own
     * takeover claimed the entry it still worked on, from itself. The processor is a stub whose outcomes the test
     * completes.
     */
    @Test
    void anEntryDeliveredAgainWhileACopyRunsStaysInFlightUntilItsLastCopyIsDone() throws Exception {
        add(1, 1, 1);
        String entry = idOf("a0#1");
        StubProcessor processor = new StubProcessor();
        StreamsLoop runner = (StreamsLoop) StreamsConsumerRunner.builder().redisUri(redis.uri()).stream(stream)
                .group(group).consumer("w1").processor(processor).pollTimeout(Duration.ofMillis(50))
                .claimIdle(Duration.ofMinutes(10)).claimInterval(Duration.ofMillis(50)).listener(events::add).build();
        runner.start();
        open.add(() -> {
            processor.completeAll(io.seqtrack.processor.Outcome.DUPLICATE);
            runner.close();
        });
        await("the first copy submitted", () -> processor.submitted.size() == 1);
        commands.xgroupSetid(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        await("the second copy submitted", () -> processor.submitted.size() == 2);
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        int both = runner.inFlight();
        soft.assertThat(both).as("in flight: both copies").isEqualTo(2);

        runner.loseNextAcknowledgements(1);
        processor.submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
        await("the first copy done", () -> runner.inFlight() < both);
        soft.assertThat(runner.inFlight()).as("in flight after the first copy: the second").isEqualTo(1);
        commands.xclaim(stream, io.lettuce.core.Consumer.from(group, "w1"), io.lettuce.core.XClaimArgs.Builder.justid()
                .minIdleTime(0).idle(Duration.ofHours(1)), entry);
        long rounds = runner.takeoverRounds();
        await("two more rounds", () -> runner.takeoverRounds() >= rounds + 2);
        soft.assertThat(events).as("not taken over while its second copy runs")
                .noneMatch(e -> e instanceof StreamsRunnerEvent.Claimed);
        soft.assertThat(processor.submitted).as("submissions").hasSize(2);
        PendingMessage pending = commands.xpending(stream, group, Range.create(entry, entry), Limit.from(1)).get(0);
        soft.assertThat(pending.getConsumer()).isEqualTo("w1");
        soft.assertThat(pending.getSinceLastDelivery()).as("refreshed").isLessThan(Duration.ofHours(1));
        soft.assertThat(pending.getRedeliveryCount()).as("no delivery counted by a takeover").isEqualTo(1);
        soft.assertAll();

        processor.submitted.get(1).complete(io.seqtrack.processor.Outcome.DUPLICATE);
        await("the second copy acknowledged", () -> pendingCount() == 0 && runner.inFlight() == 0);
    }

    /**
     * Two copies of one entry here (delivered again after a failover), both left pending: the first was
     * {@code PROCESSED} and only its {@code XACK} failed, so its retry is the {@code XACK}; the second met
     * {@code BUFFER_FULL}, so its retry is to process the entry. They share the entry's one retry slot, and the later
     * one took it: the entry went to the processor a third time — a second handler run for a domain the store does not
     * track. The acknowledgement must win. The retries wait on a stopped clock until both copies are done.
     */
    @Test
    void anEntryOneCopyOfWhichWasProcessedIsAcknowledgedNotProcessedAgainWhenTheOtherMustBeRetried() throws Exception {
        TwoCopies two = holdingTwoCopies((runner, processor, entry) -> { });

        two.clock().pause();
        two.runner().failNextAcknowledgements(1);
        two.processor().submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
        await("the first copy left pending for its XACK", () -> leftPending(two.entry()) == 1);
        two.processor().submitted.get(1).complete(io.seqtrack.processor.Outcome.BUFFER_FULL);
        await("the second copy left pending", () -> leftPending(two.entry()) == 2);
        two.clock().resume();

        await("the retry ran", () -> two.processor().submitted.size() > 2 || pendingCount() == 0);
        assertThat(two.processor().submitted).as("not submitted a third time").hasSize(2);
        await("acknowledged", () -> pendingCount() == 0 && two.runner().inFlight() == 0);
    }

    /**
     * The same two copies, the other way round and at the worst moment: the copy that met {@code BUFFER_FULL} left its
     * processing retry first, and the copy whose {@code XACK} failed puts its acknowledgement retry in that slot just
     * as the poll thread found the processing retry due (a hook runs the second copy's end there). The retry found due
     * ran although it was no longer in the slot: the entry went to the processor a third time, and the acknowledgement
     * ran too. Only the retry taken out of the slot may run.
     */
    @Test
    void aRetryReplacedAsItFallsDueDoesNotRunTheEntryAgain() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean replaced = new java.util.concurrent.atomic.AtomicBoolean();
        TwoCopies two = holdingTwoCopies((runner, processor, entry) -> runner.beforeRetryTaken(id -> {
            if (id.equals(entry) && replaced.compareAndSet(false, true)) {
                runner.failNextAcknowledgements(1);
                processor.submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
            }
        }));

        two.clock().pause();
        two.processor().submitted.get(1).complete(io.seqtrack.processor.Outcome.BUFFER_FULL);
        await("the second copy left pending", () -> leftPending(two.entry()) == 1);
        two.clock().resume();

        await("the retry ran", () -> replaced.get() && (two.processor().submitted.size() > 2 || pendingCount() == 0));
        assertThat(two.processor().submitted).as("not submitted a third time").hasSize(2);
        await("acknowledged", () -> pendingCount() == 0 && two.runner().inFlight() == 0);
    }

    /**
     * The same two copies, the retry left first and the other copy's XACK landing: the copy that met
     * {@code BUFFER_FULL} left a processing retry, then the other copy was {@code PROCESSED} and its {@code XACK}
     * went through. The entry is acknowledged, but the processing retry stayed in the slot and ran once due — the
     * entry went to the processor a third time (a second handler run for a domain the store does not track), unless a
     * takeover round's refresh happened to find it no longer pending first ({@code claimInterval}, 5 s by default,
     * against {@code retryDelay}, 1 s). An acknowledged entry has nothing left to retry.
     */
    @Test
    void aRetryLeftByOneCopyDoesNotRunOnceTheOtherCopyIsAcknowledged() throws Exception {
        TwoCopies two = holdingTwoCopies((runner, processor, entry) -> { });

        two.clock().pause();
        two.processor().submitted.get(1).complete(io.seqtrack.processor.Outcome.BUFFER_FULL);
        await("the second copy left pending", () -> leftPending(two.entry()) == 1);
        two.processor().submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
        await("the first copy acknowledged", () -> pendingCount() == 0);
        two.clock().resume();

        retriesDueHaveRun(two.runner());
        assertThat(two.processor().submitted).as("not submitted a third time").hasSize(2);
        assertThat(two.runner().inFlight()).isZero();
    }

    /**
     * The other order: the first copy is {@code PROCESSED} and acknowledged, and only then does the second copy meet
     * {@code BUFFER_FULL}. Its processing retry went into the slot after the {@code XACK} had landed, so clearing the
     * slot on the {@code XACK} does not reach it: it ran once due and the entry went to the processor a third time.
     */
    @Test
    void aRetryLeftByOneCopyAfterTheOtherCopyWasAcknowledgedDoesNotRun() throws Exception {
        TwoCopies two = holdingTwoCopies((runner, processor, entry) -> { });

        two.clock().pause();
        two.processor().submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
        await("the first copy acknowledged", () -> pendingCount() == 0);
        two.processor().submitted.get(1).complete(io.seqtrack.processor.Outcome.BUFFER_FULL);
        await("the second copy done", () -> leftPending(two.entry()) == 1 && two.runner().inFlight() <= 1);
        two.clock().resume();

        retriesDueHaveRun(two.runner());
        assertThat(two.processor().submitted).as("not submitted a third time").hasSize(2);
        assertThat(two.runner().inFlight()).isZero();
    }

    /**
     * The harm of the same leftover with a rejection: an entry at its delivery limit goes to the rejection handler
     * ({@code DELIVERY_LIMIT}), which fails, so the rejection waits in the retry slot; meanwhile a failover's
     * redelivery brings a copy of it here again, which is {@code PROCESSED} and acknowledged. The rejection retry ran
     * once due anyway: an event committed in the store went to the dead-letter target too.
     */
    @Test
    void aDeliveryLimitRejectionWaitingForItsRetryIsNotDeadLetteredOnceAnotherCopyIsAcknowledged() throws Exception {
        String doomed = heldByConsumersThatStopped(3);
        Thread.sleep(300); // idle past claimIdle: the first takeover round finds it at its limit
        StubProcessor processor = new StubProcessor();
        PausableClock clock = new PausableClock();
        List<StreamRejection> handed = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean failedOnce = new java.util.concurrent.atomic.AtomicBoolean();
        StreamsLoop runner = (StreamsLoop) StreamsConsumerRunner.builder().redisUri(redis.uri()).stream(stream)
                .group(group).consumer("w1").processor(processor).pollTimeout(Duration.ofMillis(50))
                .maxDeliveries(3).claimIdle(Duration.ofMillis(200)).claimInterval(Duration.ofMillis(150))
                .retryDelay(RETRY_AS_SOON_AS_THE_CLOCK_MOVES).clock(clock).listener(events::add).rejections(r -> {
                    handed.add(r);
                    if (failedOnce.compareAndSet(false, true)) {
                        clock.pause(); // the rejection's retry waits until the other copy is done
                        return CompletableFuture.failedFuture(new java.io.IOException("dead-letter topic down"));
                    }
                    return CompletableFuture.completedFuture(null);
                }).build();
        runner.start();
        open.add(() -> {
            clock.resume();
            processor.completeAll(io.seqtrack.processor.Outcome.DUPLICATE);
            runner.close();
        });
        await("the rejection left pending for its retry", () -> leftPending(doomed) == 1);
        assertThat(handed).singleElement().satisfies(r -> assertThat(r.kind())
                .isEqualTo(StreamRejection.Kind.DELIVERY_LIMIT));
        commands.xgroupSetid(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        await("a copy delivered again", () -> processor.submitted.size() == 1);
        processor.submitted.get(0).complete(io.seqtrack.processor.Outcome.PROCESSED);
        await("that copy acknowledged", () -> pendingCount() == 0);
        clock.resume();

        retriesDueHaveRun(runner);
        assertThat(handed).as("a committed entry is not dead-lettered").hasSize(1);
        assertThat(runner.inFlight()).isZero();
    }

    /** The runner of {@link #holdingTwoCopies}, its processor and clock, and the id of the entry it holds twice. */
    private record TwoCopies(String entry, StubProcessor processor, PausableClock clock, StreamsLoop runner) {
    }

    /** Test hooks for {@link #holdingTwoCopies}, installed before the runner starts. */
    private interface BeforeStart {
        void install(StreamsLoop runner, StubProcessor processor, String entry);
    }

    /**
     * A runner holding two copies of the stream's one entry (added here), both submitted to its processor: read once,
     * then again after {@code XGROUP SETID} to the start (as after a failover that lost the group's state). Its retries
     * wait for its clock; no takeover round comes (its refresh would find an acknowledged entry gone and mask a retry
     * that runs anyway); {@code beforeStart} installs test hooks.
     */
    private TwoCopies holdingTwoCopies(BeforeStart beforeStart) throws Exception {
        add(1, 1, 1);
        String entry = idOf("a0#1");
        StubProcessor processor = new StubProcessor();
        PausableClock clock = new PausableClock();
        StreamsLoop runner = (StreamsLoop) StreamsConsumerRunner.builder().redisUri(redis.uri()).stream(stream)
                .group(group).consumer("w1").processor(processor).pollTimeout(Duration.ofMillis(50))
                .claimIdle(Duration.ofMinutes(20)).claimInterval(Duration.ofMinutes(10))
                .retryDelay(RETRY_AS_SOON_AS_THE_CLOCK_MOVES).clock(clock).listener(events::add).build();
        beforeStart.install(runner, processor, entry);
        runner.start();
        open.add(() -> {
            processor.completeAll(io.seqtrack.processor.Outcome.DUPLICATE);
            runner.close();
        });
        await("the first copy submitted", () -> processor.submitted.size() == 1);
        commands.xgroupSetid(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        await("the second copy submitted", () -> processor.submitted.size() == 2);
        return new TwoCopies(entry, processor, clock, runner);
    }

    /** A retry left while the clock stands is due the moment it moves on. */
    private static final Duration RETRY_AS_SOON_AS_THE_CLOCK_MOVES = Duration.ofNanos(1);

    /**
     * Waits until every retry left before the test's clock resumed has had its chance to run: the clock has moved past
     * its due time (retries at {@link #RETRY_AS_SOON_AS_THE_CLOCK_MOVES}; the clock has microseconds), and two
     * poll-loop turns — each begins by running the retries that are due — began after that. Where a test asserts a
     * retry did NOT run, this is what makes the assertion mean something (a sleep only made it likely).
     */
    private static void retriesDueHaveRun(StreamsLoop runner) throws InterruptedException {
        Thread.sleep(1); // the clock's next microsecond: past the due time of every retry left while it stood
        long turns = runner.turns();
        await("two poll-loop turns past the retries' due time", () -> runner.turns() >= turns + 2);
    }

    private long leftPending(String entry) {
        return events.stream().filter(e -> e instanceof StreamsRunnerEvent.LeftPending l && l.entryId().equals(entry))
                .count();
    }

    /** An {@link EventProcessor} whose submissions' outcomes the test completes, one future per submission. */
    private static final class StubProcessor implements EventProcessor {
        final List<CompletableFuture<io.seqtrack.processor.Outcome>> submitted = new CopyOnWriteArrayList<>();

        void completeAll(io.seqtrack.processor.Outcome outcome) {
            submitted.forEach(f -> f.complete(outcome));
        }

        @Override
        public java.util.concurrent.CompletionStage<io.seqtrack.processor.Outcome> submit(
                io.seqtrack.processor.Event event) {
            return submitTracked(event).acknowledgeable();
        }

        @Override
        public io.seqtrack.processor.Submission submitTracked(io.seqtrack.processor.Event event) {
            CompletableFuture<io.seqtrack.processor.Outcome> outcome = new CompletableFuture<>();
            submitted.add(outcome);
            return new io.seqtrack.processor.Submission() {
                @Override
                public io.seqtrack.processor.Event event() {
                    return event;
                }

                @Override
                public java.util.concurrent.CompletionStage<io.seqtrack.processor.Outcome> accepted() {
                    return outcome;
                }

                @Override
                public java.util.concurrent.CompletionStage<io.seqtrack.processor.Outcome> settled() {
                    return outcome;
                }

                @Override
                public java.util.concurrent.CompletionStage<io.seqtrack.processor.Outcome> acknowledgeable() {
                    return outcome;
                }
            };
        }

        @Override
        public boolean durableBuffer() {
            return false;
        }

        @Override
        public io.seqtrack.processor.ProcessorAdmin admin() {
            throw new UnsupportedOperationException("a stub");
        }

        @Override
        public io.seqtrack.processor.ProcessorSnapshot snapshot() {
            throw new UnsupportedOperationException("a stub");
        }

        @Override
        public void close() {
        }
    }

    /** The consumer that owns pending entry {@code id} ({@code XPENDING}). */
    private String owner(String id) {
        return commands.xpending(stream, group, Range.create(id, id), Limit.from(1)).get(0).getConsumer();
    }

    @Test
    void aClaimIntervalNotShorterThanClaimIdleIsRefusedWithATypedError() {
        StreamsConsumerRunner.Builder builder = StreamsConsumerRunner.builder().redisUri(redis.uri()).stream(stream)
                .group(group).consumer("c").processor(EventProcessor.builder().registry(DomainRegistry.seedDefaults())
                        .store(InMemorySequenceStore.create()).buffer(InMemoryEventBuffer.create())
                        .handler((event, ctx) -> { }).build())
                .claimIdle(Duration.ofSeconds(5)).claimInterval(Duration.ofSeconds(5));
        org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                .isInstanceOf(io.seqtrack.core.domain.InvalidConfigurationException.class)
                .hasMessageContaining("streams.claimInterval").hasMessageContaining("shorter than streams.claimIdle");
    }

    /**
     * {@code retryDelay} is validated as it is set, as the other durations are: {@code null}, zero and a negative
     * duration are refused with a typed error naming the field; the builder keeps its previous value.
     */
    @Test
    void aMissingZeroOrNegativeRetryDelayIsRefusedWithATypedError() {
        StreamsConsumerRunner.Builder builder = StreamsConsumerRunner.builder();
        for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(-1),
                Duration.ofSeconds(-30)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.retryDelay(bad)).as("retryDelay(%s)", bad)
                    .isInstanceOfSatisfying(io.seqtrack.core.domain.InvalidConfigurationException.class,
                            e -> assertThat(e.field()).isEqualTo("streams.retryDelay"))
                    .hasMessageContaining("streams.retryDelay").hasMessageContaining("must be positive")
                    .hasMessageContaining(String.valueOf(bad));
        }
        assertThat(builder.retryDelay).as("the default kept").isEqualTo(Duration.ofSeconds(1));
        assertThat(builder.retryDelay(Duration.ofNanos(1)).retryDelay).as("the least positive value taken")
                .isEqualTo(Duration.ofNanos(1));
    }

    /** Review finding: a window above the processor's would block the poll thread in a submit (and its refreshes). */
    @Test
    void aMaxInFlightAboveTheProcessorsIsRefusedWithATypedError() {
        EventProcessor small = EventProcessor.builder()
                .registry(io.seqtrack.core.registry.DomainRegistry.seedDefaults())
                .store(InMemorySequenceStore.create()).buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create())
                .handler((e, c) -> { }).maxInFlight(100).build();
        try {
            StreamsConsumerRunner.Builder builder = StreamsConsumerRunner.builder().redisUri(redis.uri())
                    .stream(stream).group(group).consumer("w1").processor(small);
            org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                    .isInstanceOfSatisfying(io.seqtrack.core.domain.InvalidConfigurationException.class,
                            e -> assertThat(e.field()).isEqualTo("streams.maxInFlight"))
                    .hasMessageContaining("(100), was 1000");
            builder.maxInFlight(100).build().close(); // at the processor's limit: accepted (never started)
        } finally {
            small.close();
        }
    }

    /**
     * The group deleted under a running runner ({@code XGROUP DESTROY}; or Redis restarted without persistence): the
     * runner creates it again from the start of the stream and goes on — what it handled before is a duplicate. It
     * used to log {@code NOGROUP} every {@code pollTimeout} for good and read nothing (review finding).
     */
    @Test
    void aGroupDeletedUnderARunningRunnerIsCreatedAgainAndReadingGoesOn() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(2, 1, 3);
        worker("w1", store, ctx -> { }, b -> b);
        await("the first entries committed", () -> committedCount() == 6 && pendingCount() == 0);
        commands.xgroupDestroy(stream, group);
        add(2, 4, 6);
        awaitDone(2, 6);
        assertThat(events).contains(new StreamsRunnerEvent.GroupRecreated(group));
        assertThat(events).as("the first entries delivered again and answered DUPLICATE")
                .anyMatch(e -> e instanceof StreamsRunnerEvent.Acknowledged a
                        && a.outcome() == io.seqtrack.processor.Outcome.DUPLICATE);
    }

    /**
     * An error that is not Redis's (a mapper that throws an {@code Error}: a bug) stops the poll thread — retrying would
     * meet it again — and says so: {@code failure()} names it, as the Kafka runner's does. The thread used to end
     * without a word, nothing more read and nothing reported (review finding). The entry stays pending for a peer.
     */
    @Test
    void anErrorThatIsNotRedissStopsTheRunnerAndFailureSaysWhy() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(1, 1, 1);
        Worker w1 = worker("w1", store, ctx -> { }, b -> b.mapper(entry -> {
            throw new AssertionError("a mapper bug");
        }));
        await("the runner stopped", () -> w1.runner().failure().isPresent());
        assertThat(w1.runner().failure().get()).isInstanceOf(AssertionError.class).hasMessage("a mapper bug");
        assertThat(pendingCount()).as("the entry stays pending for a peer").isEqualTo(1);
    }

    /**
     * Copies of entries (a producer that resent) and a second consumer group replaying the whole stream on the same
     * store: every copy is a duplicate to the store, acknowledged as {@code DUPLICATE} without reaching a handler.
     */
    @Test
    void producerCopiesAndASecondGroupAreDuplicatesThatNeverReachAHandler() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(3, 1, 6);
        List<String> originals;
        synchronized (added) {
            originals = List.copyOf(added.keySet());
        }
        for (String id : originals.subList(0, 9)) {
            String event = added.get(id);
            String[] parts = event.split("#");
            String copy = commands.xadd(stream, Map.of("domain", DOMAIN, "aggregateId", parts[0], "sequence", parts[1],
                    "payload", event + " (copy)"));
            added.put(copy, event);
        }
        worker("w1", store, ctx -> { }, b -> b);
        awaitDone(3, 6);
        String replay = group + "-replay";
        Worker second = worker("w2", store, ctx -> { }, b -> b.group(replay));
        await("the second group acknowledged every entry", () -> commands.xpending(stream, replay).getCount() == 0
                && history.count(e -> e.type() == 'A' && e.worker().equals("w2")) == added.size());
        assertThat(history.entries()).as("the second group's entries are all duplicates")
                .filteredOn(e -> e.worker().equals("w2") && e.type() == 'A')
                .allMatch(e -> e.detail().equals("DUPLICATE"));
        assertThat(history.count(e -> e.type() == 'A' && e.worker().equals("w1") && "DUPLICATE".equals(e.detail())))
                .as("the nine copies").isEqualTo(9);
        assertThat(history.count(e -> e.type() == 'S' && e.worker().equals("w2"))).as("no handler run in w2").isZero();
        second.close();
        open.remove(second);
        assertHistory(3, 6, Map.of(), Set.of());
    }

    /**
     * A producer that wrote one aggregate's events out of order (#3 first, alone, then #1, #4, #2, #6, #5): #3 waits in
     * the (in-memory) buffer and its entry stays pending meanwhile — it is acknowledged only once committed — and
     * everything ends committed once, in order.
     */
    @Test
    void anAggregateWrittenOutOfOrderIsPutBackInOrderAndAcknowledgedOnlyWhenCommitted() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        appendA0(3);
        worker("w1", store, ctx -> { }, b -> b);
        await("#3 buffered", () -> history.count(e -> e.type() == 'B') > 0);
        assertThat(pendingIds()).as("#3's entry pending while its event waits in the buffer").contains(idOf("a0#3"));
        for (long seq : new long[] {1, 4, 2, 6, 5}) {
            appendA0(seq);
        }
        awaitDone(1, 6);
    }

    private void appendA0(long seq) {
        String id = commands.xadd(stream, Map.of("domain", DOMAIN, "aggregateId", "a0", "sequence", Long.toString(seq),
                "payload", "a0#" + seq));
        added.put(id, "a0#" + seq);
    }

    /** A third consumer joins the group while entries are in flight: every event still committed once, in order. */
    @Test
    void aThirdConsumerJoiningUnderLoadChangesNothingButWhoReads() throws Exception {
        SequenceStore store = InMemorySequenceStore.create();
        add(10, 1, 10);
        worker("w1", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(500)).claimInterval(Duration.ofMillis(50)));
        worker("w2", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(500)).claimInterval(Duration.ofMillis(50)));
        await("some events committed", () -> committedCount() >= 20);
        worker("w3", store, ctx -> { }, b -> b.claimIdle(Duration.ofMillis(500)).claimInterval(Duration.ofMillis(50)));
        add(10, 11, 30);
        awaitDone(10, 30);
    }

    // ------------------------------------------------------------------ helpers

    private Worker worker(String name, SequenceStore store, TopologyRun.Hook hook,
            UnaryOperator<StreamsConsumerRunner.Builder> customizer) {
        return worker(name, store, hook, customizer, loop -> { });
    }

    /** {@link #worker(String, SequenceStore, TopologyRun.Hook, UnaryOperator)}, {@code beforeStart} given the loop. */
    private Worker worker(String name, SequenceStore store, TopologyRun.Hook hook,
            UnaryOperator<StreamsConsumerRunner.Builder> customizer,
            java.util.function.Consumer<StreamsLoop> beforeStart) {
        EventProcessor processor = TopologyRun.processor(name, store, history, committed, hook);
        lastStore = store;
        StreamsLoop runner = (StreamsLoop) customizer.apply(StreamsConsumerRunner.builder().redisUri(redis.uri())
                .stream(stream).group(group).consumer(name).processor(processor).pollTimeout(Duration.ofMillis(50))
                .listener(events::add).listener(e -> RunCheck.record(history, name, e))).build();
        beforeStart.accept(runner);
        runner.start();
        Worker worker = new Worker(processor, runner);
        open.add(worker);
        return worker;
    }

    /**
     * Appends the entry {@code doomed#1} first, before anything else, and leaves it as consumers that stopped while
     * holding it would: read by one ({@code XREADGROUP}, creating the group) and claimed until the group counts
     * {@code deliveries} deliveries ({@code XCLAIM … RETRYCOUNT}).
     */
    private String heldByConsumersThatStopped(int deliveries) {
        String doomed = commands.xadd(stream, Map.of("domain", DOMAIN, "aggregateId", "doomed", "sequence", "1"));
        commands.xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), group);
        commands.xreadgroup(io.lettuce.core.Consumer.from(group, "crashed"), io.lettuce.core.XReadArgs.Builder.count(1),
                io.lettuce.core.XReadArgs.StreamOffset.lastConsumed(stream));
        commands.xclaim(stream, io.lettuce.core.Consumer.from(group, "crashed"),
                io.lettuce.core.XClaimArgs.Builder.minIdleTime(0).retryCount(deliveries), doomed);
        return doomed;
    }

    /** Adds {@code from..to} of {@code aggregates} aggregates, sequence by sequence. */
    private void add(int aggregates, long from, long to) {
        for (long seq = from; seq <= to; seq++) {
            for (int a = 0; a < aggregates; a++) {
                String id = commands.xadd(stream, Map.of("domain", DOMAIN, "aggregateId", "a" + a,
                        "sequence", Long.toString(seq), "payload", "a" + a + "#" + seq));
                added.put(id, "a" + a + "#" + seq);
            }
        }
    }

    /** Every aggregate's commits are exactly 1..events, in that order; nothing is pending; the history checks out. */
    private void awaitDone(int aggregates, long events) throws InterruptedException {
        awaitDone(aggregates, events, Set.of());
    }

    private void awaitDone(int aggregates, long events, Set<String> expectedRejected) throws InterruptedException {
        await("every event committed and every entry acknowledged", () -> committedCount() >= (long) aggregates * events
                && pendingCount() == 0);
        for (int a = 0; a < aggregates; a++) {
            List<Long> expected = new ArrayList<>();
            for (long seq = 1; seq <= events; seq++) {
                expected.add(seq);
            }
            // each exactly once; the order is RunCheck's to judge (below): with several workers, their listeners
            // append commits made one after the other by different processors in whichever order the threads run
            assertThat(committed.get(DOMAIN + "/a" + a)).as("commits of a%d", a)
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
        assertHistory(aggregates, events, Map.of(), expectedRejected);
    }

    /** {@link RunCheck} over the history: once per committed outcome, in order, acknowledged only when safe. */
    private void assertHistory(int aggregates, long events, Map<String, Long> parked, Set<String> expectedRejected) {
        Map<String, Long> perAggregate = new LinkedHashMap<>();
        for (int a = 0; a < aggregates; a++) {
            perAggregate.put("a" + a, events);
        }
        Map<String, String> appended;
        synchronized (added) {
            appended = Map.copyOf(added);
        }
        List<String> violations = RunCheck.violations(new RunCheck.Plan(DOMAIN, stream, appended, perAggregate, parked,
                expectedRejected), history.entries(), lastStore);
        assertThat(violations).as("violations in a history of %d records", history.entries().size()).isEmpty();
    }

    /** The entry id of the (first) entry appended for {@code event} ({@code aggregate#seq}). */
    private String idOf(String event) {
        synchronized (added) {
            return added.entrySet().stream().filter(e -> e.getValue().equals(event)).map(Map.Entry::getKey)
                    .findFirst().orElseThrow();
        }
    }

    private long committedCount() {
        return committed.entrySet().stream().filter(e -> !e.getKey().endsWith("/doomed"))
                .mapToLong(e -> e.getValue().size()).sum();
    }

    private long pendingCount() {
        return commands.xpending(stream, group).getCount();
    }

    private Set<String> pendingIds() {
        Set<String> ids = new HashSet<>();
        commands.xpending(stream, group, Range.create("-", "+"), Limit.from(100_000)).forEach(p -> ids.add(p.getId()));
        return ids;
    }

    /** The group's last delivered entry id ({@code XINFO GROUPS}). */
    private String lastDeliveredId() {
        for (Object info : commands.xinfoGroups(stream)) {
            List<?> fields = (List<?>) info;
            if (group.equals(String.valueOf(fields.get(fields.indexOf("name") + 1)))) {
                return String.valueOf(fields.get(fields.indexOf("last-delivered-id") + 1));
            }
        }
        throw new AssertionError("no group " + group + " on " + stream);
    }

    private static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int byTime = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return byTime != 0 ? byTime : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    /** Blocks until {@code condition} holds, re-checking every 20 ms; bounded so that a stuck run fails. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DONE.toNanos();
        Object monitor = new Object();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DONE + " waiting for " + what);
            }
            synchronized (monitor) {
                monitor.wait(20);
            }
        }
    }

    /** A store that fails closed for the aggregates {@code failingFor} names (by {@code domain/id}). */
    private static SequenceStore failing(AtomicReference<Predicate<String>> failingFor, SequenceStore delegate) {
        return StoreFaults.failing(delegate, (method, args) -> fails(failingFor.get(), args),
                "store unreachable (injected)");
    }

    /** Whether a store call concerns an aggregate the predicate fails (keys directly or inside batch requests). */
    private static boolean fails(Predicate<String> failing, Object[] args) {
        if (args == null) {
            return false;
        }
        for (Object arg : args) {
            if (arg instanceof AggregateKey key && failing.test(key.toString())) {
                return true;
            }
            if (arg instanceof List<?> list) {
                for (Object request : list) {
                    if (request != null && failing.test(keyOf(request))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String keyOf(Object request) {
        try {
            return request.getClass().getMethod("key").invoke(request).toString();
        } catch (ReflectiveOperationException e) {
            return "";
        }
    }
}
