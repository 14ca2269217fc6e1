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
 * The store contract with auto-batching on: every single call — sync or async — goes through the batcher's queue and
 * out as (part of) a batch call, and must answer exactly as the single call would.
 */
class RedisAutoBatchStoreTest extends SequenceStoreContract {

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
        RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("tck-auto" + PREFIXES.incrementAndGet()).autoBatch(64).build());
        stores.add(store);
        return store;
    }

    @Override
    protected void advanceStoreClock(Duration duration) {
        stores.forEach(s -> s.shiftServerClock(duration));
    }
}
