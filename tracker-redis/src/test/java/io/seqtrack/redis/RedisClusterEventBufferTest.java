package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.tck.EventBufferContract;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The buffer contract against a real Redis Cluster: 3 masters, 3 replicas, on loopback. */
class RedisClusterEventBufferTest extends EventBufferContract {

    private static RedisClusterProcesses cluster;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static RedisStoreConfig.Builder config(String prefix) {
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix(prefix);
        cluster.uris().forEach(config::uri);
        return config;
    }

    @Override
    protected EventBuffer createBuffer() {
        return RedisEventBuffer.create(config("buf" + PREFIXES.incrementAndGet()).build());
    }

    /** The listings walk every master: aggregates spread over all three are all found. */
    @Test
    void aggregatesOnEveryMasterAreListedAndCounted() {
        KeyLayout layout = new KeyLayout("unused", 65_536);
        int[] masterBySlot = cluster.masterPortsBySlot();
        Set<Integer> masters = new HashSet<>();
        Set<AggregateKey> expected = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            AggregateKey k = AggregateKey.of("user_account", "u-" + i);
            expected.add(k);
            masters.add(masterBySlot[SlotHash.getSlot(layout.bufferKeys(k)[KeyLayout.PENDING])]);
            assertThat(buffer.add(k, event(2), 10)).isEqualTo(BufferResult.ADDED);
            buffer.park(k, parkedEvent(1));
        }
        assertThat(masters).as("60 aggregates land on all 3 masters").hasSize(3);
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(buffer.parkedAggregates()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(buffer.pendingCount()).isEqualTo(60);
    }

    /** Every key of an aggregate — the sequence store's and the buffer's — is in one slot, whatever the id holds. */
    @Test
    void allKeysOfAnAggregateShareOneSlot() {
        KeyLayout layout = new KeyLayout("slots", 65_536);
        for (String id : List.of("{a}", "}{", "{{x}}", "a:{b}", "%7B", "x}:pi", "nul\0", "日本")) {
            AggregateKey k = AggregateKey.of("{dom}", id);
            int slot = SlotHash.getSlot(layout.keys(k)[0]);
            for (byte[] key : layout.bufferKeys(k)) {
                assertThat(SlotHash.getSlot(key)).as("slot of a buffer key of %s", id).isEqualTo(slot);
            }
        }
    }

    /** With WAIT on, writes go through the slot master's node connection and are acknowledged by its replica. */
    @Test
    void waitForOneReplicaAcknowledgesEveryWrite() {
        try (RedisEventBuffer waiting = RedisEventBuffer.create(config("wait" + PREFIXES.incrementAndGet())
                .waitForReplicas(1, Duration.ofSeconds(5)).build())) {
            AggregateKey k = AggregateKey.of("user_account", "{u}-1");
            assertThat(waiting.add(k, event(3), 10)).isEqualTo(BufferResult.ADDED);
            assertThat(waiting.add(k, event(3), 10)).isEqualTo(BufferResult.ALREADY_BUFFERED);
            waiting.park(k, parkedEvent(3));
            assertThat(waiting.removeParked(k, 3)).isTrue();
            assertThat(waiting.parked(k)).isEmpty();
        }
    }
}
