package io.seqtrack.benchmarks;

import io.lettuce.core.api.sync.RedisStringCommands;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.redis.RedisSequenceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The facade every check-and-advance implementation is measured through (one {@code @Param("store")}, as Caffeine's
 * benchmarks do): advance {@code keys[i]} to {@code seqs[i]} for {@code i < n}, in order, and answer how many were
 * {@code IN_ORDER}. The benchmarks always pass the next sequence of each aggregate, so a healthy driver answers
 * {@code n}.
 */
interface AdvanceDriver extends AutoCloseable {

    /** The {@code store} parameter values, in the order the report lists them. */
    String INMEMORY = "inmemory";
    String CHM = "chm";
    String REDIS_SYNC = "redis-sync";
    String REDIS_ASYNC = "redis-async";
    String REDIS_BATCH = "redis-batch";
    /** {@code redis-async}'s loop on a store with auto-batching on (RedisStoreConfig.autoBatch(256)). */
    String REDIS_AUTOBATCH = "redis-autobatch";
    String NAIVE = "naive";
    String RAW_LETTUCE = "raw-lettuce";

    int advance(AggregateKey[] keys, long[] seqs, int n);

    @Override
    void close();

    static boolean needsRedis(String store) {
        return store.startsWith("redis") || store.equals(NAIVE) || store.equals(RAW_LETTUCE);
    }

    /** The driver named {@code store}; {@code redis} is required (non-null) exactly when {@link #needsRedis}. */
    static AdvanceDriver create(String store, RedisTarget redis) {
        return switch (store) {
            case INMEMORY -> new StoreSync(InMemorySequenceStore.create());
            case CHM -> new ChmCompute();
            case REDIS_SYNC -> new StoreSync(RedisSequenceStore.create(redis.storeConfig()));
            case REDIS_ASYNC -> new StoreAsync(RedisSequenceStore.create(redis.storeConfig()));
            case REDIS_BATCH -> new StoreBatch(RedisSequenceStore.create(redis.storeConfig()));
            case REDIS_AUTOBATCH -> new StoreAsync(RedisSequenceStore.create(redis.storeConfig().toBuilder()
                    .autoBatch(256).build()));
            case NAIVE -> new NaiveGetSet(redis.strings(), redis.keyPrefix());
            case RAW_LETTUCE -> new RawLettuce(redis, redis.storeConfig().buckets());
            default -> throw new IllegalArgumentException("unknown store '" + store + "'; expected one of "
                    + List.of(INMEMORY, CHM, REDIS_SYNC, REDIS_ASYNC, REDIS_BATCH, REDIS_AUTOBATCH, NAIVE, RAW_LETTUCE));
        };
    }

    /** One blocking {@link SequenceStore#advance} after the other (in-memory, or Redis one round trip at a time). */
    final class StoreSync implements AdvanceDriver {
        private final SequenceStore store;

        StoreSync(SequenceStore store) {
            this.store = store;
        }

        @Override
        public int advance(AggregateKey[] keys, long[] seqs, int n) {
            int inOrder = 0;
            for (int i = 0; i < n; i++) {
                if (store.advance(keys[i], seqs[i], TrackingMode.STRICT).verdict() == Verdict.IN_ORDER) {
                    inOrder++;
                }
            }
            return inOrder;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** All {@code n} calls in flight at once through {@link SequenceStore#advanceAsync} (pipelined), then joined. */
    final class StoreAsync implements AdvanceDriver {
        private final SequenceStore store;

        StoreAsync(SequenceStore store) {
            this.store = store;
        }

        @Override
        public int advance(AggregateKey[] keys, long[] seqs, int n) {
            @SuppressWarnings("unchecked")
            CompletableFuture<AdvanceResult>[] inFlight = new CompletableFuture[n];
            for (int i = 0; i < n; i++) {
                inFlight[i] = store.advanceAsync(keys[i], seqs[i], TrackingMode.STRICT).toCompletableFuture();
            }
            int inOrder = 0;
            for (int i = 0; i < n; i++) {
                if (inFlight[i].join().verdict() == Verdict.IN_ORDER) {
                    inOrder++;
                }
            }
            return inOrder;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** One {@link SequenceStore#advanceAll} of {@code n} requests (one flush, O(1) round trips). */
    final class StoreBatch implements AdvanceDriver {
        private final SequenceStore store;

        StoreBatch(SequenceStore store) {
            this.store = store;
        }

        @Override
        public int advance(AggregateKey[] keys, long[] seqs, int n) {
            List<AdvanceRequest> requests = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                requests.add(new AdvanceRequest(keys[i], seqs[i], TrackingMode.STRICT));
            }
            int inOrder = 0;
            for (AdvanceResult result : store.advanceAll(requests)) {
                if (result.verdict() == Verdict.IN_ORDER) {
                    inOrder++;
                }
            }
            return inOrder;
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /**
     * The in-memory ceiling: the same classify-and-store step as the in-memory store, on a bare
     * {@link ConcurrentHashMap#compute} (no Caffeine, no claims, no wake-ups, no argument checks).
     */
    final class ChmCompute implements AdvanceDriver {
        private final ConcurrentHashMap<AggregateKey, Long> last = new ConcurrentHashMap<>();

        @Override
        public int advance(AggregateKey[] keys, long[] seqs, int n) {
            int inOrder = 0;
            boolean[] advanced = new boolean[1];
            for (int i = 0; i < n; i++) {
                long seq = seqs[i];
                advanced[0] = false;
                last.compute(keys[i], (k, previous) -> {
                    long p = previous == null ? 0 : previous;
                    if (SequenceRules.classify(p, seq, TrackingMode.STRICT) == Verdict.IN_ORDER) {
                        advanced[0] = true;
                        return seq;
                    }
                    return previous;
                });
                if (advanced[0]) {
                    inOrder++;
                }
            }
            return inOrder;
        }

        @Override
        public void close() {
            last.clear();
        }
    }

    /**
     * The system this replaces: {@code GET}, compare in Java, {@code SET} — two round trips and a race window between
     * them (the benchmark gives every thread its own aggregates, so the race never fires here; it is measured, not
     * exercised). An absent key reads as 0.
     */
    final class NaiveGetSet implements AdvanceDriver {
        private final RedisStringCommands<String, String> redis;
        private final String prefix;

        NaiveGetSet(RedisStringCommands<String, String> redis, String keyPrefix) {
            this.redis = redis;
            this.prefix = keyPrefix + ":naive:";
        }

        @Override
        public int advance(AggregateKey[] keys, long[] seqs, int n) {
            int inOrder = 0;
            for (int i = 0; i < n; i++) {
                String key = prefix + keys[i].domain() + ":" + keys[i].aggregateId();
                String value = redis.get(key);
                long last = value == null ? 0 : Long.parseLong(value);
                if (seqs[i] == last + 1) {
                    redis.set(key, Long.toString(seqs[i]));
                    inOrder++;
                }
            }
            return inOrder;
        }

        @Override
        public void close() {
            // the connection belongs to the RedisTarget
        }
    }
}
