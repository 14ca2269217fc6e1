package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The store-side failures of the replaced system (DESIGN.md items 1 and 4), each pinned on a real Redis. */
@Timeout(60)
class RedisRegressionTest {

    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    /**
     * Item 1: GET, compare in Java, SET — two workers both pass the check. Shown with the naive client code on the same
     * server (a barrier makes the interleaving certain), then the same race through the store: one winner.
     */
    @Test
    void regression1_getCompareSetLetsTwoWorkersPassWhereTheScriptLetsOne() throws Exception {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> a = client.connect();
                StatefulRedisConnection<String, String> b = client.connect()) {
            CyclicBarrier bothRead = new CyclicBarrier(2);
            List<Boolean> naive = race(List.of(a, b), connection -> {
                String last = connection.sync().get("naive:user_account:u-1");   // GET
                bothRead.await(10, TimeUnit.SECONDS);
                boolean inOrder = (last == null ? 0 : Long.parseLong(last)) + 1 == 1; // compare
                if (inOrder) {
                    connection.sync().set("naive:user_account:u-1", "1");          // SET
                }
                return inOrder;
            });
            assertThat(naive).as("the naive approach handles event 1 twice").containsExactly(true, true);
        } finally {
            client.shutdown();
        }

        try (RedisSequenceStore first = RedisSequenceStore.create(RedisStoreConfig.of(redis.uri()));
                RedisSequenceStore second = RedisSequenceStore.create(RedisStoreConfig.of(redis.uri()))) {
            AggregateKey key = AggregateKey.of("user_account", "u-1");
            for (long seq = 1; seq <= 200; seq++) {
                long s = seq;
                List<Boolean> inOrder = race(List.of(first, second), store -> store.advance(key, s, STRICT).verdict()
                        == Verdict.IN_ORDER);
                assertThat(inOrder.stream().filter(x -> x).count()).as("IN_ORDER answers for %d", seq).isEqualTo(1);
            }
        }
    }

    /** Item 4: a 24 h TTL on the counter made every later event look out of order. seqtrack sets no TTL at all. */
    @Test
    void regression4_trackingKeysNeverExpire() {
        try (RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("ttl").build())) {
            AggregateKey key = AggregateKey.of("user_account", "u-ttl");
            store.advance(key, 1, STRICT);
            store.claim(key, 2, STRICT, "w1", Duration.ofSeconds(30));
            byte[][] keys = new KeyLayout("ttl", store.config().buckets()).keys(key);
            for (byte[] k : keys) {
                assertThat(redis.cli("TTL", new String(k, StandardCharsets.UTF_8)))
                        .as("TTL of %s", new String(k, StandardCharsets.UTF_8)).isEqualTo("-1");
            }
        }
    }

    @Test
    void guiceModuleBindsTheRedisStore() {
        Injector injector = Guice.createInjector(new RedisStoreModule(RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("guice").build()), new AbstractModule() {
                    @Provides
                    @Singleton
                    SequenceTracker tracker(SequenceStore store) {
                        return new SequenceTrackerService(DomainRegistry.seedDefaults(), store);
                    }
                });
        try (SequenceStore store = injector.getInstance(SequenceStore.class);
                RedisEventBuffer buffer = injector.getInstance(RedisEventBuffer.class)) {
            assertThat(store).isInstanceOf(RedisSequenceStore.class)
                    .isSameAs(injector.getInstance(RedisSequenceStore.class));
            assertThat(injector.getInstance(io.seqtrack.core.port.out.EventBuffer.class)).isSameAs(buffer);
            SequenceTracker tracker = injector.getInstance(SequenceTracker.class);
            assertThat(tracker.advance(TrackedEvent.of("company", "c-1", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(tracker.advance(TrackedEvent.of("company", "c-1", 1)).verdict()).isEqualTo(Verdict.DUPLICATE);
        }
    }

    private static <C> List<Boolean> race(List<C> contenders, ThrowingPredicate<C> attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(contenders.size());
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (C contender : contenders) {
                Callable<Boolean> call = () -> attempt.test(contender);
                futures.add(pool.submit(call));
            }
            List<Boolean> results = new ArrayList<>();
            for (Future<Boolean> f : futures) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThrowingPredicate<C> {
        boolean test(C contender) throws Exception;
    }
}
