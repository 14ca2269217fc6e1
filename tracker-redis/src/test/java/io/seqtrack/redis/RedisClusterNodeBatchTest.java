package io.seqtrack.redis;

import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Node-wide Cluster batches (issue 13): a batch is one script call per node — the script's Redis 7
 * {@code allow-cross-slot-keys} form where a node serves several of the batch's slots — and an element whose slot
 * moved away, or is being migrated, is sent again where it belongs instead of failing or being applied twice.
 */
class RedisClusterNodeBatchTest {

    private static RedisClusterProcesses cluster;
    private static int prefixes;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static RedisSequenceStore store(String prefix) {
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(5));
        cluster.uris().forEach(config::uri);
        return RedisSequenceStore.create(config.build());
    }

    @Test
    @Timeout(120)
    void aBatchOverManySlotsIsOneScriptCallPerNode() {
        String prefix = "pernode" + (++prefixes);
        KeyLayout layout = new KeyLayout(prefix, 65_536);
        List<AggregateKey> keys = new ArrayList<>();
        Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            AggregateKey key = AggregateKey.of("user_account", "n-" + i);
            keys.add(key);
            slots.add(SlotHash.getSlot(layout.keys(key)[0]));
        }
        assertThat(slots.size()).as("the batch spans many slots").isGreaterThan(30);
        try (RedisSequenceStore store = store(prefix)) {
            store.read(keys.get(0)); // connected, the layout record written
            long before = scriptCalls();
            List<AdvanceResult> results = store.advanceAll(keys.stream().map(k -> new AdvanceRequest(k, 1, STRICT))
                    .toList());
            long calls = scriptCalls() - before;
            assertThat(results).allSatisfy(r -> assertThat(r).isEqualTo(AdvanceResult.inOrder(1)));
            // 3 masters: one EVALSHA each (plus an EVAL each if the server had not cached the node-wide script yet)
            assertThat(calls).as("script calls for a batch over %d slots", slots.size()).isBetween(3L, 6L);

            before = scriptCalls();
            List<ClaimResult> claims = store.claimAll(keys.stream()
                    .map(k -> new ClaimRequest(k, 2, STRICT, "w", Duration.ofSeconds(30))).toList());
            List<CommitResult> commits = store.commitAll(java.util.stream.IntStream.range(0, keys.size())
                    .mapToObj(i -> new CommitRequest(keys.get(i), 2, claims.get(i).fencingToken())).toList());
            assertThat(scriptCalls() - before).as("a claim and a commit batch").isBetween(6L, 12L);
            assertThat(commits).containsOnly(CommitResult.COMMITTED);
            for (AggregateKey key : keys) {
                assertThat(store.read(key).lastCommitted()).isEqualTo(2);
            }
        }
    }

    /**
     * A real reshard of two slots, step by step, against a client whose view of the slots is not refreshed in
     * between: a slot reassigned to another master (MOVED) and a slot whose keys were migrated but which is still
     * MIGRATING (the old master answers ASK). Each batch also carries elements of other slots of the same node, so it
     * goes as one node-wide call; the moved elements are answered X there and sent again where they belong, and every
     * element is applied at most once — exactly once for all but the migrating slot's, which Redis refuses (TRYAGAIN)
     * until the migration ends.
     */
    @Test
    @Timeout(180)
    void elementsOfAMigratingOrMovedSlotAreSentWhereTheyBelong() {
        String prefix = "reshard" + (++prefixes);
        KeyLayout layout = new KeyLayout(prefix, 65_536);
        int[] masters = cluster.masterPortsBySlot();
        // aggregates of the source master, each in a slot of its own, and some of the other masters
        int source = masters[SlotHash.getSlot(layout.keys(AggregateKey.of("user_account", "r-0"))[0])];
        Map<Integer, AggregateKey> onSource = new LinkedHashMap<>();
        List<AggregateKey> elsewhere = new ArrayList<>();
        for (int i = 0; onSource.size() < 6 || elsewhere.size() < 4; i++) {
            AggregateKey key = AggregateKey.of("user_account", "r-" + i);
            int slot = SlotHash.getSlot(layout.keys(key)[0]);
            if (masters[slot] == source) {
                onSource.putIfAbsent(slot, key);
            } else if (elsewhere.size() < 4) {
                elsewhere.add(key);
            }
        }
        List<Integer> sourceSlots = new ArrayList<>(onSource.keySet());
        int migrating = sourceSlots.get(0);
        int moved = sourceSlots.get(1);
        List<AggregateKey> all = new ArrayList<>(onSource.values());
        all.addAll(elsewhere);
        RedisProcess from = node(source);
        RedisProcess to = node(java.util.Arrays.stream(masters).filter(p -> p != source).findFirst().orElseThrow());

        try (RedisSequenceStore store = store(prefix)) {
            assertThat(store.advanceAll(requests(all, 1))).containsOnly(AdvanceResult.inOrder(1));

            // slot "moved": migrated and reassigned to the target; slot "migrating": keys migrated, not reassigned
            migrateKeys(from, to, moved);
            assign(moved, to);
            migrateKeys(from, to, migrating);
            assertThat(from.cli("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(migrating))).isEqualTo("0");

            // while the slots move: the moved slot's element is answered X by the old master and sent again (MOVED,
            // followed); the migrating slot's is sent again too and follows ASK to the target, which answers TRYAGAIN
            // (Redis refuses a multi-key call in an importing slot while some of its keys are not there): not applied,
            // outcome unknown to the caller, never applied twice
            AggregateKey migratingKey = onSource.get(migrating);
            io.seqtrack.core.domain.SequenceStoreException during = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> store.advanceAll(requests(all, 2)), io.seqtrack.core.domain.SequenceStoreException.class);
            assertThat(during).as("the migrating slot's element fails").isNotNull();
            assertThat(during.getMessage()).contains("1 of " + all.size()).contains("TRYAGAIN");
            List<java.util.Optional<Object>> known = during.batchResults();
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).equals(migratingKey)) {
                    assertThat(known.get(i)).as("the migrating element").isEmpty();
                } else {
                    assertThat(known.get(i)).as("element %s", all.get(i)).contains(AdvanceResult.inOrder(2));
                }
            }

            assign(migrating, to);
            assertThat(store.advance(migratingKey, 2, STRICT)).as("the refused element was not applied")
                    .isEqualTo(AdvanceResult.inOrder(2));
            List<ClaimResult> claims = store.claimAll(all.stream()
                    .map(k -> new ClaimRequest(k, 3, STRICT, "w", Duration.ofSeconds(30))).toList());
            assertThat(claims).allSatisfy(c -> assertThat(c.status())
                    .isEqualTo(io.seqtrack.core.port.out.ClaimStatus.CLAIMED));
            assertThat(store.commitAll(java.util.stream.IntStream.range(0, all.size())
                    .mapToObj(i -> new CommitRequest(all.get(i), 3, claims.get(i).fencingToken())).toList()))
                    .containsOnly(CommitResult.COMMITTED);
            assertThat(store.advanceAll(requests(all, 4))).as("after the reshard")
                    .containsOnly(AdvanceResult.inOrder(4));
            for (AggregateKey key : all) {
                assertThat(store.read(key).lastCommitted()).as("%s", key).isEqualTo(4);
            }
            assertThat(to.cli("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(moved))).isNotEqualTo("0");
            assertThat(from.cli("CLUSTER", "COUNTKEYSINSLOT", Integer.toString(moved))).isEqualTo("0");
        }
    }

    /**
     * One master stops answering (SIGSTOP) while a node-wide batch is out — the partial failure of issue 13: the other
     * masters' elements are answered and {@code batchResults()} says so, the paused master's are unknown (not "failed":
     * its script may still run when it resumes, and here it does — the call sits in its socket). Sent again once it
     * answers, every element ends at exactly the batch's sequence: nothing lost, nothing applied twice. The pause is
     * kept well under the cluster's node timeout, so no failover muddles the answer.
     */
    @Test
    @Timeout(120)
    void aMasterThatStopsAnsweringLeavesOnlyItsElementsUnknown() {
        String prefix = "paused" + (++prefixes);
        KeyLayout layout = new KeyLayout(prefix, 65_536);
        int[] masters = cluster.masterPortsBySlot();
        List<AggregateKey> keys = new ArrayList<>();
        List<Integer> portOf = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            AggregateKey key = AggregateKey.of("user_account", "p-" + i);
            keys.add(key);
            portOf.add(masters[SlotHash.getSlot(layout.keys(key)[0])]);
        }
        assertThat(new HashSet<>(portOf)).as("the batch spans every master").hasSize(3);
        RedisProcess paused = cluster.masterOf(SlotHash.getSlot(layout.keys(keys.get(0))[0]));
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix(prefix)
                .commandTimeout(Duration.ofMillis(400));
        cluster.uris().forEach(config::uri);
        try (RedisSequenceStore store = RedisSequenceStore.create(config.build())) {
            assertThat(store.advanceAll(requests(keys, 1))).containsOnly(AdvanceResult.inOrder(1));

            io.seqtrack.core.domain.SequenceStoreException failure;
            paused.pause();
            try {
                failure = org.assertj.core.api.Assertions.catchThrowableOfType(
                        () -> store.advanceAll(requests(keys, 2)), io.seqtrack.core.domain.SequenceStoreException.class);
            } finally {
                paused.resume();
            }
            assertThat(failure).as("the paused master's elements fail the batch").isNotNull();
            List<java.util.Optional<Object>> known = failure.batchResults();
            assertThat(known).hasSize(keys.size());
            int unknown = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (portOf.get(i) == paused.port()) {
                    assertThat(known.get(i)).as("element %s on the paused master", keys.get(i)).isEmpty();
                    unknown++;
                } else {
                    assertThat(known.get(i)).as("element %s on a live master", keys.get(i))
                            .contains(AdvanceResult.inOrder(2));
                }
            }
            assertThat(unknown).isPositive().isLessThan(keys.size());

            cluster.awaitHealthy(Duration.ofSeconds(30));
            List<AdvanceResult> again = store.advanceAll(requests(keys, 2));
            for (int i = 0; i < keys.size(); i++) {
                assertThat(again.get(i)).as("%s sent again", keys.get(i))
                        .isIn(AdvanceResult.inOrder(2), AdvanceResult.duplicate(2));
                if (portOf.get(i) != paused.port()) {
                    assertThat(again.get(i)).as("%s was answered the first time", keys.get(i))
                            .isEqualTo(AdvanceResult.duplicate(2));
                }
                assertThat(store.read(keys.get(i)).lastCommitted()).as("%s", keys.get(i)).isEqualTo(2);
            }
        }
    }

    /**
     * Invariant 12 on a Cluster: {@code advanceAsync(k, 1)}, {@code readAsync(k)}, {@code advanceAsync(k, 2)} in flight
     * for many aggregates over every master while a flusher empties every node's script cache over and over. A call
     * that meets NOSCRIPT falls back to EVAL (which reloads the script), and nothing issued after it on its aggregate
     * may overtake it: the read sees exactly #1 and #2 is in order. With auto-batching the advances go out as
     * node-wide batch scripts, flushed too.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "autoBatch {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 64})
    @Timeout(120)
    void asyncCallsOnOneAggregateStayInOrderWhileEveryNodesScriptCacheIsFlushed(int autoBatch) throws Exception {
        String prefix = "flush" + (++prefixes) + "-" + autoBatch;
        java.util.concurrent.atomic.AtomicBoolean flushing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
        Thread flusher = new Thread(() -> {
            List<io.lettuce.core.RedisClient> clients = new ArrayList<>();
            List<io.lettuce.core.api.sync.RedisCommands<String, String>> nodes = new ArrayList<>();
            try {
                for (RedisProcess node : cluster.liveNodes()) {
                    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(node.uri());
                    clients.add(client);
                    nodes.add(client.connect().sync());
                }
                while (flushing.get()) {
                    nodes.forEach(io.lettuce.core.api.sync.RedisScriptingCommands::scriptFlush);
                    flushes.incrementAndGet();
                    Thread.onSpinWait();
                }
            } finally {
                clients.forEach(io.lettuce.core.RedisClient::shutdown);
            }
        }, "cluster-script-flusher");
        int pairs = 2_000;
        List<java.util.concurrent.CompletableFuture<AdvanceResult>> firsts = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<io.seqtrack.core.port.out.AggregateState>> between =
                new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<AdvanceResult>> seconds = new ArrayList<>();
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().keyPrefix(prefix).autoBatch(autoBatch)
                .commandTimeout(Duration.ofSeconds(10));
        cluster.uris().forEach(config::uri);
        long evalsBefore;
        try (RedisSequenceStore store = RedisSequenceStore.create(config.build())) {
            store.read(AggregateKey.of("user_account", "warm-up")); // connected, the layout record written
            evalsBefore = calls("cmdstat_eval:");
            flusher.start();
            long started = System.nanoTime();
            while (flushes.get() < 2 && System.nanoTime() - started < Duration.ofSeconds(30).toNanos()) {
                Thread.onSpinWait(); // the flusher connected to every node and is flushing
            }
            for (int i = 0; i < pairs; i++) {
                AggregateKey k = AggregateKey.of("user_account", "pair-" + i);
                firsts.add(store.advanceAsync(k, 1, STRICT).toCompletableFuture());
                between.add(store.readAsync(k).toCompletableFuture());
                seconds.add(store.advanceAsync(k, 2, STRICT).toCompletableFuture());
            }
            java.util.concurrent.CompletableFuture.allOf(seconds.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);
            java.util.concurrent.CompletableFuture.allOf(between.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            flushing.set(false);
            flusher.join();
        }
        assertThat(flushes.get()).as("the caches were flushed while the calls ran").isGreaterThan(2);
        assertThat(calls("cmdstat_eval:") - evalsBefore).as("calls that met NOSCRIPT and fell back to EVAL")
                .isPositive();
        for (int i = 0; i < pairs; i++) {
            assertThat(firsts.get(i).join()).as("pair %d, #1", i).isEqualTo(AdvanceResult.inOrder(1));
            assertThat(between.get(i).join().lastCommitted()).as("pair %d, the read between", i).isEqualTo(1);
            assertThat(seconds.get(i).join()).as("pair %d, #2", i).isEqualTo(AdvanceResult.inOrder(2));
        }
    }

    private static List<AdvanceRequest> requests(List<AggregateKey> keys, long seq) {
        return keys.stream().map(k -> new AdvanceRequest(k, seq, STRICT)).toList();
    }

    /** Starts migrating {@code slot} from {@code from} to {@code to} and moves every key of it. */
    private static void migrateKeys(RedisProcess from, RedisProcess to, int slot) {
        String s = Integer.toString(slot);
        assertThat(to.cli("CLUSTER", "SETSLOT", s, "IMPORTING", from.cli("CLUSTER", "MYID"))).isEqualTo("OK");
        assertThat(from.cli("CLUSTER", "SETSLOT", s, "MIGRATING", to.cli("CLUSTER", "MYID"))).isEqualTo("OK");
        String keys = from.cli("CLUSTER", "GETKEYSINSLOT", s, "1000");
        assertThat(keys).as("slot %d holds keys", slot).isNotBlank();
        for (String key : keys.split("\n")) {
            assertThat(from.cli("MIGRATE", "127.0.0.1", Integer.toString(to.port()), key.trim(), "0", "5000"))
                    .isEqualTo("OK");
        }
    }

    /** Ends a migration: every master assigns {@code slot} to {@code to}. */
    private static void assign(int slot, RedisProcess to) {
        String id = to.cli("CLUSTER", "MYID");
        for (RedisProcess node : cluster.liveNodes()) {
            if (!node.cli("INFO", "replication").contains("role:master")) {
                continue;
            }
            assertThat(node.cli("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", id)).isEqualTo("OK");
        }
    }

    private static RedisProcess node(int port) {
        return cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    /** EVALSHA and EVAL calls on every master so far. */
    private static long scriptCalls() {
        return calls("cmdstat_evalsha:") + calls("cmdstat_eval:");
    }

    /** Calls of one command over every live node ({@code INFO commandstats}, {@code stat} its line's prefix). */
    private static long calls(String stat) {
        long total = 0;
        for (RedisProcess node : cluster.liveNodes()) {
            for (String line : node.cli("INFO", "commandstats").split("\n")) {
                line = line.trim();
                if (line.startsWith(stat)) {
                    String calls = line.substring(line.indexOf("calls=") + 6);
                    total += Long.parseLong(calls.substring(0, calls.indexOf(',')));
                }
            }
        }
        return total;
    }
}
