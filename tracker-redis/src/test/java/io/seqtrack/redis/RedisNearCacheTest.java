package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The duplicate fast path: the whole contract still holds with it on, a duplicate is answered with Redis frozen, and a
 * stale cache never turns a new event into a duplicate after reset or delete — in this process or another.
 * Near-cache time is virtual: a shared manual ticker, advanced by the reset/delete wait.
 */
class RedisNearCacheTest extends SequenceStoreContract {

    private static final Duration FRESHNESS = Duration.ofSeconds(1);
    private static RedisProcess redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final List<RedisSequenceStore> stores = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected SequenceStore createStore() {
        return nearCached("tck" + PREFIXES.incrementAndGet(), true);
    }

    /** A store with the near cache on; {@code settle=false} skips the reset/delete wait (the negative control). */
    private RedisSequenceStore nearCached(String prefix, boolean settle) {
        RedisStoreConfig config = RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix)
                .commandTimeout(Duration.ofMillis(500)).nearCache(10_000, FRESHNESS).build();
        // virtual time: a wait moves the near caches' clock and the server's (the contract's reset/delete waits)
        RedisSequenceStore store = RedisSequenceStore.create(config, ticker, d -> {
            if (settle) {
                nanos.addAndGet(d.toNanos());
                sleepOnStoreClock(d);
            }
        });
        stores.add(store);
        return store;
    }

    @Override
    protected void advanceStoreClock(Duration duration) {
        stores.forEach(s -> s.shiftServerClock(duration));
    }

    @Test
    void duplicateIsAnsweredWithoutARoundTrip() {
        AggregateKey key = key("fast-path");
        for (long seq = 1; seq <= 5; seq++) {
            store.advance(key, seq, STRICT);
        }
        redis.pause();
        try {
            assertThat(store.advance(key, 3, STRICT)).as("answered with Redis frozen").isEqualTo(AdvanceResult.duplicate(5));
            assertThat(store.claim(key, 5, STRICT, "w1", LEASE)).isEqualTo(ClaimResult.duplicate(5));
            assertThatThrownBy(() -> store.advance(key, 6, STRICT))
                    .as("an event that may be new always asks Redis").isInstanceOf(SequenceStoreException.class);
        } finally {
            redis.resume();
        }
        nanos.addAndGet(FRESHNESS.toNanos());
        assertThat(io.seqtrack.redis.testsupport.Eventually.answered(() -> store.advance(key, 6, STRICT)).verdict())
                .isIn(Verdict.IN_ORDER, Verdict.DUPLICATE); // the frozen attempt may have landed after SIGCONT
    }

    @Test
    void staleCacheNeverTurnsANewEventIntoADuplicateAfterResetOrDeleteInThisProcess() {
        AggregateKey key = key("local-reset");
        for (long seq = 1; seq <= 10; seq++) {
            store.advance(key, seq, STRICT);
        }
        store.reset(key, 3);
        assertThat(store.advance(key, 4, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        store.delete(key);
        assertThat(store.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
    }

    @Test
    void staleCacheNeverTurnsANewEventIntoADuplicateAfterAnotherProcessResets() {
        String prefix = "shared" + PREFIXES.incrementAndGet();
        RedisSequenceStore worker = nearCached(prefix, true);
        RedisSequenceStore operator = nearCached(prefix, true);
        AggregateKey key = key("remote-reset");
        for (long seq = 1; seq <= 10; seq++) {
            worker.advance(key, seq, STRICT);
        }
        operator.reset(key, 3); // returns only after the worker's cached value went stale
        assertThat(worker.advance(key, 4, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        operator.delete(key);
        assertThat(worker.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
    }

    /** Negative control: without the wait, the other process would still answer from its stale cache. */
    @Test
    void withoutTheResetWaitAnotherProcessWouldAnswerFromItsStaleCache() {
        String prefix = "unsettled" + PREFIXES.incrementAndGet();
        RedisSequenceStore worker = nearCached(prefix, true);
        RedisSequenceStore hastyOperator = nearCached(prefix, false);
        AggregateKey key = key("unsettled");
        for (long seq = 1; seq <= 10; seq++) {
            worker.advance(key, seq, STRICT);
        }
        hastyOperator.reset(key, 3);
        assertThat(worker.advance(key, 4, STRICT).verdict()).isEqualTo(Verdict.DUPLICATE);
    }

    /**
     * Issue 11, #3 / invariant 10: the operator's client has no near cache (the default, and what {@code tracker reset}
     * uses) and a shorter-lived view of the world than the worker's. Its reset must still wait until the worker's
     * cached value is stale, because the worker registered its freshness in the layout record.
     */
    @Test
    void aResetByAClientWithoutANearCacheWaitsForTheLongestRegisteredFreshness() {
        String prefix = "plain-operator" + PREFIXES.incrementAndGet();
        RedisSequenceStore worker = nearCached(prefix, true);
        List<Duration> waited = new CopyOnWriteArrayList<>();
        RedisSequenceStore operator = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix(prefix).commandTimeout(Duration.ofMillis(500)).build(), ticker, d -> {
                    waited.add(d);
                    nanos.addAndGet(d.toNanos());
                });
        stores.add(operator);
        AggregateKey key = key("plain-reset");
        for (long seq = 1; seq <= 10; seq++) {
            worker.advance(key, seq, STRICT);
        }
        operator.reset(key, 3);
        assertThat(waited).as("the operator waited for the worker's freshness").containsExactly(FRESHNESS);
        assertThat(worker.advance(key, 4, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        operator.delete(key);
        assertThat(worker.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);

        // a longer freshness registered later wins; a shorter one never lowers it
        RedisSequenceStore slowWorker = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix(prefix).nearCache(100, Duration.ofSeconds(7)).build(), ticker, d -> nanos.addAndGet(d.toNanos()));
        stores.add(slowWorker);
        stores.add(nearCached(prefix, true));
        waited.clear();
        operator.reset(key, 0);
        assertThat(waited).containsExactly(Duration.ofSeconds(7));
    }
}
