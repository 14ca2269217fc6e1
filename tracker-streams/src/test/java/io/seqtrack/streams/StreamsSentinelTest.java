package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.redis.testsupport.RedisSentinelProcesses;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streams runner through Sentinel — a master, a replica and three sentinels, real processes the test starts — with
 * a {@code redis-sentinel://…#mymaster} URI: Lettuce's {@code RedisClient} asks the sentinels for the master, on the
 * first connect and on every reconnect. A {@code SENTINEL FAILOVER} mid-run (the old master is demoted and its clients
 * disconnected) is followed to the new master. Judged by {@link RunCheck} as the standalone scenarios are.
 */
@Timeout(240)
class StreamsSentinelTest {

    private static RedisSentinelProcesses sentinel;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void startSentinel() {
        sentinel = RedisSentinelProcesses.start();
        client = RedisClient.create(sentinel.uri());
        connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(3));
    }

    @AfterAll
    static void stopSentinel() {
        if (client != null) {
            client.shutdown();
        }
        if (sentinel != null) {
            sentinel.close();
        }
    }

    @Test
    void aRunThroughSentinelFollowsAFailoverAndCommitsEveryEntryOnceInOrder() throws Exception {
        try (TopologyRun run = new TopologyRun("sentinel-events", connection::sync, b -> b.redisUri(sentinel.uri()))) {
            run.add(6, 1, 10);
            RedisProcess old = sentinel.master();
            StreamsClusterTest.awaitReplicasCaughtUp(old);
            run.worker("w1", ctx -> Thread.sleep(30), b -> b.claimIdle(Duration.ofSeconds(1))
                    .claimInterval(Duration.ofMillis(200)).commandTimeout(Duration.ofSeconds(1)));
            TopologyRun.await("some events committed", () -> run.committedCount() >= 15);
            long before = run.committedCount();
            sentinel.failover();
            RedisProcess promoted = sentinel.awaitFailover(old, Duration.ofSeconds(30));
            assertThat(before).as("failed over mid-run").isLessThan(60);
            // Sentinel demotes the old master only some seconds after the promotion (docs/operations.md: two masters
            // for a while); until then clients connected to it — this test's producer and the runner — still write
            // there, and what they wrote is discarded by the resync. Wait for the demotion (which disconnects them),
            // so that the second half is appended to the new master and the runner has to follow it there
            TopologyRun.await("the old master demoted", () -> old.cli("INFO", "replication").contains("role:slave"));
            run.add(6, 11, 20);
            run.awaitDone(6, 20);
            System.out.println(getClass().getSimpleName() + " failover run: " + run.summary());
            assertThat(Long.parseLong(promoted.cli("XLEN", run.stream).trim())).as("the run's stream on the new master")
                    .isGreaterThanOrEqualTo(run.added.size());
            assertThat(sentinel.master()).isSameAs(promoted);
        }
    }
}
