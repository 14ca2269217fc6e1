package io.seqtrack.redis;

import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.redis.testsupport.StandaloneRedis;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The adapter contract against a real standalone Redis — a Testcontainers container where Docker exists, a local
 * redis-server process otherwise. Each store gets its own key prefix on the shared server.
 */
class RedisStandaloneStoreTest extends SequenceStoreContract {

    private static StandaloneRedis redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private final List<RedisSequenceStore> stores = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = StandaloneRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected SequenceStore createStore() {
        RedisSequenceStore store = RedisSequenceStore.create(configure(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("tck" + PREFIXES.incrementAndGet())).build(),
                com.github.benmanes.caffeine.cache.Ticker.systemTicker(), this::sleepOnStoreClock);
        stores.add(store);
        return store;
    }

    /** What a subclass changes in the configuration of every store it tests (here nothing). */
    protected RedisStoreConfig.Builder configure(RedisStoreConfig.Builder builder) {
        return builder;
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
}
