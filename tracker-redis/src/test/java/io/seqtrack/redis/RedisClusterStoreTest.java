package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.tck.SequenceStoreContract;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The adapter contract against a real Redis Cluster: 3 masters, 3 replicas, on loopback. */
class RedisClusterStoreTest extends SequenceStoreContract {

    private static RedisClusterProcesses cluster;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private final List<RedisSequenceStore> stores = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected SequenceStore createStore() {
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix("tck" + PREFIXES.incrementAndGet());
        cluster.uris().forEach(config::uri);
        RedisSequenceStore store = RedisSequenceStore.create(config.build(),
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
    void aggregatesSpreadOverEveryMasterAndSpecialIdsKeepTheirSlot() {
        KeyLayout layout = new KeyLayout("spread", 65_536);
        Set<Integer> masters = new HashSet<>();
        int[] masterBySlot = cluster.masterPortsBySlot();
        for (int i = 0; i < 200; i++) {
            byte[] rest = layout.keys(AggregateKey.of("user_account", "u-" + i))[0];
            masters.add(masterBySlot[io.lettuce.core.cluster.SlotHash.getSlot(rest)]);
        }
        assertThat(masters).as("200 aggregates land on all 3 masters").hasSize(3);

        // ids with braces cannot move an aggregate's keys apart: both keys share one slot
        for (String id : List.of("{a}", "}{", "{{x}}", "a:{b}", "%7B")) {
            byte[][] keys = layout.keys(AggregateKey.of("{dom}", id));
            assertThat(io.lettuce.core.cluster.SlotHash.getSlot(keys[0]))
                    .isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot(keys[1]));
        }
        assertThat(store.advance(AggregateKey.of("{dom}", "{a}"), 1, TrackingMode.STRICT).lastCommitted()).isEqualTo(1);
    }

    /**
     * Issue 11, #9: a Cluster batch is one script per slot. When one slot's script fails, the other slots' elements
     * took effect anyway; the batch must not be read as "nothing happened" — a caller that retried advanceAll would
     * get DUPLICATE for events it never handled. The failure says per element what is known.
     */
    @Test
    void aBatchThatFailsInOneSlotSaysWhichElementsAnsweredAndWhichAreUnknown() {
        String prefix = "partial" + PREFIXES.incrementAndGet();
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix(prefix);
        cluster.uris().forEach(config::uri);
        KeyLayout layout = new KeyLayout(prefix, 65_536);
        AggregateKey broken = AggregateKey.of("user_account", "broken");
        List<AggregateKey> healthy = new java.util.ArrayList<>();
        int brokenSlot = io.lettuce.core.cluster.SlotHash.getSlot(layout.keys(broken)[0]);
        for (int i = 0; healthy.size() < 5; i++) {
            AggregateKey k = AggregateKey.of("user_account", "ok-" + i);
            if (io.lettuce.core.cluster.SlotHash.getSlot(layout.keys(k)[0]) != brokenSlot) {
                healthy.add(k);
            }
        }
        try (RedisSequenceStore batchStore = RedisSequenceStore.create(config.build())) {
            // a value no script can interpret: that slot's script stops with an error
            byte[][] brokenKeys = layout.keys(broken);
            cluster.masterOf(brokenSlot).cli("HSET", new String(brokenKeys[0], java.nio.charset.StandardCharsets.UTF_8),
                    "broken", "not-a-number");
            List<io.seqtrack.core.port.out.AdvanceRequest> requests = new java.util.ArrayList<>();
            healthy.subList(0, 2).forEach(k -> requests.add(new io.seqtrack.core.port.out.AdvanceRequest(k, 1,
                    TrackingMode.STRICT)));
            requests.add(new io.seqtrack.core.port.out.AdvanceRequest(broken, 1, TrackingMode.STRICT));
            healthy.subList(2, 5).forEach(k -> requests.add(new io.seqtrack.core.port.out.AdvanceRequest(k, 1,
                    TrackingMode.STRICT)));

            io.seqtrack.core.domain.SequenceStoreException failure = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> batchStore.advanceAll(requests), io.seqtrack.core.domain.SequenceStoreException.class);
            assertThat(failure).as("the batch fails").isNotNull();
            assertThat(failure.getMessage()).contains("1 of 6").contains("corrupted");
            List<java.util.Optional<Object>> known = failure.batchResults();
            assertThat(known).hasSize(6);
            assertThat(known.get(2)).as("the broken slot's element").isEmpty();
            for (int i : new int[] {0, 1, 3, 4, 5}) {
                assertThat(known.get(i)).as("element %d answered", i)
                        .contains(io.seqtrack.core.port.out.AdvanceResult.inOrder(1));
            }
            for (AggregateKey k : healthy) {
                assertThat(batchStore.read(k).lastCommitted()).as("%s took effect", k).isEqualTo(1);
            }
        }
    }
}
