package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The takeover's claim script against a real {@code redis-server}: of the ids a scan found idle, only the one still
 * pending and idle is claimed, the one the stream no longer holds is reported and dropped from the pending list, and
 * the ones a peer took over or acknowledged meanwhile — or that are not idle — are left alone and not reported.
 * {@link StreamsClusterTest} runs the same check on a Cluster.
 */
@Timeout(60)
class IdleClaimTest {

    private static RedisProcess redis;
    private static RedisClient client;
    private static RedisCommands<String, String> commands;
    /** The runner's codec ({@link StreamsCodec}: values as bytes), as the runner calls the script. */
    private static RedisCommands<String, byte[]> bytes;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
        client = RedisClient.create(redis.uri());
        commands = client.connect().sync();
        bytes = client.connect(StreamsCodec.INSTANCE).sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    /** After {@code SCRIPT FLUSH} the call falls back to {@code EVAL}, which caches the script again. */
    @Test
    void onlyEntriesStillIdleAreClaimedAndOnlyEntriesGoneAreReported() {
        checkIdleClaim(commands, bytes, "idle-claim-1");
        assertThat(commands.scriptExists(IdleClaim.SCRIPT.sha())).as("cached again by the EVAL fallback")
                .containsExactly(true);
        checkIdleClaim(commands, bytes, "idle-claim-2"); // and now through EVALSHA
    }

    /**
     * Five entries delivered to {@code dead}, the script cache flushed, then one call for all five with a claimIdle of
     * a minute: {@code idle} (idle for an hour) is claimed, with its body, its owner and its delivery count before the
     * claim; {@code trimmed} (idle, then deleted) is reported with its owner and dropped from the pending list;
     * {@code raced} (a peer took it over), {@code acked} (acknowledged) and {@code fresh} (not idle) are left as they
     * are and not reported. The script runs through {@code bytes}, a connection with the runner's codec: the claimed
     * body is the bytes stored, a binary value and a field name that is not UTF-8 (0xff) included.
     */
    static void checkIdleClaim(RedisClusterCommands<String, String> redis, RedisClusterCommands<String, byte[]> bytes,
            String stream) {
        String group = stream + "-group";
        redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
        byte[] binary = {(byte) 0xff, 0x00, (byte) 0xc3};
        String idle = bytes.xadd(stream, new java.util.LinkedHashMap<>(Map.of("n\udcff", binary))); // name n 0xff
        String raced = redis.xadd(stream, Map.of("n", "2"));
        String acked = redis.xadd(stream, Map.of("n", "3"));
        String trimmed = redis.xadd(stream, Map.of("n", "4"));
        String fresh = redis.xadd(stream, Map.of("n", "5"));
        redis.xreadgroup(Consumer.from(group, "dead"), XReadArgs.Builder.count(5),
                XReadArgs.StreamOffset.lastConsumed(stream));
        redis.xclaim(stream, Consumer.from(group, "dead"), XClaimArgs.Builder.justid().minIdleTime(0)
                .idle(Duration.ofHours(1)), idle, raced, acked, trimmed);
        redis.xclaim(stream, Consumer.from(group, "peer"), XClaimArgs.Builder.minIdleTime(0), raced);
        redis.xack(stream, group, acked);
        redis.xdel(stream, trimmed);
        redis.scriptFlush();

        IdleClaim.Result result = IdleClaim.run(bytes, stream, group, "me", Duration.ofMinutes(1).toMillis(),
                List.of(idle, raced, acked, trimmed, fresh));

        assertThat(result.claimed()).singleElement().satisfies(c -> {
            assertThat(c.entry().getId()).isEqualTo(idle);
            assertThat(c.entry().getStream()).isEqualTo(stream);
            assertThat(c.entry().getBody()).containsOnlyKeys("n\udcff");
            assertThat(c.entry().getBody().get("n\udcff")).isEqualTo(binary);
            assertThat(new StreamRejection(c.entry(), "r", StreamRejection.Kind.UNMAPPABLE).originalFields().keySet())
                    .singleElement().satisfies(k -> assertThat(k).isEqualTo(new byte[] {'n', (byte) 0xff}));
            assertThat(c.from()).isEqualTo("dead");
            assertThat(c.deliveries()).isEqualTo(1);
        });
        assertThat(result.trimmed()).containsExactly(new IdleClaim.Trimmed(trimmed, "dead", 1));
        PendingMessage claimed = pending(redis, stream, group, idle);
        assertThat(claimed.getConsumer()).isEqualTo("me");
        assertThat(claimed.getRedeliveryCount()).as("the claim counted a delivery").isEqualTo(2);
        assertThat(pending(redis, stream, group, raced).getConsumer()).as("left to the peer").isEqualTo("peer");
        assertThat(pending(redis, stream, group, fresh).getConsumer()).as("not idle: left").isEqualTo("dead");
        assertThat(redis.xpending(stream, group, Range.create("-", "+"), Limit.from(10)))
                .extracting(PendingMessage::getId).as("the trimmed entry dropped, the acknowledged one not back")
                .containsExactly(idle, raced, fresh);
    }

    private static PendingMessage pending(RedisClusterCommands<String, String> redis, String stream, String group,
            String id) {
        return redis.xpending(stream, group, Range.create(id, id), Limit.from(1)).get(0);
    }
}
