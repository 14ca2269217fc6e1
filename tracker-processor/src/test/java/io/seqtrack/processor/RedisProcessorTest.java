package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
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

    /** Item 7 across processes: the other worker's commit is announced over pub/sub and drains the buffer at once. */
    @Test
    void aCommitByAnotherWorkersConnectionWakesTheBufferedSuccessorsWithoutATimerTick() {
        RedisStoreConfig config = config("wake" + PREFIXES.incrementAndGet());
        try (RedisSequenceStore storeA = RedisSequenceStore.create(config);
                RedisSequenceStore storeB = RedisSequenceStore.create(config);
                RedisEventBuffer buffer = RedisEventBuffer.create(config);
                ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry(), storeA, buffer)) {
            EventProcessor waiting = harness.processor("waiting-worker");
            EventProcessor other = harness.processor("other-worker", b -> b.store(storeB));
            assertThat(harness.submit(waiting, ProcessorHarness.event("user_account", "w-1", 2))).isEqualTo(Outcome.BUFFERED);
            assertThat(harness.submit(other, ProcessorHarness.event("user_account", "w-1", 1))).isEqualTo(Outcome.PROCESSED);
            // the wake-up arrives on the pub/sub thread; no virtual time passes while we wait for it (bounded)
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (harness.handled("user_account", "w-1").size() < 2 && System.nanoTime() < deadline) {
                harness.scheduler.runReady();
                Thread.onSpinWait();
            }
            assertThat(harness.handled("user_account", "w-1")).containsExactly(1L, 2L);
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
