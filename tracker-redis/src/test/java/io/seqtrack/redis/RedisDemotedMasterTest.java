package io.seqtrack.redis;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.redis.testsupport.RedisProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A retried commit or skip is recognised by the store ({@code ALREADY_COMMITTED}, {@code SKIPPED}) without writing
 * anything new — so a master that a failover has just demoted could confirm a write its new master never had, and a
 * {@code WAIT} on a connection that did not make the write would confirm nothing. The scripts therefore write the
 * aggregate's value again, unchanged, when they recognise a retry: a demoted master refuses ({@code READONLY}) and
 * the caller keeps the outcome unknown. (The torture suite's Sentinel failover announced a skip that the failover then
 * discarded, from such a confirmation.)
 */
class RedisDemotedMasterTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "demoted");

    @Test
    @Timeout(120)
    void aRetryOnADemotedMasterIsRefusedNotConfirmed() {
        try (RedisProcess first = RedisProcess.start();
                RedisProcess second = RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(first.port()))) {
            RedisStoreConfig config = RedisStoreConfig.builder().uri(first.uri()).keyPrefix("demoted")
                    .commandTimeout(Duration.ofSeconds(2)).build();
            try (RedisSequenceStore store = RedisSequenceStore.create(config)) {
                ClaimResult claim = store.claim(KEY, 1, STRICT, "w1", Duration.ofSeconds(30));
                assertThat(store.commit(KEY, 1, claim.fencingToken())).isEqualTo(CommitResult.COMMITTED);
                SkippedRange range = new SkippedRange(2, 3, Instant.parse("2026-11-28T00:00:00Z"), "gap");
                assertThat(store.skip(KEY, 1, 3, range).skipped()).isTrue();
                // before the failover the retries are recognised, and confirmed
                assertThat(store.commit(KEY, 1, claim.fencingToken())).isEqualTo(CommitResult.ALREADY_COMMITTED);
                assertThat(store.skip(KEY, 1, 3, range)).isEqualTo(SkipResult.skipped(3));

                awaitReplicated(first, second);
                second.cli("REPLICAOF", "NO", "ONE");
                first.cli("REPLICAOF", "127.0.0.1", Integer.toString(second.port()));
                awaitLinked(first);

                // the old master still holds both writes, read-only: it must not confirm them
                assertThatThrownBy(() -> store.commit(KEY, 1, claim.fencingToken()))
                        .isInstanceOf(SequenceStoreException.class).hasMessageContaining("READONLY");
                assertThatThrownBy(() -> store.skip(KEY, 1, 3, range))
                        .isInstanceOf(SequenceStoreException.class).hasMessageContaining("READONLY");
                assertThat(store.read(KEY).lastCommitted()).as("reads still work on the replica").isEqualTo(3);
            }
        }
    }

    private static void awaitReplicated(RedisProcess master, RedisProcess replica) {
        await("the replica caught up", () -> offset(master, "master_repl_offset").equals(
                offset(replica, "slave_repl_offset")));
    }

    private static void awaitLinked(RedisProcess replica) {
        await("the old master follows the new one", () -> replica.cli("INFO", "replication").lines()
                .map(String::trim).toList().contains("master_link_status:up"));
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000); // polling real processes
        }
    }

    private static String offset(RedisProcess redis, String field) {
        return redis.cli("INFO", "replication").lines().map(String::trim).filter(l -> l.startsWith(field + ":"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1)).orElse("none");
    }
}
