package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The script-call path shared by the store and the buffer ({@code ScriptCalls}): whatever becomes of a command, the
 * caller gets an answer or a {@link SequenceStoreException} ("outcome unknown") — never a Lettuce or JDK exception.
 */
class RedisScriptCallsTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
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

    /** An operation under test, run on a fresh aggregate the setup prepared. */
    private interface Operation {
        void run(RedisSequenceStore store, RedisEventBuffer buffer, AggregateKey key, long token) throws Exception;
    }

    /**
     * Lettuce cancels a command — it does so to every command still in its buffer when a connection closes (an
     * application shutting down while a worker waits; a Cluster or a borrowed client queueing commands while a node is
     * down), and the waiting future then fails with a {@link java.util.concurrent.CancellationException}. Here a
     * command listener on a borrowed client cancels the n-th command an operation sends, for n = 1, 2, … until the
     * operation no longer reaches a cancelled one: every operation of the store and the buffer must answer normally or
     * fail with SequenceStoreException. Before the shared script-call path, {@code reset} and {@code delete} let the
     * CancellationException of their second command (the layout record's near-cache freshness) escape the SPI.
     */
    @Test
    void aCommandLettuceCancelsFailsEveryOperationClosed() throws Exception {
        Map<String, Operation> operations = new LinkedHashMap<>();
        operations.put("advance", (s, b, k, t) -> s.advance(k, 2, STRICT));
        operations.put("advanceAsync", (s, b, k, t) -> join(() -> s.advanceAsync(k, 2, STRICT).toCompletableFuture().join()));
        operations.put("claim", (s, b, k, t) -> s.claim(k, 2, STRICT, "w", LEASE));
        operations.put("claimAsync", (s, b, k, t) -> join(() -> s.claimAsync(k, 2, STRICT, "w", LEASE).toCompletableFuture().join()));
        operations.put("commit", (s, b, k, t) -> s.commit(k, 1, t));
        operations.put("commitAsync", (s, b, k, t) -> join(() -> s.commitAsync(k, 1, t).toCompletableFuture().join()));
        operations.put("release", (s, b, k, t) -> s.release(k, 1, t));
        operations.put("renew", (s, b, k, t) -> s.renew(k, 1, t, LEASE));
        operations.put("read", (s, b, k, t) -> s.read(k));
        operations.put("reset", (s, b, k, t) -> s.reset(k, 7));
        operations.put("delete", (s, b, k, t) -> s.delete(k));
        operations.put("skip", (s, b, k, t) -> s.skip(k, 0, 3,
                new SkippedRange(1, 3, Instant.EPOCH, "gap timeout")));
        operations.put("skippedRanges", (s, b, k, t) -> s.skippedRanges(k));
        operations.put("advanceAll", (s, b, k, t) -> s.advanceAll(List.of(new AdvanceRequest(k, 2, STRICT))));
        operations.put("claimAll", (s, b, k, t) -> s.claimAll(List.of(new ClaimRequest(k, 2, STRICT, "w", LEASE))));
        operations.put("commitAll", (s, b, k, t) -> s.commitAll(List.of(new CommitRequest(k, 1, t))));
        operations.put("buffer add", (s, b, k, t) -> b.add(k, event(5), 10));
        operations.put("buffer pending", (s, b, k, t) -> b.pending(k));
        operations.put("buffer removePending", (s, b, k, t) -> b.removePending(k, 4));
        operations.put("buffer park", (s, b, k, t) -> b.park(k, new ParkedEvent(event(4), "handler failed", Instant.EPOCH)));
        operations.put("buffer parked", (s, b, k, t) -> b.parked(k));
        operations.put("buffer removeParked", (s, b, k, t) -> b.removeParked(k, 4));
        operations.put("buffer pendingCount", (s, b, k, t) -> b.pendingCount());
        operations.put("buffer aggregatesWithPending", (s, b, k, t) -> b.aggregatesWithPending());

        CancelNth cancel = new CancelNth();
        RedisClient client = RedisClient.create();
        client.addListener(cancel);
        int cancelled = 0;
        try {
            for (Map.Entry<String, Operation> operation : operations.entrySet()) {
                for (int n = 1; ; n++) {
                    // a prefix of its own, so that the listings' commands (one per index key) do not grow with n
                    RedisStoreConfig config = RedisStoreConfig.builder().uri(redis.uri())
                            .keyPrefix("cancel" + PREFIXES.incrementAndGet()).commandTimeout(Duration.ofSeconds(5))
                            .build();
                    AggregateKey key = AggregateKey.of("user_account", "a-1");
                    Throwable failure = null;
                    try (RedisSequenceStore store = RedisSequenceStore.create(config, client);
                            RedisEventBuffer buffer = RedisEventBuffer.create(config, client)) {
                        long token = store.claim(key, 1, STRICT, "w", LEASE).fencingToken(); // #1 claimed
                        buffer.add(key, event(4), 10);
                        cancel.arm(n);
                        try {
                            operation.getValue().run(store, buffer, key, token);
                        } catch (Throwable e) {
                            failure = e;
                        } finally {
                            cancel.disarm();
                        }
                    }
                    if (!cancel.fired()) {
                        assertThat(failure).as("%s with nothing cancelled", operation.getKey()).isNull();
                        break;
                    }
                    cancelled++;
                    assertThat(failure).as("%s, its command %d cancelled", operation.getKey(), n)
                            .isInstanceOf(SequenceStoreException.class)
                            .hasMessageContaining("outcome unknown");
                }
            }
        } finally {
            client.shutdown();
        }
        assertThat(cancelled).as("commands cancelled").isGreaterThanOrEqualTo(operations.size());
    }

    private static BufferedEvent event(long seq) {
        return new BufferedEvent(seq, "e-" + seq, "T", new byte[] {1}, Instant.EPOCH);
    }

    /** The async forms fail their stage: unwrap the CompletionException a join throws. */
    private static void join(Runnable joining) {
        try {
            joining.run();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Cancels the n-th command started after {@link #arm}, as Lettuce cancels a buffered command on close. */
    private static final class CancelNth implements CommandListener {
        private volatile int target;
        private final AtomicInteger started = new AtomicInteger();
        private volatile boolean fired;

        void arm(int n) {
            started.set(0);
            fired = false;
            target = n;
        }

        void disarm() {
            target = 0;
        }

        boolean fired() {
            return fired;
        }

        @Override
        public void commandStarted(CommandStartedEvent event) {
            if (target > 0 && started.incrementAndGet() == target) {
                fired = true;
                event.getCommand().cancel();
            }
        }
    }
}
