package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review finding: two batches on the same aggregates, issued at once by two threads in opposite orders. Each batch
 * takes its places on its aggregates ({@code ScriptCalls#reserve}) one aggregate at a time, outside any lock, and then
 * waits for the places before it. When the two reservation loops interleave, batch A holds k1 and waits behind B on
 * k2 while B holds k2 and waits behind A on k1: a cycle. Neither is sent; both wait out the whole await time and fail
 * "outcome unknown" — against a healthy Redis. (Before 4ced01e the cycle existed as well, but the batch lock let the
 * second batch go once the first had timed out; now both time out.)
 */
@Timeout(120)
class RedisBatchReservationOrderTest {

    @Test
    void regressionReview1_batchesOnTheSameAggregatesInOppositeOrdersNeverWaitForEachOther() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                        .keyPrefix("reserve").commandTimeout(Duration.ofMillis(300)).build())) {
            store.claimAll(requests("warm", 4, "w0")); // scripts loaded, connections open
            List<String> failures = new ArrayList<>();
            for (int round = 0; round < 20 && failures.isEmpty(); round++) {
                List<ClaimRequest> forward = requests("r" + round + "-", 400, "w1");
                List<ClaimRequest> backward = new ArrayList<>(requests("r" + round + "-", 400, "w2"));
                Collections.reverse(backward);
                CyclicBarrier together = new CyclicBarrier(2);
                CompletableFuture<List<ClaimResult>> a = CompletableFuture.supplyAsync(() -> {
                    await(together);
                    return store.claimAll(forward);
                });
                CompletableFuture<List<ClaimResult>> b = CompletableFuture.supplyAsync(() -> {
                    await(together);
                    return store.claimAll(backward);
                });
                for (CompletableFuture<List<ClaimResult>> batch : List.of(a, b)) {
                    try {
                        batch.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add("round " + round + ": " + e.getCause());
                    }
                }
            }
            assertThat(failures).as("claim batches against a healthy Redis").isEmpty();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ClaimRequest> requests(String prefix, int count, String owner) {
        List<ClaimRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(new ClaimRequest(AggregateKey.of("user_account", prefix + i), 1, STRICT, owner,
                    Duration.ofSeconds(30)));
        }
        return requests;
    }
}
