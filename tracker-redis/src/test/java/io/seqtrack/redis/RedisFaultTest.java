package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.redis.testsupport.Eventually;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Faults against a real redis-server process: each test starts (and stops) its own server. */
@Timeout(120)
class RedisFaultTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private final AggregateKey key = AggregateKey.of("user_account", "u-1");

    private static RedisSequenceStore store(RedisProcess redis, Duration timeout) {
        return RedisSequenceStore.create(RedisStoreConfig.builder().uri(redis.uri()).commandTimeout(timeout).build());
    }

    /** The replaced system read an unreachable Redis as last = 0 and misclassified every event. */
    @Test
    void regression5_unreachableRedisFailsClosedInsteadOfReadingZero() {
        int nothingListens = RedisProcess.freePort();
        assertThatThrownBy(() -> RedisSequenceStore.create(RedisStoreConfig.of("redis://127.0.0.1:" + nothingListens)))
                .isInstanceOf(SequenceStoreException.class)
                .hasMessageContaining("127.0.0.1:" + nothingListens);

        RedisProcess redis = RedisProcess.start();
        try (RedisSequenceStore store = store(redis, Duration.ofMillis(500))) {
            SequenceTracker tracker = new SequenceTrackerService(DomainRegistry.seedDefaults(), store);
            assertThat(tracker.advance(TrackedEvent.of("user_account", "u-1", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
            redis.kill();
            assertThatThrownBy(() -> tracker.advance(TrackedEvent.of("user_account", "u-1", 2)))
                    .isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("user_account/u-1")
                    .hasCauseInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> store.read(key)).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(() -> store.advanceAll(List.of(new AdvanceRequest(key, 2, STRICT))))
                    .isInstanceOf(SequenceStoreException.class);
        } finally {
            redis.close();
        }
    }

    @Test
    void sigstopPastTheCommandTimeoutFailsClosedAndTheRetriedCommitIsSafe() {
        try (RedisProcess redis = RedisProcess.start();
                RedisSequenceStore store = store(redis, Duration.ofMillis(300))) {
            ClaimResult claim = store.claim(key, 1, STRICT, "w1", LEASE);
            redis.pause();
            try {
                assertThatThrownBy(() -> store.commit(key, 1, claim.fencingToken()))
                        .isInstanceOf(SequenceStoreException.class)
                        .hasMessageContaining("outcome unknown");
            } finally {
                redis.resume();
            }
            // the first commit may have landed once Redis woke up: the retry must say so, never fail or double-apply
            assertThat(store.commit(key, 1, claim.fencingToken()))
                    .isIn(CommitResult.COMMITTED, CommitResult.ALREADY_COMMITTED);
            assertThat(store.read(key).lastCommitted()).isEqualTo(1);
            assertThat(store.advance(key, 2, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        }
    }

    @Test
    void scriptFlushMidRunIsTransparent() {
        try (RedisProcess redis = RedisProcess.start(); RedisSequenceStore store = store(redis, Duration.ofSeconds(2))) {
            assertThat(store.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(redis.cli("SCRIPT", "FLUSH")).isEqualTo("OK");
            assertThat(store.advance(key, 2, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
            ClaimResult claim = store.claim(key, 3, STRICT, "w1", LEASE);
            redis.cli("SCRIPT", "FLUSH");
            assertThat(store.commit(key, 3, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);
            redis.cli("SCRIPT", "FLUSH");
            List<AdvanceRequest> batch = new ArrayList<>();
            for (long seq = 4; seq <= 50; seq++) {
                batch.add(new AdvanceRequest(key, seq, STRICT));
            }
            assertThat(store.advanceAll(batch)).allMatch(r -> r.verdict() == Verdict.IN_ORDER);
            assertThat(store.read(key).lastCommitted()).isEqualTo(50);
        }
    }

    /**
     * A batch sent while the server's script cache is empty must not be reordered by the EVAL fallback: the batch runs
     * as one atomic script call, so either all of it waits for the fallback or none does.
     */
    @Test
    void batchOnAnEmptyScriptCacheKeepsTheOrderOfEachAggregate() {
        try (RedisProcess redis = RedisProcess.start(); RedisSequenceStore store = store(redis, Duration.ofSeconds(2))) {
            for (int round = 0; round < 5; round++) {
                redis.cli("SCRIPT", "FLUSH");
                List<AdvanceRequest> batch = new ArrayList<>();
                for (long seq = 1; seq <= 300; seq++) {
                    for (int a = 0; a < 3; a++) {
                        batch.add(new AdvanceRequest(AggregateKey.of("user_account", "round" + round + "-" + a), seq,
                                STRICT));
                    }
                }
                assertThat(store.advanceAll(batch)).as("round %d", round).allMatch(r -> r.verdict() == Verdict.IN_ORDER);
            }
        }
    }

    @Test
    void restartWithAofLosesNoAcknowledgedCommit() {
        try (RedisProcess redis = RedisProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
            try (RedisSequenceStore store = store(redis, Duration.ofSeconds(2))) {
                for (long seq = 1; seq <= 200; seq++) {
                    ClaimResult claim = store.claim(key, seq, STRICT, "w1", LEASE);
                    assertThat(store.commit(key, seq, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);
                }
                redis.kill();
                redis.restart();
                assertThat(Eventually.answered(() -> store.read(key)).lastCommitted())
                        .as("every acknowledged commit survives SIGKILL with appendfsync always").isEqualTo(200);
                assertThat(store.advance(key, 200, STRICT).verdict()).isEqualTo(Verdict.DUPLICATE);
                assertThat(store.advance(key, 201, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
            }
        }
    }

    @Test
    void corruptedKeyIsReportedNeverOverwritten() {
        try (RedisProcess redis = RedisProcess.start(); RedisSequenceStore store = store(redis, Duration.ofSeconds(2))) {
            store.advance(key, 1, STRICT);
            KeyLayout layout = new KeyLayout("seqtrack", store.config().buckets());
            String restKey = new String(layout.keys(key)[0], StandardCharsets.UTF_8);
            String field = new String(KeyLayout.field(key.aggregateId()), StandardCharsets.UTF_8);
            assertThat(redis.cli("HGET", restKey, field)).isEqualTo("1");
            redis.cli("HSET", restKey, field, "not-a-number");

            assertThatThrownBy(() -> store.advance(key, 2, STRICT))
                    .isInstanceOf(SequenceStoreException.class)
                    .hasMessageContaining("corrupted state for user_account/u-1")
                    .hasMessageContaining("not-a-number");
            assertThatThrownBy(() -> store.claim(key, 2, STRICT, "w1", LEASE)).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(() -> store.read(key)).isInstanceOf(SequenceStoreException.class);
            assertThatThrownBy(() -> store.reset(key, 5)).isInstanceOf(SequenceStoreException.class);
            assertThat(redis.cli("HGET", restKey, field)).as("reported, not overwritten").isEqualTo("not-a-number");

            assertThat(store.delete(key)).as("an operator can discard it explicitly").isTrue();
            assertThat(store.advance(key, 1, STRICT).verdict()).isEqualTo(Verdict.IN_ORDER);
        }
    }
}
