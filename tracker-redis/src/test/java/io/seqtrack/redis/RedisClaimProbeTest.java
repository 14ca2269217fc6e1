package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.ClaimsAndPresence;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.redis.testsupport.RedisMonitor;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisSequenceStore#claimAllAndProbe}: with a buffer of the store's own key space the claims and the buffer
 * reads are one script call; with any other buffer the store makes the two calls, and the facts are that buffer's.
 */
class RedisClaimProbeTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static RedisStoreConfig config(String prefix) {
        return RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).build();
    }

    private static List<ClaimRequest> claims(String prefix, int count) {
        List<ClaimRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(new ClaimRequest(AggregateKey.of("user_account", prefix + i), 1, STRICT, "w1", LEASE));
        }
        return requests;
    }

    private static ParkedEvent parked(long seq) {
        return new ParkedEvent(new BufferedEvent(seq, "e" + seq, "T", new byte[] {1}, Instant.EPOCH), "test",
                Instant.EPOCH);
    }

    @Test
    void aBufferOfTheStoresKeySpaceIsReadInTheClaimsOwnScriptCall() {
        try (RedisSequenceStore store = RedisSequenceStore.create(config("probe1"));
                RedisEventBuffer buffer = RedisEventBuffer.create(config("probe1"));
                RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            store.claimAllAndProbe(claims("warm", 2), buffer); // loads the script
            buffer.park(AggregateKey.of("user_account", "a3"), parked(1));
            monitor.sync();
            monitor.clear();

            ClaimsAndPresence answer = store.claimAllAndProbe(claims("a", 40), buffer);
            monitor.sync();

            assertThat(answer.claims()).extracting(ClaimResult::status).containsOnly(ClaimStatus.CLAIMED);
            assertThat(answer.presence().parked()).containsExactly(AggregateKey.of("user_account", "a3"));
            assertThat(monitor.clientCommands()).as("40 claims and 80 buffer reads in one call").hasSize(1)
                    .allSatisfy(line -> assertThat(line.toUpperCase()).contains("\"EVALSHA\""));
        }
    }

    /**
     * A borrowed client decides itself where it connects, so a configuration says nothing about it: the store reads
     * the buffer in its own script only when both use the very same client, or both made their own (review finding).
     */
    @Test
    void aBufferOnAnotherClientThanTheStoresIsAskedSeparately() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create();
        try (RedisSequenceStore own = RedisSequenceStore.create(config("probe3"));
                RedisSequenceStore borrowing = RedisSequenceStore.create(config("probe3"), client);
                RedisEventBuffer buffer = RedisEventBuffer.create(config("probe3"), client);
                RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            own.claimAllAndProbe(claims("warm-own", 2), buffer); // loads the scripts
            borrowing.claimAllAndProbe(claims("warm-borrowing", 2), buffer);
            monitor.sync();
            monitor.clear();
            own.claimAllAndProbe(claims("c", 2), buffer);
            monitor.sync();
            assertThat(monitor.clientCommands()).as("own client vs borrowed one: the claims, then the buffer")
                    .hasSize(2);
            monitor.clear();
            borrowing.claimAllAndProbe(claims("d", 2), buffer);
            monitor.sync();
            assertThat(monitor.clientCommands()).as("the same client: one script call").hasSize(1);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aBufferOfAnotherKeySpaceIsAskedSeparatelyAndItsFactsAreTheAnswer() {
        AggregateKey onlyInOwn = AggregateKey.of("user_account", "b0");
        AggregateKey onlyInOther = AggregateKey.of("user_account", "b1");
        try (RedisSequenceStore store = RedisSequenceStore.create(config("probe2"));
                RedisEventBuffer own = RedisEventBuffer.create(config("probe2"));
                RedisEventBuffer other = RedisEventBuffer.create(config("probe2-other"));
                RedisMonitor monitor = RedisMonitor.start(redis.port())) {
            own.park(onlyInOwn, parked(1));
            other.park(onlyInOther, parked(1));
            store.claimAllAndProbe(claims("warm", 2), other); // loads the scripts
            monitor.sync();
            monitor.clear();

            ClaimsAndPresence answer = store.claimAllAndProbe(claims("b", 2), other);
            monitor.sync();

            assertThat(answer.claims()).extracting(ClaimResult::status).containsOnly(ClaimStatus.CLAIMED);
            assertThat(answer.presence().parked()).containsExactly(onlyInOther);
            assertThat(monitor.clientCommands()).as("the claims, then the other buffer's reads").hasSize(2);
        }
    }
}
