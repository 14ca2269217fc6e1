package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The processor end to end on a real Redis (store and buffer): the model-based scenario, and a processor restart with
 * events left in the buffer — buffered and parked events survive and are picked up by the next processor.
 */
class RedisProcessorTest {

    private static RedisProcess redis;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisStoreConfig config(String prefix) {
        return RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).buckets(1024).build();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {101, 102, 103, 104, 105})
    void modelScenarioOnRedis(long seed) {
        RedisStoreConfig config = config("model" + PREFIXES.incrementAndGet());
        try (RedisSequenceStore store = RedisSequenceStore.create(config);
                RedisEventBuffer buffer = RedisEventBuffer.create(config);
                ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry(), store, buffer)) {
            assertThat(new ModelScenario(seed, 4, 20, 2).run(harness)).isPositive();
        }
    }

    /**
     * Item 7 across processes: a commit made through another connection is announced over pub/sub and drains the
     * buffer of the processor that waits for it, at once. The waiting processor holds the buffered #2 in buffer and
     * store instances of its own, the commit of #1 comes from a separate store instance (another worker's connection,
     * no processor, no handler), and virtual time never moves — no recheck timer or sweep can fire (and a sweep would
     * not take #2 anyway: it adopts only aggregates nobody here waits for, and this processor waits for #2's). So #2
     * can only be handled because the published wake-up arrived.
     */
    @Test
    void aCommitByAnotherWorkersConnectionWakesTheBufferedSuccessorsWithoutATimerTick() throws Exception {
        RedisStoreConfig config = config("wake" + PREFIXES.incrementAndGet());
        AggregateKey key = AggregateKey.of("user_account", "w-1");
        try (RedisSequenceStore waitingStore = RedisSequenceStore.create(config);
                RedisEventBuffer waitingBuffer = RedisEventBuffer.create(config);
                RedisSequenceStore otherWorkersStore = RedisSequenceStore.create(config);
                ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry(), waitingStore, waitingBuffer)) {
            EventProcessor waiting = harness.processor("waiting-worker");
            assertThat(harness.submit(waiting, ProcessorHarness.event("user_account", "w-1", 2)))
                    .isEqualTo(Outcome.BUFFERED);
            assertThat(harness.scheduler.awaitQueued(Duration.ZERO)).as("nothing left to run on the lanes").isFalse();

            ClaimResult claim = otherWorkersStore.claim(key, 1, TrackingMode.STRICT, "other-worker", Duration.ofSeconds(30));
            assertThat(otherWorkersStore.commit(key, 1, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);

            // the wake-up arrives on the subscription's thread and queues lane work; we block for it (bounded only so
            // a missing wake-up fails instead of hanging) and never move virtual time
            assertThat(harness.scheduler.awaitQueued(Duration.ofSeconds(30)))
                    .as("a wake-up queued lane work on the waiting processor").isTrue();
            harness.scheduler.runReady();
            assertThat(harness.handlerRuns).containsExactly("waiting-worker:" + key + "#2@1");
            assertThat(waitingStore.read(key).lastCommitted()).isEqualTo(2);
            assertThat(waitingBuffer.pending(key)).isEmpty();
        }
    }

    @Test
    void aRestartedProcessorFindsTheBufferedAndParkedEventsOfItsPredecessor() {
        RedisStoreConfig config = config("restart" + PREFIXES.incrementAndGet());
        AggregateKey waiting = AggregateKey.of("user_account", "waiting");
        AggregateKey broken = AggregateKey.of("user_account", "broken");

        try (RedisSequenceStore store = RedisSequenceStore.create(config);
                RedisEventBuffer buffer = RedisEventBuffer.create(config);
                ProcessorHarness before = new ProcessorHarness(ModelScenario.registry(), store, buffer)) {
            EventProcessor first = before.processor("before-restart");
            assertThat(before.submit(first, ProcessorHarness.event("user_account", "waiting", 2))).isEqualTo(Outcome.BUFFERED);
            assertThat(before.submit(first, ProcessorHarness.event("user_account", "waiting", 3))).isEqualTo(Outcome.BUFFERED);
            before.failTimes("user_account", "broken", 1, Integer.MAX_VALUE);
            first.submit(ProcessorHarness.event("user_account", "broken", 1));
            before.scheduler.advance(Duration.ofSeconds(1));
        } // the first processor and its connections are gone

        try (RedisSequenceStore store = RedisSequenceStore.create(config);
                RedisEventBuffer buffer = RedisEventBuffer.create(config);
                ProcessorHarness after = new ProcessorHarness(ModelScenario.registry(), store, buffer)) {
            EventProcessor second = after.processor("after-restart");
            assertThat(buffer.aggregatesWithPending()).contains(waiting);
            assertThat(second.admin().parked().get(broken)).extracting(ParkedEvent::sequence).containsExactly(1L);

            assertThat(after.submit(second, ProcessorHarness.event("user_account", "waiting", 1))).isEqualTo(Outcome.PROCESSED);
            assertThat(after.handled("user_account", "waiting")).as("drained from the durable buffer")
                    .containsExactly(1L, 2L, 3L);
            assertThat(after.submit(second, ProcessorHarness.event("user_account", "broken", 2)))
                    .as("still blocked behind the parked #1").isEqualTo(Outcome.PARKED);
        }
    }
}
