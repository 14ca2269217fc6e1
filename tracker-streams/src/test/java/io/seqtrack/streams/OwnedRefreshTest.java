package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The owner-checked refresh script against a real {@code redis-server}: of the ids asked for, only the one still
 * pending at this consumer is refreshed; the one a peer took over and the one acknowledged are reported, untouched.
 * {@link StreamsClusterTest} runs the same check on a Cluster.
 */
@Timeout(60)
class OwnedRefreshTest {

    private static RedisProcess redis;
    private static RedisClient client;
    private static RedisCommands<String, String> commands;
    /** The runner's codec (values as bytes), as the runner calls the script. */
    private static RedisCommands<String, byte[]> scripting;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
        client = RedisClient.create(redis.uri());
        commands = client.connect().sync();
        scripting = client.connect(StreamsCodec.INSTANCE).sync();
    }

    @AfterAll
    static void stopRedis() {
        client.shutdown();
        redis.close();
    }

    /** After {@code SCRIPT FLUSH} the call falls back to {@code EVAL}, which caches the script again. */
    @Test
    void onlyEntriesStillPendingAtThisConsumerAreRefreshedTheOthersAreReported() {
        checkOwnedRefresh(commands, scripting, "owned-refresh-1");
        assertThat(commands.scriptExists(OwnedRefresh.SHA)).as("cached again by the EVAL fallback").containsExactly(true);
        // and now through EVALSHA
        checkOwnedRefresh(commands, scripting, "owned-refresh-2");
    }

    /**
     * Three entries delivered to {@code me}: one stays there (made to look idle for an hour), one a peer takes over,
     * one is acknowledged. The script cache is flushed first. One call with the three ids: the first is refreshed — its
     * idle time reset, its delivery count unchanged ({@code JUSTID}) — the second reported with its owner and left to
     * it, the third reported as no longer pending. The script runs through {@code scripting}, a connection with the
     * runner's codec ({@link StreamsCodec}: arguments and replies as bytes).
     */
    static void checkOwnedRefresh(RedisClusterCommands<String, String> redis,
            io.lettuce.core.api.sync.RedisScriptingCommands<String, byte[]> scripting, String stream) {
        String group = stream + "-group";
        redis.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
        String mine = redis.xadd(stream, Map.of("n", "1"));
        String peers = redis.xadd(stream, Map.of("n", "2"));
        String acked = redis.xadd(stream, Map.of("n", "3"));
        redis.xreadgroup(Consumer.from(group, "me"), XReadArgs.Builder.count(3),
                XReadArgs.StreamOffset.lastConsumed(stream));
        redis.xclaim(stream, Consumer.from(group, "me"), XClaimArgs.Builder.justid().minIdleTime(0)
                .idle(Duration.ofHours(1)), mine);
        redis.xclaim(stream, Consumer.from(group, "peer"), XClaimArgs.Builder.minIdleTime(0)
                .idle(Duration.ofHours(1)), peers);
        redis.xack(stream, group, acked);
        redis.scriptFlush();

        OwnedRefresh.Result result = OwnedRefresh.run(scripting, stream, group, "me", new String[] {mine, peers, acked});

        assertThat(result.refreshed()).isEqualTo(1);
        assertThat(result.takenOver()).containsExactly(entry(peers, "peer"));
        assertThat(result.notPending()).containsExactly(acked);
        PendingMessage refreshed = pending(redis, stream, group, mine);
        assertThat(refreshed.getConsumer()).isEqualTo("me");
        assertThat(refreshed.getSinceLastDelivery()).as("idle time reset").isLessThan(Duration.ofHours(1));
        assertThat(refreshed.getRedeliveryCount()).as("no delivery counted").isEqualTo(1);
        PendingMessage left = pending(redis, stream, group, peers);
        assertThat(left.getConsumer()).as("left to the peer").isEqualTo("peer");
        assertThat(left.getSinceLastDelivery()).as("not refreshed").isGreaterThanOrEqualTo(Duration.ofHours(1));
        assertThat(left.getRedeliveryCount()).isEqualTo(2);
        assertThat(redis.xpending(stream, group).getCount()).isEqualTo(2);
    }

    private static PendingMessage pending(RedisClusterCommands<String, String> redis, String stream, String group,
            String id) {
        return redis.xpending(stream, group, Range.create(id, id), Limit.from(1)).get(0);
    }
}
