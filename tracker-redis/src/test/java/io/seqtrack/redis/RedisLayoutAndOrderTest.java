package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariants 11 and 12 on a real server: the layout is recorded and checked on connect (issue 11, #4), and calls on
 * one aggregate are applied in the order issued while the script cache is flushed under them (issue 11, #5).
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
     * {@code advanceAsync(k, 1)} then {@code advanceAsync(k, 2)}, both in flight, while the script cache is flushed over
     * and over and reloaded by another client: before the per-aggregate order, #2's EVALSHA could run (script reloaded by
     * another call's EVAL) before #1's EVAL fallback — 166 of 20 000 pairs answered GAP then DUPLICATE.
     */
    @Test
    void asyncCallsOnOneAggregateStayInOrderWhileTheScriptCacheIsFlushed() throws Exception {
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
                    flushes.incrementAndGet();
                }
            }
        }, "script-flusher");
        int pairs = 4_000;
        List<CompletableFuture<AdvanceResult>> firsts = new ArrayList<>();
        List<CompletableFuture<AdvanceResult>> seconds = new ArrayList<>();
        try (RedisSequenceStore store = RedisSequenceStore.create(config(prefix).build())) {
            flusher.start();
            for (int i = 0; i < pairs; i++) {
                AggregateKey k = AggregateKey.of("user_account", "pair-" + i);
                firsts.add(store.advanceAsync(k, 1, STRICT).toCompletableFuture());
                seconds.add(store.advanceAsync(k, 2, STRICT).toCompletableFuture());
            }
            CompletableFuture.allOf(seconds.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            flushing.set(false);
            flusher.join();
            client.shutdown();
        }
        assertThat(flushes.get()).as("the cache was flushed while the calls ran").isGreaterThan(1);
        for (int i = 0; i < pairs; i++) {
            assertThat(firsts.get(i).join()).as("pair %d, #1", i).isEqualTo(AdvanceResult.inOrder(1));
            assertThat(seconds.get(i).join()).as("pair %d, #2", i).isEqualTo(AdvanceResult.inOrder(2));
        }
    }
}
