package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.redis.testsupport.RedisMonitor;
import io.seqtrack.redis.testsupport.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Auto-batching of single calls, counted with Redis {@code MONITOR}. The flusher is a hand-cranked executor here, so
 * the test decides when the queue is drained. A call made while nothing is in flight is sent at once, as a single
 * call; the tests that want calls to queue first stop Redis (SIGSTOP) so that the first call stays in flight.
 */
class RedisAutoBatchTest {

    private static RedisProcess redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    /** Holds the flusher's task until {@link #crank()}. */
    private static final class Crank implements Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        void crank() {
            Runnable task;
            while ((task = next()) != null) {
                task.run();
            }
        }

        private synchronized Runnable next() {
            return tasks.poll();
        }

        synchronized boolean idle() {
            return tasks.isEmpty();
        }

        /** Cranks until every future is done (a drain is handed over only once the call in flight answered). */
        void crankUntilDone(List<? extends CompletableFuture<?>> futures) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (!futures.stream().allMatch(CompletableFuture::isDone)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("calls still unanswered after 20 s");
                }
                crank();
                Thread.onSpinWait();
            }
        }
    }

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static RedisSequenceStore store(int maxBatch, Executor flusher) {
        return RedisSequenceStore.createWithFlusher(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("auto" + PREFIXES.incrementAndGet()).autoBatch(maxBatch).build(), flusher);
    }

    /**
     * Review finding (invariant 12): a call the batcher queued (because another call was in flight) has not taken its
     * place on its aggregate yet, so a later call on the same aggregate that bypasses the batcher — a read, a renew, a
     * release, a skip, a reset — is sent and applied before it. Here an advance to 1 is issued, then a read of the same
     * aggregate; the read is answered first and does not see the advance that was issued before it.
     */
    @Test
    void aCallThatBypassesTheBatcherIsAppliedAfterAQueuedCallIssuedBeforeIt() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank)) {
            AggregateKey other = AggregateKey.of("user_account", "busy");
            AggregateKey key = AggregateKey.of("user_account", "ordered");
            store.advance(AggregateKey.of("user_account", "warm"), 1, STRICT); // scripts loaded
            CompletableFuture<AdvanceResult> inFlight;
            CompletableFuture<AdvanceResult> advance;
            CompletableFuture<io.seqtrack.core.port.out.AggregateState> read;
            redis.pause(); // the first call stays in flight, so the advance on key queues behind it
            try {
                inFlight = store.advanceAsync(other, 1, STRICT).toCompletableFuture();
                advance = store.advanceAsync(key, 1, STRICT).toCompletableFuture(); // issued first
                read = store.readAsync(key).toCompletableFuture(); // issued second
            } finally {
                redis.resume();
            }
            crank.crankUntilDone(List.of(inFlight, advance, read));
            assertThat(advance.join().verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(read.join().lastCommitted()).as("a read issued after the advance sees it").isEqualTo(1);
        }
    }

    /**
     * A call issued from outside the batcher between two queued calls on one aggregate splits the batch there: the
     * read sees the advance issued before it and not the one issued after it, although both advances were queued
     * together and would otherwise have gone out as one batch call ahead of the read.
     */
    @Test
    void aCallIssuedBetweenTwoQueuedCallsOnOneAggregateIsAppliedBetweenThem() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank); RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            AggregateKey other = AggregateKey.of("user_account", "busy");
            AggregateKey key = AggregateKey.of("user_account", "split");
            AggregateKey third = AggregateKey.of("user_account", "behind");
            store.advance(AggregateKey.of("user_account", "warm"), 1, STRICT);
            List<CompletableFuture<AdvanceResult>> advances = new ArrayList<>();
            CompletableFuture<io.seqtrack.core.port.out.AggregateState> read;
            redis.pause();
            try {
                advances.add(store.advanceAsync(other, 1, STRICT).toCompletableFuture()); // in flight
                advances.add(store.advanceAsync(key, 1, STRICT).toCompletableFuture()); // queued
                read = store.readAsync(key).toCompletableFuture(); // from outside, between the two
                advances.add(store.advanceAsync(key, 2, STRICT).toCompletableFuture()); // queued
                advances.add(store.advanceAsync(third, 1, STRICT).toCompletableFuture()); // queued, behind it
            } finally {
                redis.resume();
            }
            List<CompletableFuture<?>> all = new ArrayList<>(advances);
            all.add(read);
            crank.crankUntilDone(all);
            assertThat(advances).allSatisfy(a -> assertThat(a.join().verdict()).isEqualTo(Verdict.IN_ORDER));
            assertThat(read.join().lastCommitted()).as("the read is applied between the two advances").isEqualTo(1);
            assertThat(store.read(key).lastCommitted()).isEqualTo(2);
            assertThat(store.read(third).lastCommitted()).isEqualTo(1);
        }
    }

    /**
     * Liveness of the places taken at issue: threads issuing batched calls and outside reads on the same few aggregates
     * at once never leave a call waiting for a place behind it (a queued call whose place was taken after a later
     * queued call's would wait for it forever), and every aggregate ends at the number of advances issued on it.
     */
    @Test
    void threadsMixingBatchedAndOutsideCallsOnSharedAggregatesAllGetAnswers() throws Exception {
        try (RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("auto" + PREFIXES.incrementAndGet()).autoBatch(16).build())) {
            List<AggregateKey> keys = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                keys.add(AggregateKey.of("user_account", "shared-" + k));
            }
            int threads = 4;
            int perThread = 500;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            List<java.util.concurrent.Future<List<CompletableFuture<?>>>> issued = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                issued.add(pool.submit(() -> {
                    List<CompletableFuture<?>> futures = new ArrayList<>();
                    java.util.Random random = new java.util.Random(thread);
                    for (int i = 0; i < perThread; i++) {
                        AggregateKey key = keys.get(random.nextInt(keys.size()));
                        futures.add(random.nextInt(4) == 0 ? store.readAsync(key).toCompletableFuture()
                                : store.advanceAsync(key, 1L + thread * 1_000_000L + i,
                                        io.seqtrack.core.domain.TrackingMode.MONOTONIC).toCompletableFuture());
                    }
                    return futures;
                }));
            }
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (var f : issued) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            pool.shutdown();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (AggregateKey key : keys) {
                assertThat(store.read(key).lastCommitted()).isGreaterThan(0);
            }
        }
    }

    /**
     * Review finding (no deadlock, claimed by 61acc0b): an outside batch (a lane's {@code claimAll}) takes its places on
     * its aggregates one by one under the store's {@code reservations} lock, while a queued call takes its place under
     * the auto-batcher's own {@code enqueue} lock — so single calls can take places in the middle of the batch's
     * reservation. A call issued on the batch's first aggregate after the batch reserved it (sent directly: it waits
     * for the batch and keeps the batcher busy), and one issued on the batch's last aggregate before the batch reached
     * it (queued behind the first: the batch waits for it), make a cycle: batch → queued call → busy batcher → direct
     * call → batch. Only the batch's timeout ends it: the batch fails as "outcome unknown" though nothing was wrong.
     * The batch is large so that its reservation loop is still running when the single calls are issued; the test
     * watches the per-aggregate places (reflection) to issue them right after the batch reserved its first aggregate.
     */
    @Test
    void singleCallsIssuedWhileAnOutsideBatchTakesItsPlacesDoNotDeadlockWithIt() throws Exception {
        try (RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("auto" + PREFIXES.incrementAndGet()).autoBatch(16)
                .commandTimeout(Duration.ofSeconds(1)).build())) {
            store.advance(AggregateKey.of("user_account", "warm"), 1, STRICT); // scripts loaded
            AggregateKey first = AggregateKey.of("user_account", "batch-first");
            AggregateKey last = AggregateKey.of("user_account", "batch-last");
            List<io.seqtrack.core.port.out.ClaimRequest> requests = new ArrayList<>();
            requests.add(new io.seqtrack.core.port.out.ClaimRequest(first, 1, STRICT, "lane", Duration.ofSeconds(30)));
            for (int i = 0; i < 20_000; i++) {
                requests.add(new io.seqtrack.core.port.out.ClaimRequest(AggregateKey.of("user_account", "filler-" + i),
                        1, STRICT, "lane", Duration.ofSeconds(30)));
            }
            requests.add(new io.seqtrack.core.port.out.ClaimRequest(last, 1, STRICT, "lane", Duration.ofSeconds(30)));
            java.util.Map<?, ?> places = places(store);
            java.util.concurrent.ExecutorService lane = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                CompletableFuture<List<ClaimResult>> batch = CompletableFuture.supplyAsync(() -> store.claimAll(requests),
                        lane);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!places.containsKey(first)) { // the batch has taken its place on its first aggregate
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the batch never took its places");
                    }
                    Thread.onSpinWait();
                }
                CompletableFuture<AdvanceResult> afterBatch = store.advanceAsync(first, 5,
                        io.seqtrack.core.domain.TrackingMode.MONOTONIC).toCompletableFuture();
                CompletableFuture<AdvanceResult> beforeBatch = store.advanceAsync(last, 5,
                        io.seqtrack.core.domain.TrackingMode.MONOTONIC).toCompletableFuture();
                List<ClaimResult> claimed = batch.get(30, TimeUnit.SECONDS); // fails (timeout) before the fix
                assertThat(claimed).hasSize(requests.size());
                assertThat(afterBatch.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.IN_ORDER);
                assertThat(beforeBatch.get(30, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.IN_ORDER);
            } finally {
                lane.shutdownNow();
            }
        }
    }

    /** The per-aggregate places of the store's script calls (PerKeyOrder.tails): an aggregate is there while a call
     * on it is unanswered. */
    private static java.util.Map<?, ?> places(RedisSequenceStore store) throws ReflectiveOperationException {
        java.lang.reflect.Field calls = RedisSequenceStore.class.getDeclaredField("calls");
        calls.setAccessible(true);
        java.lang.reflect.Field order = ScriptCalls.class.getDeclaredField("order");
        order.setAccessible(true);
        java.lang.reflect.Field tails = PerKeyOrder.class.getDeclaredField("tails");
        tails.setAccessible(true);
        return (java.util.Map<?, ?>) tails.get(order.get(calls.get(store)));
    }

    @Test
    void concurrentCallsGoOutAsBatchesInTheOrderTheyWereIssued() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank); RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            store.advance(AggregateKey.of("user_account", "warm"), 1, STRICT); // scripts loaded
            monitor.sync();
            monitor.clear();
            List<CompletableFuture<AdvanceResult>> results = new ArrayList<>();
            redis.pause(); // the first call stays in flight, so the others queue behind it
            try {
                // 200 aggregates × 10 events, each aggregate's events issued in order without waiting for an answer
                for (long seq = 1; seq <= 10; seq++) {
                    for (int a = 0; a < 200; a++) {
                        results.add(store.advanceAsync(AggregateKey.of("user_account", "a" + a), seq, STRICT)
                                .toCompletableFuture());
                    }
                }
                assertThat(crank.idle()).as("nothing is drained while the first call is in flight").isTrue();
            } finally {
                redis.resume();
            }
            crank.crankUntilDone(results);
            monitor.sync();
            assertThat(results).allSatisfy(r -> assertThat(r.join().verdict()).isEqualTo(Verdict.IN_ORDER));
            List<String> scriptCalls = monitor.clientCommands().stream().filter(l -> l.toUpperCase()
                    .contains("\"EVALSHA\"")).toList();
            assertThat(scriptCalls).as("the first call alone, then 1 999 in batches of at most 64")
                    .hasSize(1 + (1999 + 63) / 64);
            assertThat(scriptCalls.get(0)).as("sent as the single advance script")
                    .contains(Script.ADVANCE.sha).doesNotContain(Script.ADVANCE_BATCH.sha);
        }
    }

    @Test
    void callsOfDifferentKindsKeepTheirOrder() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank)) {
            AggregateKey key = AggregateKey.of("user_account", "kinds");
            CompletionStage<AdvanceResult> first = store.advanceAsync(key, 1, STRICT);
            CompletionStage<ClaimResult> second = store.claimAsync(key, 2, STRICT, "w1", Duration.ofSeconds(30));
            crank.crankUntilDone(List.of(first.toCompletableFuture(), second.toCompletableFuture()));
            assertThat(first.toCompletableFuture().join().verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(second.toCompletableFuture().join().status())
                    .as("the claim of #2 was applied after the advance to #1").isEqualTo(ClaimStatus.CLAIMED);
        }
    }

    /**
     * At low load auto-batching costs nothing: a call made while nothing is in flight goes out at once, on the
     * caller's thread, as the single script — no flusher, no timer (the flusher here never runs unless cranked).
     */
    @Test
    void aLoneCallGoesOutAtOnceAsASingleCallWithoutTheFlusher() throws Exception {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank); RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            AggregateKey key = AggregateKey.of("user_account", "lone");
            for (long seq = 1; seq <= 3; seq++) {
                assertThat(store.advanceAsync(key, seq, STRICT).toCompletableFuture().get(10, TimeUnit.SECONDS)
                        .verdict()).isEqualTo(Verdict.IN_ORDER);
            }
            assertThat(store.claim(key, 4, STRICT, "w1", Duration.ofSeconds(30)).status())
                    .isEqualTo(ClaimStatus.CLAIMED);
            assertThat(crank.idle()).as("the flusher was never needed").isTrue();
            monitor.sync();
            assertThat(monitor.clientCommands().stream().filter(l -> l.toUpperCase().contains("\"EVALSHA\"")))
                    .as("single script calls, none of the batch scripts").hasSize(4)
                    .noneMatch(l -> l.contains(Script.ADVANCE_BATCH.sha) || l.contains(Script.CLAIM_BATCH.sha));
        }
    }

    @Test
    void callsStillQueuedWhenTheStoreClosesFailAsNotSent() {
        Crank crank = new Crank();
        CompletableFuture<AdvanceResult> queued;
        AggregateKey key = AggregateKey.of("user_account", "closed");
        RedisSequenceStore store = store(64, crank);
        redis.pause(); // the first call stays in flight, so the second queues behind it
        try {
            store.advanceAsync(AggregateKey.of("user_account", "in-flight"), 1, STRICT);
            queued = store.advanceAsync(key, 1, STRICT).toCompletableFuture();
            store.close();
        } finally {
            redis.resume();
        }
        assertThatThrownBy(queued::join).hasCauseInstanceOf(SequenceStoreException.class)
                .hasMessageContaining("was not sent").hasMessageContaining("nothing was read or written")
                .hasMessageNotContaining("outcome unknown");
        crank.crank(); // the flusher's late drain finds nothing to send
        try (RedisSequenceStore reader = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("auto" + PREFIXES.get()).build())) {
            assertThat(reader.read(key).lastCommitted()).as("nothing was advanced").isZero();
        }
    }

    @Test
    void invalidArgumentsAreRefusedAtOnceAndNothingIsQueued() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank)) {
            CompletableFuture<AdvanceResult> refused = store.advanceAsync(AggregateKey.of("user_account", "bad"), 0,
                    STRICT).toCompletableFuture();
            assertThat(refused).as("failed at once, before any flush").isCompletedExceptionally();
            assertThatThrownBy(refused::join).hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(crank.tasks).isEmpty();
        }
    }

    @Test
    void theBatchSizeIsBounded() {
        assertThatThrownBy(() -> RedisStoreConfig.builder().autoBatch(-1))
                .hasMessageContaining("redis.autoBatch");
        assertThatThrownBy(() -> RedisStoreConfig.builder().autoBatch(5000))
                .hasMessageContaining("redis.autoBatch");
    }
}
