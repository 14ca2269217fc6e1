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
        RedisSequenceStore store = RedisSequenceStore.create(config.build());
        stores.add(store);
        return store;
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
}
