package io.seqtrack.examples.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the Redis Streams example against a real {@code redis-server} the test starts. */
@Timeout(120)
class StreamsConsumerExampleTest {

    @Test
    void everyAccountSeesEachOfItsEventsOnceInOrder_theProducersCopiesNever_andEveryEntryIsAcknowledged()
            throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            Map<String, List<Long>> seen = StreamsConsumerExample.run(redis.uri(), "account-events", "example",
                    new PrintStream(printed, true, StandardCharsets.UTF_8));

            assertThat(seen).hasSize(StreamsConsumerExample.ACCOUNTS);
            seen.values().forEach(sequences -> assertThat(sequences).containsExactly(1L, 2L, 3L, 4L, 5L));
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("acc-0 [1, 2, 3, 4, 5]");
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().xlen("account-events")).isEqualTo(3 * 5 + 3);
                assertThat(c.sync().xpending("account-events", "example").getCount())
                        .as("every entry acknowledged, the copies too").isZero();
            } finally {
                client.shutdown();
            }
        }
    }
}
