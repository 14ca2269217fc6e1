package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.ScanArgs;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code tracker simulate --source streams} against a real {@code redis-server} the test starts. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulateStreamsTest {

    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void theSyntheticStreamThroughARedisStreamPassesTheSameVerification_andTheStreamIsGoneAfterwards() {
        Result result = simulate("--source", "streams", "--streams-uri", redis.uri(), "--aggregates", "100",
                "--events-per-aggregate", "20", "--gap-timeout", "100ms");

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.out).contains("events through Redis stream seqtrack-simulate-");
        assertThat(result.out.strip()).endsWith("verification: PASSED");
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> left = c.sync().scan(ScanArgs.Builder.matches("seqtrack-simulate-*").limit(1000)).getKeys();
            assertThat(left).as("the run's stream and group are deleted").isEmpty();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aStreamTheUserNamesIsUsedAndDeletedAfterwards() {
        Result result = simulate("--source", "streams", "--streams-uri", redis.uri(), "--stream", "my-sim-events",
                "--aggregates", "20", "--events-per-aggregate", "10", "--gap-timeout", "100ms");

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.out).contains("events through Redis stream my-sim-events on ");
        assertThat(result.out.strip()).endsWith("verification: PASSED");
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().exists("my-sim-events")).as("deleted afterwards").isZero();
        } finally {
            client.shutdown();
        }
    }

    /** A name that exists already (the user's own stream) is refused, and the stream is left exactly as it was. */
    @Test
    void anExistingStreamIsRefusedAndLeftUntouched() {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String id = c.sync().xadd("users-own-stream", java.util.Map.of("keep", "me"));

            Result result = simulate("--source", "streams", "--streams-uri", redis.uri(), "--stream",
                    "users-own-stream", "--aggregates", "5", "--events-per-aggregate", "5");

            assertThat(result.exitCode).as(result.toString()).isEqualTo(1);
            assertThat(result.err).contains("stream users-own-stream already exists");
            assertThat(c.sync().xrange("users-own-stream", io.lettuce.core.Range.create("-", "+")))
                    .singleElement().satisfies(m -> {
                        assertThat(m.getId()).isEqualTo(id);
                        assertThat(m.getBody()).isEqualTo(java.util.Map.of("keep", "me"));
                    });
            assertThat(c.sync().xinfoGroups("users-own-stream")).as("no group created on it").isEmpty();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aStreamNameWithoutStreamsSourceOrBlankIsABadUsage() {
        Result without = simulate("--stream", "s");
        assertThat(without.exitCode).isEqualTo(2);
        assertThat(without.err).contains("--stream is only used with --source streams");

        Result blank = simulate("--source", "streams", "--streams-uri", redis.uri(), "--stream", " ");
        assertThat(blank.exitCode).isEqualTo(2);
        assertThat(blank.err).contains("--stream must be a non-blank name");
    }

    @Test
    void streamsWithoutAUriIsABadUsageNamingTheOption() {
        Result result = simulate("--source", "streams");

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.err).contains("--source streams needs --streams-uri");
    }

    @Test
    void aStreamsUriWithoutStreamsSourceIsABadUsage() {
        Result result = simulate("--streams-uri", redis.uri());

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.err).contains("--streams-uri is only used with --source streams");
    }

    @Test
    void streamsClusterWithoutStreamsSourceOrWithASentinelUriIsABadUsage() {
        Result without = simulate("--streams-cluster");
        assertThat(without.exitCode).isEqualTo(2);
        assertThat(without.err).contains("--streams-cluster is only used with --source streams");

        Result sentinel = simulate("--source", "streams", "--streams-uri", "redis-sentinel://127.0.0.1:26379#mymaster",
                "--streams-cluster");
        assertThat(sentinel.exitCode).isEqualTo(2);
        assertThat(sentinel.err).contains("cannot be combined with Cluster seeds");

        Result two = simulate("--source", "streams", "--streams-uri", "redis-sentinel://127.0.0.1:26379#mymaster",
                "--streams-uri", redis.uri());
        assertThat(two.exitCode).isEqualTo(2);
        assertThat(two.err).contains("cannot be combined with Cluster seeds");
    }

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n" + out + "\n" + err;
        }
    }

    static Result simulate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = TrackerCli.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
