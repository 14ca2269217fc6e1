package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.seqtrack.cli.SimulateStreamsTest.Result;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.redis.testsupport.RedisSentinelProcesses;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code tracker simulate --source streams} on a Redis Cluster (the seeds as repeated {@code --streams-uri}, or one
 * seed and {@code --streams-cluster}) and through Sentinel ({@code --streams-uri redis-sentinel://…#mymaster}), on real
 * servers the test starts. The gap timeout is 2 s, not the 100 ms of {@link SimulateStreamsTest}: with a Cluster or a
 * Sentinel group running on the test's two cores, a reordered event once arrived more than 100 ms after its
 * predecessor's gap opened, was skipped, and the verification rightly failed — timing, not the adapter.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SimulateStreamsTopologiesTest {

    @Test
    void theSyntheticStreamThroughARedisClusterPassesTheSameVerification() {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
            List<String> args = new ArrayList<>(List.of("--source", "streams", "--stream", "sim-on-cluster",
                    "--aggregates", "50", "--events-per-aggregate", "20", "--gap-timeout", "2s"));
            for (String uri : cluster.uris()) {
                args.addAll(List.of("--streams-uri", uri));
            }
            Result seeds = SimulateStreamsTest.simulate(args.toArray(String[]::new));
            assertThat(seeds.exitCode()).as(seeds.toString()).isZero();
            assertThat(seeds.out()).contains("events through Redis stream sim-on-cluster on Redis Cluster ");
            assertThat(seeds.out().strip()).endsWith("verification: PASSED");

            Result oneSeed = SimulateStreamsTest.simulate("--source", "streams", "--streams-uri",
                    cluster.uris().get(0), "--streams-cluster", "--stream", "sim-on-cluster-2", "--aggregates", "20",
                    "--events-per-aggregate", "10", "--gap-timeout", "2s");
            assertThat(oneSeed.exitCode()).as(oneSeed.toString()).isZero();
            assertThat(oneSeed.out().strip()).endsWith("verification: PASSED");

            RedisClusterClient client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create)
                    .toList());
            try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
                assertThat(c.sync().exists("sim-on-cluster", "sim-on-cluster-2")).as("deleted afterwards").isZero();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void theSyntheticStreamThroughSentinelPassesTheSameVerification() {
        try (RedisSentinelProcesses sentinel = RedisSentinelProcesses.start()) {
            Result result = SimulateStreamsTest.simulate("--source", "streams", "--streams-uri", sentinel.uri(),
                    "--stream", "sim-via-sentinel", "--aggregates", "50", "--events-per-aggregate", "20",
                    "--gap-timeout", "2s");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).contains("events through Redis stream sim-via-sentinel on master "
                    + RedisSentinelProcesses.MASTER_NAME + " of sentinels 127.0.0.1:");
            assertThat(result.out().strip()).endsWith("verification: PASSED");
            assertThat(sentinel.master().cli("EXISTS", "sim-via-sentinel").trim()).as("deleted afterwards")
                    .isEqualTo("0");
        }
    }
}
