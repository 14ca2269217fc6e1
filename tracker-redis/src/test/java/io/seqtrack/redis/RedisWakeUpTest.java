package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitSubscription;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pub/sub wake-up: published only for aggregates with buffered events, heard on another connection. */
@Timeout(60)
class RedisWakeUpTest {

    @Test
    void commitsOfAggregatesWithBufferedEventsArePublishedToSubscribers() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                RedisSequenceStore listening = RedisSequenceStore.create(RedisStoreConfig.of(redis.uri()));
                RedisSequenceStore committing = RedisSequenceStore.create(RedisStoreConfig.of(redis.uri()));
                RedisEventBuffer buffer = RedisEventBuffer.create(RedisStoreConfig.of(redis.uri()))) {
            BlockingQueue<AggregateKey> heard = new LinkedBlockingQueue<>();
            AggregateKey quiet = AggregateKey.of("user_account", "nothing-buffered");
            AggregateKey waiting = AggregateKey.of("user_account", "has:{buffered} events");
            buffer.add(waiting, new BufferedEvent(2, "e2", "T", new byte[] {1}, Instant.EPOCH), 10);

            try (CommitSubscription subscription = listening.subscribeCommits(heard::add)) {
                committing.advance(quiet, 1, STRICT);                       // nothing buffered: nothing published
                ClaimResult claim = committing.claim(waiting, 1, STRICT, "w", Duration.ofSeconds(30));
                committing.commit(waiting, 1, claim.fencingToken());        // buffered successor: published
                assertThat(heard.poll(10, TimeUnit.SECONDS)).as("the first message is the waiting aggregate")
                        .isEqualTo(waiting);
                committing.advance(waiting, 2, STRICT);                     // still buffered (we never drained it)
                assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo(waiting);
            }
        }
    }
}
