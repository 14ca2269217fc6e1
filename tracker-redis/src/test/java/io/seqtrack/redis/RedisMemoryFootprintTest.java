package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bytes per tracked aggregate at rest, from {@code INFO memory} ({@code used_memory} before and after), for seqtrack's
 * bucketed layout and for the two plain layouts it replaces, measured in the same run on the same server. Every fill is
 * read back afterwards (each aggregate's {@code last}, and its fence after claim + commit; each plain key), so a
 * layout that wrote less than it claims cannot pass by being small.
 *
 * <p>20 000 aggregates, with the bucket count scaled so that a bucket holds as many aggregates as the default 65 536
 * buckets do at 1 000 000 (~15): the per-aggregate cost of a listpack bucket depends on that density, not on the total.
 * The million-aggregate figures in docs/operations.md come from {@code MemoryFootprintBenchmark} in
 * tracker-benchmarks. {@code -Dseqtrack.memory.aggregates=N} runs this test at another size (same density).
 */
@Timeout(300)
class RedisMemoryFootprintTest {

    private static final int AGGREGATES = Integer.getInteger("seqtrack.memory.aggregates", 20_000);
    /** The density of the default 65 536 buckets at 1 000 000 aggregates. */
    private static final int BUCKETS = (int) Math.max(1, AGGREGATES * 65_536L / 1_000_000);
    private static final int BATCH = 2_000;
    private static final long LAST = 17;

    @Test
    void restingStateCostsAtMostFiftyBytesPerAggregate() throws Exception {
        List<String> ids = uuids(AGGREGATES);
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> raw = client.connect()) {
                RedisAsyncCommands<String, String> commands = raw.async();

                double plainString = measure(redis, () -> pipelined(raw, ids,
                        id -> commands.set("seqtrack:user_account:" + id, Long.toString(LAST)), "OK"));
                assertThat(dbSize(redis)).as("one string key per aggregate").isEqualTo(AGGREGATES);
                double smallHash = measure(redis, () -> pipelined(raw, ids,
                        id -> commands.hset("seqtrack:user_account:" + id, "last", Long.toString(LAST)), true));
                assertThat(dbSize(redis)).as("one hash per aggregate").isEqualTo(AGGREGATES);

                RedisStoreConfig config = RedisStoreConfig.builder().uri(redis.uri()).buckets(BUCKETS).build();
                try (RedisSequenceStore store = RedisSequenceStore.create(config)) {
                    double advanced = measure(redis, () -> advanceAll(store, ids, TrackingMode.MONOTONIC, LAST));
                    assertEveryAggregateReads(store, ids, LAST, false);

                    double claimed = measure(redis, () -> claimAndCommitAll(store, ids));
                    assertEveryAggregateReads(store, ids, 1, true);

                    List<String> nonUuid = new ArrayList<>();
                    ids.forEach(id -> nonUuid.add(id.toUpperCase()));
                    double upperCaseIds = measure(redis, () -> advanceAll(store, nonUuid, TrackingMode.STRICT, 1));
                    assertEveryAggregateReads(store, nonUuid, 1, false);

                    System.out.printf("%n[memory] %,d aggregates in %,d buckets, 36-character UUID ids, Redis %s%n",
                            AGGREGATES, BUCKETS, redis.cli("INFO", "server").lines()
                                    .filter(l -> l.startsWith("redis_version")).findFirst().orElse("?"));
                    System.out.printf("[memory] plain string key per aggregate (SET)          %6.1f B%n", plainString);
                    System.out.printf("[memory] small hash per aggregate (HSET)               %6.1f B%n", smallHash);
                    System.out.printf("[memory] seqtrack, advance only (last)                 %6.1f B%n", advanced);
                    System.out.printf("[memory] seqtrack, claim+commit (last:fence)           %6.1f B%n", claimed);
                    System.out.printf("[memory] seqtrack, upper-case ids (not packed as UUID) %6.1f B%n", upperCaseIds);

                    assertThat(advanced).as("bytes per aggregate at rest").isLessThanOrEqualTo(50.0);
                    assertThat(claimed).as("bytes per aggregate at rest after claim+commit").isLessThanOrEqualTo(50.0);
                    assertThat(advanced).isLessThan(plainString).isLessThan(smallHash);
                }
            } finally {
                client.shutdown();
            }
        }
    }

    private static List<String> uuids(int n) {
        Random random = new Random(20261127L);
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        return ids;
    }

    /** used_memory after minus before, per aggregate; the server is flushed first. */
    private static double measure(RedisProcess redis, ThrowingRunnable fill) throws Exception {
        redis.cli("FLUSHALL");
        long before = usedMemory(redis);
        fill.run();
        long after = usedMemory(redis);
        return (after - before) / (double) AGGREGATES;
    }

    private static long usedMemory(RedisProcess redis) {
        return redis.cli("INFO", "memory").lines().filter(l -> l.startsWith("used_memory:"))
                .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst().orElseThrow();
    }

    private static long dbSize(RedisProcess redis) {
        return Long.parseLong(redis.cli("DBSIZE").trim());
    }

    /** Sends one command per id in pipelined batches and requires every reply to be {@code expectedReply}. */
    private static void pipelined(StatefulRedisConnection<String, String> connection, List<String> ids,
            java.util.function.Function<String, RedisFuture<?>> command, Object expectedReply) throws Exception {
        for (int from = 0; from < ids.size(); from += BATCH) {
            connection.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                futures.add(command.apply(id));
            }
            connection.flushCommands();
            connection.setAutoFlushCommands(true);
            for (RedisFuture<?> f : futures) {
                assertThat((Object) f.get(30, TimeUnit.SECONDS)).isEqualTo(expectedReply);
            }
        }
    }

    private static void advanceAll(RedisSequenceStore store, List<String> ids, TrackingMode mode, long seq) {
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<AdvanceRequest> batch = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                batch.add(new AdvanceRequest(AggregateKey.of("user_account", id), seq, mode));
            }
            assertThat(store.advanceAll(batch)).extracting(AdvanceResult::verdict).containsOnly(Verdict.IN_ORDER);
        }
    }

    private static void claimAndCommitAll(RedisSequenceStore store, List<String> ids) {
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<ClaimRequest> claims = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                claims.add(new ClaimRequest(AggregateKey.of("user_account", id), 1, TrackingMode.STRICT, "worker-1",
                        Duration.ofSeconds(30)));
            }
            List<ClaimResult> results = store.claimAll(claims);
            assertThat(results).extracting(ClaimResult::status).containsOnly(ClaimStatus.CLAIMED);
            List<CommitRequest> commits = new ArrayList<>();
            for (int i = 0; i < claims.size(); i++) {
                commits.add(new CommitRequest(claims.get(i).key(), 1, results.get(i).fencingToken()));
            }
            assertThat(store.commitAll(commits)).containsOnly(CommitResult.COMMITTED);
        }
    }

    /** Reads every aggregate back (after the measurement): what the fill claims to have written is there. */
    private static void assertEveryAggregateReads(RedisSequenceStore store, List<String> ids, long last,
            boolean fenced) {
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<CompletableFuture<AggregateState>> reads = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                reads.add(store.readAsync(AggregateKey.of("user_account", id)).toCompletableFuture());
            }
            for (CompletableFuture<AggregateState> read : reads) {
                AggregateState state = read.join();
                assertThat(state.lastCommitted()).isEqualTo(last);
                assertThat(state.claim()).isEmpty();
                if (fenced) {
                    assertThat(state.fencingToken()).as("the fence is kept at rest").isPositive();
                } else {
                    assertThat(state.fencingToken()).as("an advanced-only aggregate stores just last").isZero();
                }
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
