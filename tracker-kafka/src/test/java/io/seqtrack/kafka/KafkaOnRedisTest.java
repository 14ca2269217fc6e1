package io.seqtrack.kafka;

import static io.seqtrack.kafka.Scenario.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runner on the Redis store and buffer (a local redis-server the test starts): the buffer is durable and shared,
 * so a BUFFERED record is acknowledged at once and its offset may be committed before its event is handled — by
 * whichever worker closes the gap.
 */
@Timeout(90)
class KafkaOnRedisTest {

    private static KafkaBroker broker;
    private static RedisProcess redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.start();
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aggregatesSpreadOverPartitionsAreAcknowledgedWhenBufferedAndHandledInOrderAcrossWorkers() throws Exception {
        RedisStoreConfig config = RedisStoreConfig.builder().uri(redis.uri()).keyPrefix("kafka-spread").build();
        try (RedisSequenceStore store = RedisSequenceStore.create(config);
                Scenario s = new Scenario(broker, "redis-spread", 3, store)) {
            List<RedisEventBuffer> buffers = new ArrayList<>();
            s.buffers = () -> {
                RedisEventBuffer buffer = RedisEventBuffer.create(config);
                buffers.add(buffer);
                return buffer;
            };
            s.durableBuffer = true;
            int aggregates = 8;
            int events = 12;
            s.plan(aggregates, events);
            List<ProducerRecord<byte[], byte[]>> first = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> late = new ArrayList<>();
            for (long seq = 1; seq <= events; seq++) {
                for (int a = 0; a < aggregates; a++) {
                    (seq % 3 == 1 ? late : first).add(KafkaRecords.producerRecord(s.topic, (int) (seq % 3),
                            event("a" + a, seq)));
                }
            }
            s.produce(first);
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.startWorker("w2", (worker, event, ctx) -> { });
            s.history.await("early records acknowledged as BUFFERED", Duration.ofSeconds(60),
                    () -> s.history.count(e -> e.type() == 'A' && "BUFFERED".equals(e.detail())) > 0);
            s.produce(late);
            s.awaitDone(Duration.ofSeconds(60));
            s.check();
            s.close();
            buffers.forEach(RedisEventBuffer::close);
        }
    }
}
