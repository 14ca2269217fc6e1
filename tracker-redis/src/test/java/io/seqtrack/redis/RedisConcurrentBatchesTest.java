package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches of several threads (a processor's lanes) are in flight at once on the store's batch connection: a batch
 * waits for its own answers, never for another thread's. Only the writing of a batch is exclusive. (Until this was
 * fixed a lock was held across the wait, so the whole store had one batch in flight and lanes queued behind it.)
 */
@Timeout(60)
class RedisConcurrentBatchesTest {

    @Test
    void aSecondThreadsBatchIsSentWhileTheFirstWaitsForItsAnswer() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
                RedisSequenceStore store = RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri())
                        .keyPrefix("concurrent").commandTimeout(Duration.ofSeconds(20)).build())) {
            store.claimAll(requests("warm")); // scripts loaded, connections open
            redis.pause(); // SIGSTOP: whatever is sent now waits for an answer
            try {
                CompletableFuture<List<ClaimResult>> first = CompletableFuture.supplyAsync(
                        () -> store.claimAll(requests("a")), runnable -> start("first-batch", runnable));
                awaitWaiting("first-batch");
                CompletableFuture<List<ClaimResult>> second = CompletableFuture.supplyAsync(
                        () -> store.claimAll(requests("b")), runnable -> start("second-batch", runnable));
                ThreadInfo waiting = awaitWaiting("second-batch");
                assertThat(waiting.getLockName()).as("the second batch waits for its answer, not for the first's lock")
                        .doesNotContain("ReentrantLock");
                assertThat(first).isNotDone();
                redis.resume();
                assertThat(first.get(20, TimeUnit.SECONDS)).extracting(ClaimResult::status)
                        .containsOnly(ClaimStatus.CLAIMED);
                assertThat(second.get(20, TimeUnit.SECONDS)).extracting(ClaimResult::status)
                        .containsOnly(ClaimStatus.CLAIMED);
            } finally {
                redis.resume();
            }
        }
    }

    private static List<ClaimRequest> requests(String prefix) {
        List<ClaimRequest> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(new ClaimRequest(AggregateKey.of("user_account", prefix + i), 1, STRICT, "w",
                    Duration.ofSeconds(30)));
        }
        return requests;
    }

    private static void start(String name, Runnable runnable) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** The named thread once it waits (parked) inside the store; fails after 20 s. */
    private static ThreadInfo awaitWaiting(String name) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                if (info.getThreadName().equals(name) && (info.getThreadState() == Thread.State.WAITING
                        || info.getThreadState() == Thread.State.TIMED_WAITING) && inStore(info)) {
                    return info;
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError(name + " never waited inside the store");
    }

    private static boolean inStore(ThreadInfo info) {
        for (StackTraceElement frame : info.getStackTrace()) {
            if (frame.getClassName().equals(RedisSequenceStore.class.getName())) {
                return true;
            }
        }
        return false;
    }
}
