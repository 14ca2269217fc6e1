package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code waitForReplicas}: a master and one replica, real processes. WAIT runs once per flush — one per batch, one per
 * group of pipelined writes — on a connection no read queues behind, and a write is acknowledged only once the
 * replica has it (issue 13, item 2).
 */
@Timeout(120)
class RedisReplicaWaitTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static RedisProcess master;
    private static RedisProcess replica;

    @BeforeAll
    static void startMasterAndReplica() throws InterruptedException {
        master = RedisProcess.start();
        replica = RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!replica.cli("INFO", "replication").contains("master_link_status:up")) {
            assertThat(System.nanoTime()).as("replica in sync").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        replica.close();
        master.close();
    }

    private static RedisStoreConfig.Builder config(Duration commandTimeout, Duration waitTimeout) {
        return RedisStoreConfig.builder().uri(master.uri()).keyPrefix("wait" + PREFIXES.incrementAndGet())
                .commandTimeout(commandTimeout).waitForReplicas(1, waitTimeout);
    }

    /**
     * 64 {@code advanceAsync} calls sent while the master is stopped (so all of them are on the wire before the first
     * reply) and one {@code advanceAll} of 64: one WAIT each. Before: one WAIT per call (64), and two per batch (one on
     * the batch connection, one on the shared connection in case a NOSCRIPT fallback had written there).
     */
    @Test
    void pipelinedWritesAndABatchEachCostOneWait() throws Exception {
        try (RedisSequenceStore store = RedisSequenceStore.create(config(Duration.ofSeconds(10), Duration.ofSeconds(5))
                .build())) {
            store.advance(AggregateKey.of("user_account", "warm-up"), 1, STRICT); // connections up, scripts cached
            long before = waitCalls();
            List<CompletableFuture<AdvanceResult>> calls = new ArrayList<>();
            master.pause();
            try {
                for (int i = 0; i < 64; i++) {
                    calls.add(store.advanceAsync(AggregateKey.of("user_account", "async-" + i), 1, STRICT)
                            .toCompletableFuture());
                }
            } finally {
                master.resume();
            }
            for (CompletableFuture<AdvanceResult> call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(AdvanceResult.inOrder(1));
            }
            assertThat(waitCalls() - before).as("WAITs for 64 pipelined advanceAsync").isEqualTo(1);

            before = waitCalls();
            List<AdvanceRequest> batch = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                batch.add(new AdvanceRequest(AggregateKey.of("user_account", "batch-" + i), 1, STRICT));
            }
            assertThat(store.advanceAll(batch)).containsOnly(AdvanceResult.inOrder(1));
            assertThat(waitCalls() - before).as("WAITs for one advanceAll of 64").isEqualTo(1);
        }
    }

    /**
     * A write waits in WAIT (the replica is stopped); meanwhile a read on the same store must answer. Before, the WAIT
     * ran on the shared connection, Redis serves a connection's commands in order, and the read sat behind the WAIT
     * until its command timeout (1 s, shorter than the WAIT's 20 s) failed it.
     */
    @Test
    void aWriteWaitingForTheReplicaStallsNoRead() throws Exception {
        AggregateKey written = AggregateKey.of("user_account", "written");
        AggregateKey other = AggregateKey.of("user_account", "other");
        try (RedisSequenceStore store = RedisSequenceStore.create(config(Duration.ofSeconds(1), Duration.ofSeconds(20))
                .build())) {
            store.advance(other, 1, STRICT);
            CompletableFuture<AdvanceResult> waiting;
            replica.pause();
            try {
                waiting = store.advanceAsync(written, 1, STRICT).toCompletableFuture();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!master.cli("INFO", "clients").contains("blocked_clients:1")) {
                    assertThat(System.nanoTime()).as("the write's WAIT blocks on the master").isLessThan(deadline);
                    Thread.sleep(10);
                }
                assertThat(store.read(other).lastCommitted()).as("a read while a WAIT is blocked").isEqualTo(1);
                assertThat(waiting).as("the write is not acknowledged while the replica is stopped").isNotDone();
            } finally {
                replica.resume();
            }
            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(AdvanceResult.inOrder(1));
        }
    }

    /**
     * Nothing is acknowledged that the replica does not have. While the replica is stopped, every one of 64 concurrent
     * writes (and a batch, a claim, a commit) fails closed, none is reported done — a WAIT on a connection that did not
     * write, or one shared by a write sent after it, would answer at once with the replica's old acknowledgement. Once
     * it runs again, every acknowledged commit is on the replica.
     */
    @Test
    void aCommitAcknowledgedUnderWaitIsOnTheReplica() throws Exception {
        RedisStoreConfig config = config(Duration.ofSeconds(2), Duration.ofMillis(300)).build();
        try (RedisSequenceStore store = RedisSequenceStore.create(config)) {
            AggregateKey held = AggregateKey.of("user_account", "held");
            ClaimResult claim = store.claim(held, 1, STRICT, "w1", LEASE); // acknowledged: a WAIT was answered
            replica.pause();
            List<CompletableFuture<?>> writes = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            try {
                for (int i = 0; i < 64; i++) {
                    writes.add(store.advanceAsync(AggregateKey.of("user_account", "stopped-" + i), 1, STRICT)
                            .toCompletableFuture());
                }
                writes.add(store.commitAsync(held, 1, claim.fencingToken()).toCompletableFuture());
                for (CompletableFuture<?> write : writes) {
                    try {
                        write.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add(e.getCause());
                    }
                }
                try {
                    store.advanceAll(List.of(new AdvanceRequest(AggregateKey.of("user_account", "stopped-b"), 1,
                            STRICT)));
                } catch (SequenceStoreException e) {
                    failures.add(e);
                }
            } finally {
                replica.resume();
            }
            assertThat(failures).as("writes reported done while no replica could acknowledge them")
                    .hasSize(writes.size() + 1)
                    .allSatisfy(e -> assertThat(e).isInstanceOf(SequenceStoreException.class)
                            .hasMessageContaining("outcome unknown"));

            // the replica runs again: acknowledged writes are on it
            List<CompletableFuture<CommitResult>> commits = new ArrayList<>();
            List<AggregateKey> committed = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                AggregateKey k = AggregateKey.of("user_account", "acked-" + i);
                long token = store.claim(k, 1, STRICT, "w1", LEASE).fencingToken();
                commits.add(store.commitAsync(k, 1, token).toCompletableFuture());
                committed.add(k);
            }
            for (CompletableFuture<CommitResult> commit : commits) {
                assertThat(commit.join()).isEqualTo(CommitResult.COMMITTED);
            }
            KeyLayout layout = new KeyLayout(config.keyPrefix(), config.buckets());
            for (AggregateKey k : committed) {
                String rest = new String(layout.keys(k)[0], StandardCharsets.UTF_8);
                assertThat(replica.cli("HGET", rest, k.aggregateId())).as("%s on the replica", k)
                        .startsWith("1:");
            }
        }
    }

    /** How many WAIT commands the master has run ({@code cmdstat_wait:calls=N} of {@code INFO commandstats}). */
    private static long waitCalls() {
        Matcher m = Pattern.compile("cmdstat_wait:calls=(\\d+)").matcher(master.cli("INFO", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
