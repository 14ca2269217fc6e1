package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis specifics of the operator gate (reset and delete wait out a live claim, invariant 10) that the store contract
 * cannot set up: a value damaged under a live claim.
 */
class RedisOperatorGateTest {

    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    /**
     * A corrupted value does not let delete skip the wait: the holder of the live claim may be answering from the view
     * it had before the damage. The claim is revoked (its commit fenced) and waited out; then the value is discarded,
     * and the bucket's floor keeps every token issued before above reuse.
     */
    @Test
    void deleteOfACorruptedAggregateUnderALiveClaimStillWaitsItOut() {
        String prefix = "gate-corrupt";
        AggregateKey key = AggregateKey.of("user_account", "damaged");
        List<String> seenDuringWait = new ArrayList<>();
        RedisSequenceStore[] store = new RedisSequenceStore[1];
        store[0] = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).build(),
                Ticker.systemTicker(), d -> {
                    seenDuringWait.add("waited " + d.toSeconds() + " s");
                    store[0].shiftServerClock(d);
                });
        try (RedisSequenceStore s = store[0]) {
            s.advance(key, 3, TrackingMode.MONOTONIC);
            ClaimResult held = s.claim(key, 4, TrackingMode.STRICT, "w1", Duration.ofSeconds(30));
            byte[][] keys = new KeyLayout(prefix, s.config().buckets()).keys(key);
            redis.cli("HSET", new String(keys[0], StandardCharsets.UTF_8), "damaged", "not-a-number");

            assertThat(s.delete(key)).isTrue();
            assertThat(seenDuringWait).as("the live claim was waited out").anyMatch(w -> w.startsWith("waited 2")
                    || w.startsWith("waited 3"));
            assertThat(s.commit(key, 4, held.fencingToken())).isEqualTo(CommitResult.CLAIM_LOST);
            ClaimResult next = s.claim(key, 1, TrackingMode.STRICT, "w2", Duration.ofSeconds(30));
            assertThat(next.fencingToken()).as("tokens continue above the revoked claim's and the hold's")
                    .isGreaterThan(held.fencingToken() + 1);
        }
    }
}
