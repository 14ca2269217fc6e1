package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariants 9, 11 and 12 on a real server: the layout is recorded and checked on connect (issue 11, #4), calls on
 * one aggregate are applied in the order issued while the script cache is flushed under them (issue 11, #5), a
 * corrupted fencing floor is never replaced, and renewals wait for replicas — the last four found by an adversarial
 * review of the first fix.
 */
class RedisLayoutAndOrderTest {

    private static RedisProcess redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private final AggregateKey key = AggregateKey.of("user_account", "u-3");

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisStoreConfig.Builder config(String prefix) {
        return RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).commandTimeout(Duration.ofSeconds(5));
    }

    /**
     * Data written with buckets(1024) read by a client with the default bucket count: before the layout record it
     * read last = 0 and answered GAP for #3 — the "unknown read as nothing committed" failure. Now it refuses to
     * start, naming both values, and a client that adopts the recorded layout (the CLI) reads the truth.
     */
    @Test
    void aClientWithAnotherBucketCountIsRefusedAndAnAdoptingClientReadsTheRecordedLayout() {
        String prefix = "layout" + PREFIXES.incrementAndGet();
        try (RedisSequenceStore writer = RedisSequenceStore.create(config(prefix).buckets(1024).build())) {
            writer.advance(key, 1, STRICT);
            writer.advance(key, 2, STRICT);
        }
        assertThatThrownBy(() -> RedisSequenceStore.create(config(prefix).build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("redis.buckets").hasMessageContaining("65536").hasMessageContaining("1024")
                .hasMessageContaining(prefix + ":layout");
        assertThatThrownBy(() -> RedisEventBuffer.create(config(prefix).buckets(7).build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("is 7").hasMessageContaining("buckets(1024)");
        try (RedisSequenceStore adopting = RedisSequenceStore.create(config(prefix).adoptRecordedLayout().build());
                RedisEventBuffer buffer = RedisEventBuffer.create(config(prefix).adoptRecordedLayout().build())) {
            assertThat(adopting.buckets()).isEqualTo(1024);
            assertThat(adopting.read(key).lastCommitted()).isEqualTo(2);
            assertThat(adopting.advance(key, 3, STRICT)).isEqualTo(AdvanceResult.inOrder(3));
            buffer.add(key, new BufferedEvent(5, "e-5", "T", new byte[0], Instant.EPOCH), 10);
        }
        try (RedisEventBuffer sameLayout = RedisEventBuffer.create(config(prefix).buckets(1024).build())) {
            assertThat(sameLayout.pending(key)).extracting(BufferedEvent::sequence).containsExactly(5L);
        }
        assertThat(redis.cli("HGET", prefix + ":layout", "buckets")).isEqualTo("1024");
        assertThat(redis.cli("HGET", prefix + ":layout", "version")).isEqualTo(LayoutRecord.VERSION);
    }

    /** On an empty prefix an adopting client records its configured layout before it writes anything. */
    @Test
    void anAdoptingClientOnAnEmptyPrefixRecordsItsLayoutFirst() {
        String prefix = "adopt-empty" + PREFIXES.incrementAndGet();
        try (RedisSequenceStore adopting = RedisSequenceStore.create(config(prefix).adoptRecordedLayout().build())) {
            assertThat(adopting.buckets()).isEqualTo(65_536);
            adopting.reset(key, 100);
        }
        assertThat(redis.cli("HGET", prefix + ":layout", "buckets")).isEqualTo("65536");
        assertThatThrownBy(() -> RedisSequenceStore.create(config(prefix).buckets(16).build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("buckets(65536)");
    }

    /**
     * Data written before the layout record existed (here: keys under the prefix, no record): an adopting client cannot
     * know its bucket count and refuses, instead of guessing and reading "nothing committed"; a client told the bucket
     * count records it.
     */
    @Test
    void dataWithoutARecordIsRefusedByAnAdoptingClientAndRecordedByOneThatIsTold() {
        String prefix = "legacy" + PREFIXES.incrementAndGet();
        try (RedisSequenceStore writer = RedisSequenceStore.create(config(prefix).buckets(1024).build())) {
            writer.advance(key, 1, STRICT);
        }
        redis.cli("DEL", prefix + ":layout"); // as written by a version without the record
        assertThatThrownBy(() -> RedisSequenceStore.create(config(prefix).adoptRecordedLayout().build()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("redis.layout")
                .hasMessageContaining("holds data").hasMessageContaining("--buckets");
        assertThat(redis.cli("EXISTS", prefix + ":layout")).as("nothing recorded by the refusal").isEqualTo("0");
        try (RedisSequenceStore told = RedisSequenceStore.create(config(prefix).buckets(1024).build())) {
            assertThat(told.read(key).lastCommitted()).isEqualTo(1);
        }
        assertThat(redis.cli("HGET", prefix + ":layout", "buckets")).isEqualTo("1024");
    }

    @Test
    void dataOfAnotherLayoutVersionIsRefusedEvenWhenAdopting() {
        String prefix = "layout-version" + PREFIXES.incrementAndGet();
        redis.cli("HSET", prefix + ":layout", "version", "99", "buckets", "65536", "prefix", prefix);
        assertThatThrownBy(() -> RedisSequenceStore.create(config(prefix).adoptRecordedLayout().build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("layout version 99").hasMessageContaining("version " + LayoutRecord.VERSION);
    }

    /**
     * {@code advanceAsync(k, 1)}, {@code readAsync(k)}, then {@code advanceAsync(k, 2)}, all in flight, while the script
     * cache is flushed over and over and reloaded by another client: before the per-aggregate order, #2's EVALSHA could
     * run (script reloaded by another call's EVAL) before #1's EVAL fallback — 166 of 20 000 pairs answered GAP then
     * DUPLICATE. With auto-batching on, the advances go out in batch calls (their scripts flushed and reloaded too)
     * while the reads bypass the batcher: the read issued between the two must see exactly the first.
     */
    @ParameterizedTest(name = "autoBatch {0}")
    @ValueSource(ints = {0, 64})
    void asyncCallsOnOneAggregateStayInOrderWhileTheScriptCacheIsFlushed(int autoBatch) throws Exception {
        String prefix = "order" + PREFIXES.incrementAndGet();
        AtomicBoolean flushing = new AtomicBoolean(true);
        AtomicInteger flushes = new AtomicInteger();
        RedisClient client = RedisClient.create(redis.uri());
        Thread flusher = new Thread(() -> {
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                while (flushing.get()) {
                    // flushed, then loaded again by "another process": a call that ran in between failed, the
                    // next one on the wire finds the script
                    c.sync().scriptFlush();
                    c.sync().scriptLoad(Script.ADVANCE.body);
                    c.sync().scriptLoad(Script.ADVANCE_BATCH.body);
                    c.sync().scriptLoad(Script.READ.body);
                    flushes.incrementAndGet();
                }
            }
        }, "script-flusher");
        int pairs = 4_000;
        List<CompletableFuture<AdvanceResult>> firsts = new ArrayList<>();
        List<CompletableFuture<io.seqtrack.core.port.out.AggregateState>> between = new ArrayList<>();
        List<CompletableFuture<AdvanceResult>> seconds = new ArrayList<>();
        try (RedisSequenceStore store = RedisSequenceStore.create(config(prefix).autoBatch(autoBatch).build())) {
            flusher.start();
            for (int i = 0; i < pairs; i++) {
                AggregateKey k = AggregateKey.of("user_account", "pair-" + i);
                firsts.add(store.advanceAsync(k, 1, STRICT).toCompletableFuture());
                between.add(store.readAsync(k).toCompletableFuture());
                seconds.add(store.advanceAsync(k, 2, STRICT).toCompletableFuture());
            }
            CompletableFuture.allOf(seconds.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            CompletableFuture.allOf(between.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            flushing.set(false);
            flusher.join();
            client.shutdown();
        }
        assertThat(flushes.get()).as("the cache was flushed while the calls ran").isGreaterThan(1);
        for (int i = 0; i < pairs; i++) {
            assertThat(firsts.get(i).join()).as("pair %d, #1", i).isEqualTo(AdvanceResult.inOrder(1));
            assertThat(between.get(i).join().lastCommitted()).as("pair %d, the read between", i).isEqualTo(1);
            assertThat(seconds.get(i).join()).as("pair %d, #2", i).isEqualTo(AdvanceResult.inOrder(2));
        }
    }

    /**
     * Invariant 11. An adopting client (the CLI: every command adopts) on a prefix with nothing recorded answers NONE,
     * records nothing — and then writes under its own default bucket count anyway. Here the operator seeds an aggregate
     * with {@code tracker reset} before the application ever ran (a migration from the replaced system). The
     * application then starts with buckets(1024): nothing is recorded, so it records 1024, connects fine, and reads the
     * seeded aggregate as "nothing committed" — #5 is answered GAP(0) instead of DUPLICATE(100).
     */
    @Test
    void dataWrittenByAnAdoptingClientOnAnUnrecordedPrefixIsNeverReadAsNothingCommitted() {
        String prefix = "adopt-seeded" + PREFIXES.incrementAndGet();
        try (RedisSequenceStore cli = RedisSequenceStore.create(config(prefix).adoptRecordedLayout().build())) {
            cli.reset(key, 100); // `tracker reset --last 100`
            assertThat(cli.read(key).lastCommitted()).isEqualTo(100);
        }
        RedisSequenceStore app;
        try {
            app = RedisSequenceStore.create(config(prefix).buckets(1024).build());
        } catch (InvalidConfigurationException refused) {
            return; // refusing to start is a correct answer too
        }
        try (app) {
            assertThat(app.advance(key, 5, STRICT)).as("the seeded aggregate, read by the application")
                    .isEqualTo(AdvanceResult.duplicate(100));
        }
    }

    /**
     * Invariant 12. A batch is not registered with PerKeyOrder: it waits for earlier calls (order.idle) but later calls
     * do not wait for it. A batch whose caller stops waiting (interrupted; same for the batch's own deadline while the
     * client's command timeout is longer) throws "outcome unknown" while its script is still on the wire; the next call
     * on the aggregate is sent at once and, when the batch's EVALSHA meets a lost script cache, runs before the batch's
     * EVAL fallback. Here: advanceAll(#1) (interrupted, unknown), then advanceAsync(#2) — #2 is applied first and
     * answered GAP(0), then #1 lands. The singles keep their order in the same situation (await's cancel does not
     * release the tail).
     */
    @Test
    void aCallIssuedAfterAFailedBatchIsAppliedAfterTheBatch() throws Exception {
        String prefix = "batch-order" + PREFIXES.incrementAndGet();
        try (RedisSequenceStore store = RedisSequenceStore.create(config(prefix).build())) {
            store.advance(AggregateKey.of("user_account", "warm-up"), 1, STRICT); // connections up
            redis.cli("SCRIPT", "FLUSH"); // the cache is lost (restart, failover, flush) ...
            redis.cli("SCRIPT", "LOAD", Script.ADVANCE.body); // ... and another client's EVAL re-cached the single
            assertThat(redis.cli("CLIENT", "PAUSE", "1500")).isEqualTo("OK"); // a slow moment of the server
            AtomicReference<Throwable> batchFailure = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    store.advanceAll(List.of(new AdvanceRequest(key, 1, STRICT)));
                } catch (RuntimeException e) {
                    batchFailure.set(e);
                }
            }, "batch-caller");
            caller.start();
            // the batch is on the wire once its caller waits for the answer (the flush happens before that wait)
            long onWire = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (caller.getState() != Thread.State.TIMED_WAITING && caller.getState() != Thread.State.WAITING) {
                assertThat(System.nanoTime()).as("the batch caller waits for its answer").isLessThan(onWire);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            caller.interrupt(); // e.g. an executor shutting down
            caller.join(5_000);
            assertThat(batchFailure.get()).as("the batch answered: outcome unknown")
                    .isInstanceOf(SequenceStoreException.class);
            // issued after the batch returned: must be applied after it
            AdvanceResult second = store.advanceAsync(key, 2, STRICT).toCompletableFuture().get(10, TimeUnit.SECONDS);
            long last = store.read(key).lastCommitted(); // ordered after the batch too
            assertThat(second).as("#2, issued after the batch with #1 returned (final last = %d)", last)
                    .isEqualTo(AdvanceResult.inOrder(2));
        }
    }

    /**
     * Invariant 9. delete.lua reads the bucket's floor with {@code fence_floor(...) or 0}: a floor it cannot interpret is
     * silently replaced by the deleted aggregate's own fence. The floor belongs to every aggregate ever deleted from the
     * bucket, so one delete of an unrelated aggregate restarts the tokens of all of them. Every other script reports the
     * corrupted floor (SEQTRACK_CORRUPT), as the store's "reported, never overwritten" rule says.
     */
    @Test
    void deleteNeverLowersAFloorItCannotRead() {
        String prefix = "floor" + PREFIXES.incrementAndGet();
        AggregateKey a = AggregateKey.of("user_account", "a-1");
        AggregateKey b = AggregateKey.of("user_account", "b-1");
        try (RedisSequenceStore store = RedisSequenceStore.create(config(prefix).buckets(1).build())) {
            store.advance(b, 1, STRICT); // an aggregate of the same bucket, created before any delete (fence 0)
            long token = 0;
            for (int i = 0; i < 5; i++) {
                ClaimResult c = store.claim(a, 1, STRICT, "w1", Duration.ofSeconds(30));
                token = c.fencingToken();
                store.release(a, 1, token);
            }
            ClaimResult last = store.claim(a, 1, STRICT, "w1", Duration.ofSeconds(30));
            long highest = last.fencingToken();
            assertThat(highest).isGreaterThan(5);
            assertThat(store.delete(a)).isTrue();

            String rest = new String(new KeyLayout(prefix, 1).keys(a)[0], StandardCharsets.UTF_8);
            redis.cli("HSET", rest, "", "12x"); // the floor can no longer be read
            assertThatThrownBy(() -> store.claim(AggregateKey.of("user_account", "c-1"), 1, STRICT, "w1",
                    Duration.ofSeconds(30))).as("others report it").isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("fencing floor");

            // an unrelated delete in the same bucket reports the floor too, instead of replacing it with its own fence
            assertThatThrownBy(() -> store.delete(b)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("fencing floor");
            assertThat(redis.cli("HGET", rest, "")).as("the floor is left for an operator to repair").isEqualTo("12x");
            assertThat(store.read(b).lastCommitted()).as("b was not deleted").isEqualTo(1);

            redis.cli("HSET", rest, "", Long.toString(highest)); // the operator restores the floor
            store.delete(b);
            ClaimResult again = store.claim(a, 1, STRICT, "w2", Duration.ofSeconds(30));
            assertThat(again.status()).isEqualTo(ClaimStatus.CLAIMED);
            assertThat(again.fencingToken()).as("a token for a-1 after its delete").isGreaterThan(highest);
        }
    }

    /**
     * WAIT: "with waitForReplicas every write is reported done only once that many replicas acknowledged it" (class
     * javadoc of RedisSequenceStore). claim, commit, release, skip, reset and delete wait; renew does not. With the
     * only replica unable to acknowledge, renew answers RENEWED; after a failover the new master has the old expiry, so
     * another worker claims while the renewed holder still runs its handler "under a valid lease".
     */
    @Test
    void renewIsReportedDoneOnlyOnceTheReplicasAcknowledgedIt() throws Exception {
        String prefix = "renew-wait" + PREFIXES.incrementAndGet();
        try (RedisProcess replica = RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(redis.port()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!replica.cli("INFO", "replication").contains("master_link_status:up")) {
                assertThat(System.nanoTime()).as("replica in sync").isLessThan(deadline);
                Thread.sleep(50);
            }
            try (RedisSequenceStore store = RedisSequenceStore.create(config(prefix)
                    .waitForReplicas(1, Duration.ofMillis(300)).build())) {
                ClaimResult claim = store.claim(key, 1, STRICT, "w1", Duration.ofSeconds(10));
                assertThat(claim.status()).isEqualTo(ClaimStatus.CLAIMED);
                replica.pause(); // the replica cannot acknowledge any more
                try {
                    assertThatThrownBy(() -> store.claim(AggregateKey.of("user_account", "other"), 1, STRICT, "w1",
                            Duration.ofSeconds(10))).as("a claim is not reported done")
                            .isInstanceOf(SequenceStoreException.class);
                    Object renewed;
                    try {
                        renewed = store.renew(key, 1, claim.fencingToken(), Duration.ofSeconds(60));
                    } catch (SequenceStoreException e) {
                        renewed = e;
                    }
                    assertThat(renewed).as("renew while no replica acknowledges")
                            .isInstanceOf(SequenceStoreException.class);
                } finally {
                    replica.resume();
                }
            }
        }
    }
}
