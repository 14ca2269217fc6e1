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
import java.util.concurrent.atomic.AtomicInteger;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Auto-batching of single calls, counted with Redis {@code MONITOR}. The flusher is a hand-cranked executor here, so
 * the test decides when the queue is drained: every call is queued first, then one drain sends them.
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

    @Test
    void concurrentCallsGoOutAsBatchesInTheOrderTheyWereIssued() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank); RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            List<CompletableFuture<AdvanceResult>> results = new ArrayList<>();
            // 200 aggregates × 10 events, each aggregate's events issued in order without waiting for an answer
            for (long seq = 1; seq <= 10; seq++) {
                for (int a = 0; a < 200; a++) {
                    results.add(store.advanceAsync(AggregateKey.of("user_account", "a" + a), seq, STRICT)
                            .toCompletableFuture());
                }
            }
            monitor.sync();
            monitor.clear();
            crank.crank();
            monitor.sync();
            assertThat(results).allSatisfy(r -> assertThat(r.join().verdict()).isEqualTo(Verdict.IN_ORDER));
            long scriptCalls = monitor.clientCommands().stream().filter(l -> l.contains("\"EVALSHA\"")
                    || l.contains("\"evalsha\"")).count();
            assertThat(scriptCalls).as("2 000 calls in batches of at most 64").isEqualTo((2000 + 63) / 64);
        }
    }

    @Test
    void callsOfDifferentKindsKeepTheirOrder() {
        Crank crank = new Crank();
        try (RedisSequenceStore store = store(64, crank)) {
            AggregateKey key = AggregateKey.of("user_account", "kinds");
            CompletionStage<AdvanceResult> first = store.advanceAsync(key, 1, STRICT);
            CompletionStage<ClaimResult> second = store.claimAsync(key, 2, STRICT, "w1", Duration.ofSeconds(30));
            crank.crank();
            assertThat(first.toCompletableFuture().join().verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(second.toCompletableFuture().join().status())
                    .as("the claim of #2 was applied after the advance to #1").isEqualTo(ClaimStatus.CLAIMED);
        }
    }

    @Test
    void aLoneCallGoesOutAtOnceWithoutATimer() {
        try (RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("auto-lone").autoBatch(64).build())) {
            assertThat(store.advance(AggregateKey.of("user_account", "lone"), 1, STRICT).verdict())
                    .isEqualTo(Verdict.IN_ORDER);
        }
    }

    @Test
    void callsStillQueuedWhenTheStoreClosesFailAsNotSent() {
        Crank crank = new Crank();
        CompletableFuture<AdvanceResult> queued;
        AggregateKey key = AggregateKey.of("user_account", "closed");
        try (RedisSequenceStore store = store(64, crank)) {
            queued = store.advanceAsync(key, 1, STRICT).toCompletableFuture();
        }
        assertThatThrownBy(queued::join).hasCauseInstanceOf(SequenceStoreException.class)
                .hasMessageContaining("not sent");
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
