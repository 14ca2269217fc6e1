package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.redis.testsupport.StandaloneRedis;
import io.seqtrack.tck.EventBufferContract;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The buffer contract against a real standalone Redis — a Testcontainers container where Docker exists, a local
 * redis-server process otherwise — plus what only a durable buffer promises: a processor restart keeps everything,
 * tenants with different prefixes do not see each other, the sequence store's keys are untouched.
 */
class RedisEventBufferTest extends EventBufferContract {

    private static StandaloneRedis redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @BeforeAll
    static void startRedis() {
        redis = StandaloneRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisStoreConfig config(String prefix) {
        return RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).build();
    }

    @Override
    protected EventBuffer createBuffer() {
        return RedisEventBuffer.create(config("buf" + PREFIXES.incrementAndGet()));
    }

    @Test
    void processorRestart_bufferedAndParkedSurviveANewBufferOnTheSameServer() {
        RedisStoreConfig config = config("restart" + PREFIXES.incrementAndGet());
        AggregateKey a = AggregateKey.of("user_account", "u-1");
        AggregateKey b = AggregateKey.of("company", "{c}:1");
        BufferedEvent early = new BufferedEvent(3, "e-3", "Renamed", new byte[] {0, 1, (byte) 0xff}, Instant.EPOCH);
        ParkedEvent dead = new ParkedEvent(new BufferedEvent(2, "e-2", "Created", new byte[0], Instant.EPOCH),
                "handler failed 5 times", Instant.parse("2026-01-01T00:00:00Z"));
        try (RedisEventBuffer before = RedisEventBuffer.create(config)) {
            assertThat(before.add(a, early, 10)).isEqualTo(BufferResult.ADDED);
            before.add(b, early, 10);
            before.park(a, dead);
        }
        try (RedisEventBuffer after = RedisEventBuffer.create(config)) {
            assertThat(after.aggregatesWithPending()).containsExactlyInAnyOrder(a, b);
            assertThat(after.parkedAggregates()).containsExactly(a);
            assertThat(after.pending(a)).containsExactly(early);
            assertThat(after.parked(a)).containsExactly(dead);
            assertThat(after.pendingCount()).isEqualTo(2);
            assertThat(after.add(a, early, 10)).as("still known after the restart")
                    .isEqualTo(BufferResult.ALREADY_BUFFERED);
        }
    }

    @Test
    void twoBuffersOnOneServer_seeEachOthersChangesAtOnce() {
        RedisStoreConfig config = config("shared" + PREFIXES.incrementAndGet());
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        try (RedisEventBuffer one = RedisEventBuffer.create(config);
                RedisEventBuffer two = RedisEventBuffer.create(config)) {
            assertThat(one.add(k, event(5), 1)).isEqualTo(BufferResult.ADDED);
            assertThat(two.add(k, event(5), 1)).isEqualTo(BufferResult.ALREADY_BUFFERED);
            assertThat(two.add(k, event(6), 1)).isEqualTo(BufferResult.FULL);
            assertThat(two.removePending(k, 5)).isTrue();
            assertThat(one.pending(k)).isEmpty();
        }
    }

    @Test
    void prefixesSeparateTenants_evenWhenOnePrefixStartsWithTheOther() {
        int n = PREFIXES.incrementAndGet();
        AggregateKey k = AggregateKey.of("d", "x}:pi");
        try (RedisEventBuffer outer = RedisEventBuffer.create(config("t" + n));
                RedisEventBuffer inner = RedisEventBuffer.create(config("t" + n + ":pi"))) {
            inner.add(k, event(2), 10);
            inner.park(k, parkedEvent(3));
            assertThat(outer.aggregatesWithPending()).isEmpty();
            assertThat(outer.parkedAggregates()).isEmpty();
            assertThat(outer.pendingCount()).isZero();
            assertThat(outer.pending(k)).isEmpty();
            assertThat(inner.aggregatesWithPending()).containsExactly(k);
            assertThat(inner.pendingCount()).isEqualTo(1);
        }
    }

