package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.redis.testsupport.Eventually;
import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.redis.testsupport.RedisSentinelProcesses;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The adapter contract behind Sentinel (a master, a replica, three sentinels on loopback), then a Sentinel failover:
 * the master is killed, the replica promoted, and no commit acknowledged under WAIT 1 is lost. The failover runs last.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
class RedisSentinelStoreTest extends SequenceStoreContract {

    private static RedisSentinelProcesses sentinel;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private final List<RedisSequenceStore> stores = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startSentinel() {
        sentinel = RedisSentinelProcesses.start();
    }

    @AfterAll
    static void stopSentinel() {
        sentinel.close();
    }

    @Override
    protected SequenceStore createStore() {
        RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(sentinel.uri())
                .keyPrefix("tck" + PREFIXES.incrementAndGet()).build(),
                com.github.benmanes.caffeine.cache.Ticker.systemTicker(), this::sleepOnStoreClock);
        stores.add(store);
        return store;
    }

    /** A buffer of the store's own key space: the claims and the buffer reads run in one script call. */
    @Override
    protected io.seqtrack.core.port.out.EventBuffer createBufferFor(SequenceStore store) {
        return RedisEventBuffer.create(((RedisSequenceStore) store).config());
    }

    @Override
    protected void advanceStoreClock(Duration duration) {
        stores.forEach(s -> s.shiftServerClock(duration));
    }

    @Test
    @Timeout(120)
    void zz_sentinelFailoverLosesNoCommitAcknowledgedUnderWait() {
        AggregateKey key = AggregateKey.of("user_account", "sentinel-failover");
        RedisStoreConfig config = RedisStoreConfig.builder().uri(sentinel.uri()).keyPrefix("failover")
                .commandTimeout(Duration.ofSeconds(1)).waitForReplicas(1, Duration.ofSeconds(2)).build();
        try (RedisSequenceStore store = RedisSequenceStore.create(config)) {
            for (long seq = 1; seq <= 100; seq++) {
                ClaimResult claim = store.claim(key, seq, STRICT, "w1", Duration.ofSeconds(30));
                assertThat(store.commit(key, seq, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);
            }
            RedisProcess oldMaster = sentinel.master();
            oldMaster.kill();
            sentinel.awaitFailover(oldMaster, Duration.ofSeconds(60));
        }
        try (RedisSequenceStore afterFailover = RedisSequenceStore.create(config.toBuilder()
                .waitForReplicas(0, Duration.ofSeconds(1)).build())) {
            assertThat(Eventually.answered(() -> afterFailover.read(key)).lastCommitted())
                    .as("the promoted replica holds every acknowledged commit").isEqualTo(100);
            assertThat(Eventually.answered(() -> afterFailover.advance(key, 101, STRICT)).lastCommitted()).isEqualTo(101);
        }
    }
}
