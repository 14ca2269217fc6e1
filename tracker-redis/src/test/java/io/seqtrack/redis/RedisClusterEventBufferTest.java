package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.tck.EventBufferContract;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * With WAIT on, writes go through the slot master's node connection and are acknowledged by its replica: the
     * master's own command statistics count one {@code WAIT} per write (four writes, reads none).
     */
    @Test
    void waitForOneReplicaAcknowledgesEveryWrite() {
        AggregateKey k = AggregateKey.of("user_account", "{u}-1");
        RedisProcess master = masterOf(k);
        long waitsBefore = waitCalls(master);
        try (RedisEventBuffer waiting = RedisEventBuffer.create(config("wait" + PREFIXES.incrementAndGet())
                .waitForReplicas(1, Duration.ofSeconds(30)).build())) {
            assertThat(waiting.add(k, event(3), 10)).isEqualTo(BufferResult.ADDED);
            assertThat(waiting.add(k, event(3), 10)).isEqualTo(BufferResult.ALREADY_BUFFERED);
            waiting.park(k, parkedEvent(3));
            assertThat(waiting.removeParked(k, 3)).isTrue();
            assertThat(waiting.parked(k)).isEmpty();
        }
        assertThat(waitCalls(master) - waitsBefore).as("WAITs run on the slot's master: one per write").isEqualTo(4);
    }

    /**
     * A write its replica cannot acknowledge (the replica process is stopped) fails closed, although the master took
     * it; the retry answers ALREADY_BUFFERED and is waited for too, so it succeeds only once the replica has it.
     */
    @Test
    void aWriteNoReplicaAcknowledgesFailsClosedAndItsRetryIsWaitedFor() {
        String prefix = "unacked" + PREFIXES.incrementAndGet();
        AggregateKey k = AggregateKey.of("user_account", "{u}-2");
        RedisProcess master = masterOf(k);
        RedisProcess replica = replicaOf(master);
        try (RedisEventBuffer waiting = RedisEventBuffer.create(config(prefix)
                .waitForReplicas(1, Duration.ofMillis(200)).build())) {
            replica.pause(); // after connecting: the client's topology discovery also asks the replica
            assertThatThrownBy(() -> waiting.add(k, event(3), 10))
                    .isInstanceOf(SequenceStoreException.class)
                    .hasStackTraceContaining("acknowledged by only 0 of 1 replicas");
        } finally {
            replica.resume();
        }
        try (RedisEventBuffer retrying = RedisEventBuffer.create(config(prefix)
                .waitForReplicas(1, Duration.ofSeconds(30)).build())) {
            long waitsBefore = waitCalls(master);
            assertThat(retrying.add(k, event(3), 10)).as("the master took the first attempt")
                    .isEqualTo(BufferResult.ALREADY_BUFFERED);
            assertThat(waitCalls(master) - waitsBefore).as("the retry was waited for").isEqualTo(1);
        }
        cluster.awaitHealthy(Duration.ofSeconds(30));
    }

    private static RedisProcess masterOf(AggregateKey k) {
        return cluster.masterOf(SlotHash.getSlot(new KeyLayout("unused", 65_536).bufferKeys(k)[KeyLayout.PENDING]));
    }

    /** The replica the master reports in {@code INFO replication} ({@code slave0:ip=...,port=...}). */
    private static RedisProcess replicaOf(RedisProcess master) {
        Matcher m = Pattern.compile("slave0:ip=[^,]+,port=(\\d+)").matcher(master.cli("INFO", "replication"));
        assertThat(m.find()).as("the master has a replica").isTrue();
        int port = Integer.parseInt(m.group(1));
        return cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    /** How many WAIT commands this node has run, from {@code INFO commandstats} ({@code cmdstat_wait:calls=N,...}). */
    private static long waitCalls(RedisProcess node) {
        Matcher m = Pattern.compile("cmdstat_wait:calls=(\\d+)").matcher(node.cli("INFO", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