    @Test
    void bufferAndSequenceStoreShareAPrefixWithoutTouchingEachOther() {
        RedisStoreConfig config = config("together" + PREFIXES.incrementAndGet());
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        try (RedisSequenceStore store = RedisSequenceStore.create(config);
                RedisEventBuffer buffer = RedisEventBuffer.create(config)) {
            store.advance(k, 1, TrackingMode.STRICT);
            buffer.add(k, event(3), 10);
            buffer.park(k, parkedEvent(4));
            buffer.removePending(k, 3);
            buffer.removeParked(k, 4);
            assertThat(store.read(k).lastCommitted()).isEqualTo(1);
            assertThat(store.delete(k)).isTrue();
            buffer.add(k, event(3), 10);
            assertThat(buffer.pending(k)).containsExactly(event(3));
        }
    }

    @Test
    void aBorrowedClientIsSharedWithTheStoreAndLeftOpen() {
        RedisStoreConfig config = config("borrowed" + PREFIXES.incrementAndGet());
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        RedisClient client = RedisClient.create();
        try {
            try (RedisSequenceStore store = RedisSequenceStore.create(config, client);
                    RedisEventBuffer buffer = RedisEventBuffer.create(config, client)) {
                store.advance(k, 1, TrackingMode.STRICT);
                buffer.add(k, event(3), 10);
            }
            try (RedisEventBuffer again = RedisEventBuffer.create(config, client)) {
                assertThat(again.pending(k)).as("the client survived closing the first buffer")
                        .containsExactly(event(3));
            }
            RedisClusterClient wrongKind = RedisClusterClient.create(redis.uri());
            try {
                assertThatThrownBy(() -> RedisEventBuffer.create(config, wrongKind))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RedisClient");
            } finally {
                wrongKind.shutdown();
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void emptiedAggregatesLeaveNoKeysBehind() {
        String prefix = "clean" + PREFIXES.incrementAndGet();
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        try (RedisEventBuffer buffer = RedisEventBuffer.create(config(prefix))) {
            buffer.add(k, event(2), 10);
            buffer.add(k, event(3), 10);
            buffer.park(k, parkedEvent(3));
            buffer.removePending(k, 2);
            buffer.removeParked(k, 3);
            assertThat(keys(prefix + ":*")).as("only the layout record stays")
                    .containsExactly((prefix + ":layout").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void undecodableValuesAreReportedAsCorruptedNeverGuessed() {
        String prefix = "corrupt" + PREFIXES.incrementAndGet();
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        try (RedisEventBuffer buffer = RedisEventBuffer.create(config(prefix))) {
            buffer.add(k, event(2), 10);
            byte[] pendingKey = new KeyLayout(prefix, 65_536).bufferKeys(k)[KeyLayout.PENDING];
            withConnection(c -> c.sync().zadd(pendingKey, 0, "zzzz-not-a-member".getBytes(StandardCharsets.UTF_8)));
            assertThatThrownBy(() -> buffer.pending(k)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("corrupted state for user_account/u-1");
        }
    }

    @Test
    void closedThroughThePortType_theBufferReleasesItsClientAndThenFailsClosed() {
        AggregateKey k = AggregateKey.of("user_account", "u-1");
        EventBuffer port = RedisEventBuffer.create(config("closed" + PREFIXES.incrementAndGet()));
        try (EventBuffer buffer = port) { // EventBuffer is AutoCloseable, like SequenceStore
            assertThat(buffer.add(k, event(2), 10)).isEqualTo(BufferResult.ADDED);
        }
        assertThatThrownBy(() -> port.pending(k)).as("a closed buffer never answers \"nothing pending\"")
                .isInstanceOf(SequenceStoreException.class);
    }

    private static List<byte[]> keys(String pattern) {
        AtomicReference<List<byte[]>> found = new AtomicReference<>();
        withConnection(c -> found.set(c.sync().keys(pattern)));
        return found.get();
    }

    private static void withConnection(Consumer<StatefulRedisConnection<byte[], byte[]>> action) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            action.accept(c);
        } finally {
            client.shutdown();
        }
    }
}
