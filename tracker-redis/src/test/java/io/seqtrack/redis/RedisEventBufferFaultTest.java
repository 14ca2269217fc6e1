package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Faults against a real redis-server process: each test starts (and stops) its own server. */
@Timeout(120)
class RedisEventBufferFaultTest {

    private final AggregateKey key = AggregateKey.of("user_account", "u-1");
    private final BufferedEvent event = new BufferedEvent(3, "e-3", "Renamed", new byte[] {1, 2}, Instant.EPOCH);
    private final ParkedEvent parked = new ParkedEvent(
            new BufferedEvent(2, "e-2", "Created", new byte[] {0}, Instant.EPOCH), "gap timeout", Instant.EPOCH);

    private static RedisEventBuffer buffer(RedisProcess redis, Duration timeout) {
        return RedisEventBuffer.create(RedisStoreConfig.builder().uri(redis.uri()).commandTimeout(timeout).build());
    }

    @Test
    void unreachableRedisFailsClosedAtCreateAndOnEveryOperation() {
        int nothingListens = RedisProcess.freePort();
        assertThatThrownBy(() -> RedisEventBuffer.create(RedisStoreConfig.of("redis://127.0.0.1:" + nothingListens)))
                .isInstanceOf(SequenceStoreException.class)
                .hasMessageContaining("127.0.0.1:" + nothingListens);

        RedisProcess redis = RedisProcess.start();
        try (RedisEventBuffer buffer = buffer(redis, Duration.ofMillis(500))) {
            assertThat(buffer.add(key, event, 10)).isEqualTo(BufferResult.ADDED);
            redis.kill();
            assertThatThrownBy(() -> buffer.add(key, event, 10)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("user_account/u-1").hasMessageContaining("outcome unknown");
            assertThatThrownBy(() -> buffer.pending(key)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("user_account/u-1");
            assertThatThrownBy(() -> buffer.removePending(key, 3)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("user_account/u-1");
            assertThatThrownBy(() -> buffer.park(key, parked)).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("user_account/u-1");
            assertThatThrownBy(() -> buffer.parked(key)).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(() -> buffer.removeParked(key, 2)).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(buffer::aggregatesWithPending).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("aggregatesWithPending");
            assertThatThrownBy(buffer::parkedAggregates).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(buffer::pendingCount).isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("pendingCount");
        } finally {
            redis.close();
        }
    }

    @Test
    void sigstopPastTheCommandTimeoutFailsClosedAndTheRetriedAddIsSafe() {
        try (RedisProcess redis = RedisProcess.start();
                RedisEventBuffer buffer = buffer(redis, Duration.ofMillis(300))) {
            redis.pause();
            try {
                assertThatThrownBy(() -> buffer.add(key, event, 10)).isInstanceOf(SequenceStoreException.class)
                        .hasMessageContaining("outcome unknown");
            } finally {
                redis.resume();
            }
            // the first add may have landed once Redis woke up: the retry must say so, never hold it twice
            assertThat(buffer.add(key, event, 10)).isIn(BufferResult.ADDED, BufferResult.ALREADY_BUFFERED);
            assertThat(buffer.pending(key)).containsExactly(event);
            assertThat(buffer.pendingCount()).isEqualTo(1);
        }
    }

    @Test
    void scriptFlushIsTransparent() {
        try (RedisProcess redis = RedisProcess.start();
                RedisEventBuffer buffer = buffer(redis, Duration.ofSeconds(2))) {
            assertThat(buffer.add(key, event, 10)).isEqualTo(BufferResult.ADDED);
            redis.cli("SCRIPT", "FLUSH");
            buffer.park(key, parked);
            redis.cli("SCRIPT", "FLUSH");
            assertThat(buffer.removePending(key, 3)).isTrue();
            assertThat(buffer.parked(key)).containsExactly(parked);
        }
    }

    /** The ACL of docs/operations.md ("Least privilege" plus the buffer's commands) is enough, and confines. */
    @Test
    void leastPrivilegeAclIsEnoughForTheBufferOnItsPrefixOnly() {
        try (RedisProcess redis = RedisProcess.start()) {
            List<String> acl = new ArrayList<>(RedisSecurityTest.SEQTRACK_ACL);
            acl.addAll(List.of("+zadd", "+zrem", "+zcard", "+zrange", "+zrangebylex", "+exists", "+incr", "+decr",
                    "+del", "+rpush", "+lpos", "+lrange", "+hvals", "+get", "+scan"));
            assertThat(redis.cli(acl.toArray(String[]::new))).isEqualTo("OK");
            String uri = "redis://seqtrack:s3cret-pass@127.0.0.1:" + redis.port();
            try (RedisEventBuffer buffer = RedisEventBuffer.create(RedisStoreConfig.of(uri))) {
                assertThat(buffer.add(key, event, 10)).isEqualTo(BufferResult.ADDED);
                buffer.park(key, parked);
                assertThat(buffer.pending(key)).containsExactly(event);
                assertThat(buffer.parked(key)).containsExactly(parked);
                assertThat(buffer.aggregatesWithPending()).containsExactly(key);
                assertThat(buffer.parkedAggregates()).containsExactly(key);
                assertThat(buffer.pendingCount()).isEqualTo(1);
                assertThat(buffer.removePending(key, 3)).isTrue();
                assertThat(buffer.removeParked(key, 2)).isTrue();
            }
            // another tenant is refused on connect already, when it checks its layout record
            assertThatThrownBy(() -> RedisEventBuffer.create(
                    RedisStoreConfig.builder().uri(uri).keyPrefix("othertenant").build()))
                    .isInstanceOf(SequenceStoreException.class).hasMessageContaining("NOPERM");
        }
    }

    /** A Redis crash and restart with AOF fsync always: everything the buffer reported done is still there. */
    @Test
    void redisRestartWithAofKeepsEverythingBuffered() {
        try (RedisProcess redis = RedisProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
            try (RedisEventBuffer before = buffer(redis, Duration.ofSeconds(2))) {
                before.add(key, event, 10);
                before.park(key, parked);
            }
            redis.kill();
            redis.restart();
            try (RedisEventBuffer after = buffer(redis, Duration.ofSeconds(2))) {
                assertThat(after.pending(key)).containsExactly(event);
                assertThat(after.parked(key)).containsExactly(parked);
                assertThat(after.aggregatesWithPending()).containsExactly(key);
                assertThat(after.parkedAggregates()).containsExactly(key);
                assertThat(after.pendingCount()).isEqualTo(1);
            }
        }
    }
}
