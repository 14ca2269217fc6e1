package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.seqtrack.redis.testsupport.RedisClusterProcesses;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The streams runner on a real Redis Cluster — three masters with a replica each, {@code redis-server} processes the
 * test starts — through a {@code RedisClusterClient}: a run with two competing consumers, and a run during which the
 * master of the stream's slot is killed (SIGKILL) and its replica promoted. Judged by {@link RunCheck} as the
 * standalone scenarios are. The failover runs last: it leaves the Cluster with one master fewer replicas.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamsClusterTest {

    private static RedisClusterProcesses cluster;
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start(3);
        client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
        client.setOptions(ClusterClientOptions.builder().topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enableAllAdaptiveRefreshTriggers().adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                .enablePeriodicRefresh(Duration.ofSeconds(1)).build()).build());
        connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(3));
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.shutdown();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every node as a seed: several URIs are a Cluster. Two consumers compete; every event once, in order. */
    @Test
    @Order(1)
    void aRunOnAThreeMasterClusterCommitsEveryEntryOnceInOrder() throws Exception {
        try (TopologyRun run = new TopologyRun("cluster-events-1", connection::sync,
                b -> b.redisUris(cluster.uris()))) {
            run.add(8, 1, 10);
            run.worker("w1", ctx -> { }, b -> b);
            run.worker("w2", ctx -> { }, b -> b);
            run.add(8, 11, 20);
            run.awaitDone(8, 20);
            assertThat(run.history.count(e -> e.type() == 'A')).as("every entry acknowledged")
                    .isGreaterThanOrEqualTo(160);
        }
    }

    /** The Guice module with the Cluster's seed nodes: the runner it binds reads the stream on the Cluster. */
    @Test
    @Order(2)
    void theGuiceModuleTakesClusterSeeds() throws Exception {
        String stream = "cluster-module-events";
        for (long seq = 1; seq <= 5; seq++) {
            for (int a = 0; a < 5; a++) {
                connection.sync().xadd(stream, java.util.Map.of("domain", "user_account", "aggregateId", "m" + a,
                        "sequence", Long.toString(seq)));
            }
        }
        List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.google.inject.Injector injector = com.google.inject.Guice.createInjector(
                new io.seqtrack.inmemory.InMemoryStoreModule(), new io.seqtrack.processor.ProcessorModule(),
                new StreamsConsumerModule(cluster.uris(), stream, "module-group", "c1")
                        .customize(builder -> builder.pollTimeout(Duration.ofMillis(50))),
                binder -> {
                    binder.bind(io.seqtrack.core.registry.DomainRegistry.class)
                            .toInstance(io.seqtrack.core.registry.DomainRegistry.seedDefaults());
                    binder.bind(io.seqtrack.processor.EventHandler.class).toInstance((event, ctx) ->
                            handled.add(ctx.key() + "#" + ctx.sequence()));
                });
        StreamsConsumerRunner runner = injector.getInstance(StreamsConsumerRunner.class);
        runner.start();
        try {
            TopologyRun.await("25 events handled and acknowledged", () -> handled.size() == 25
                    && connection.sync().xpending(stream, "module-group").getCount() == 0);
        } finally {
            runner.close();
            injector.getInstance(io.seqtrack.processor.EventProcessor.class).close();
        }
        assertThat(handled).doesNotHaveDuplicates().hasSize(25);
    }

    /**
     * The owner-checked refresh script on the Cluster (one key: it runs on the master of the stream's slot, reached
     * through the cluster connection as the runner reaches it), after a {@code SCRIPT FLUSH} on every master:
     * {@link OwnedRefreshTest#checkOwnedRefresh}.
     */
    @Test
    @Order(2)
    void theOwnedRefreshRunsOnTheStreamsMaster() {
        try (var scripting = client.connect(StreamsCodec.INSTANCE)) {
            OwnedRefreshTest.checkOwnedRefresh(connection.sync(), scripting.sync(), "cluster-owned-refresh");
        }
    }

    /**
     * Through the Cluster's connections too, entries are read as bytes ({@link StreamsCodec}): a binary payload
     * reaches the handler as written, and an entry whose {@code aggregateId} is not UTF-8 is rejected naming it.
     */
    @Test
    @Order(2)
    void aBinaryPayloadIsReadAsBytesOnTheCluster() throws Exception {
        String stream = "cluster-binary-events";
        byte[] payload = {(byte) 0x0a, (byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3};
        java.util.function.Function<String, byte[]> utf8 = t -> t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] key = utf8.apply(stream);
        try (var bytes = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            java.util.function.BiFunction<byte[], byte[], java.util.Map<byte[], byte[]>> entry = (aggregate, value) -> {
                java.util.Map<byte[], byte[]> fields = new java.util.LinkedHashMap<>();
                fields.put(utf8.apply("domain"), utf8.apply("user_account"));
                fields.put(utf8.apply("aggregateId"), aggregate);
                fields.put(utf8.apply("sequence"), utf8.apply("1"));
                fields.put(utf8.apply("payload"), value);
                return fields;
            };
            bytes.sync().xadd(key, entry.apply(new byte[] {'b', (byte) 0xff}, payload));
            bytes.sync().xadd(key, entry.apply(utf8.apply("b0"), payload));
        }
        List<byte[]> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<StreamRejection> rejected = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.seqtrack.processor.EventProcessor processor = io.seqtrack.processor.EventProcessor.builder()
                .registry(io.seqtrack.core.registry.DomainRegistry.seedDefaults())
                .store(io.seqtrack.inmemory.InMemorySequenceStore.create())
                .buffer(io.seqtrack.inmemory.InMemoryEventBuffer.create())
                .handler((event, ctx) -> handled.add(event.payload())).build();
        StreamsConsumerRunner runner = StreamsConsumerRunner.builder().redisUris(cluster.uris()).stream(stream)
                .group("binary-group").consumer("c1").processor(processor).pollTimeout(Duration.ofMillis(50))
                .rejections(r -> {
                    rejected.add(r);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }).build();
        runner.start();
        try {
            TopologyRun.await("one handled, one rejected, both acknowledged", () -> handled.size() == 1
                    && rejected.size() == 1 && connection.sync().xpending(stream, "binary-group").getCount() == 0);
        } finally {
            runner.close();
            processor.close();
        }
        assertThat(handled).singleElement().isEqualTo(payload);
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(StreamRejection.Kind.UNMAPPABLE);
            assertThat(r.reason()).contains("field aggregateId is not valid UTF-8");
            assertThat(r.entry().getBody().get("payload")).isEqualTo(payload);
        });
    }

    /**
     * The takeover's claim script on the Cluster, after a {@code SCRIPT FLUSH} on every master:
     * {@link IdleClaimTest#checkIdleClaim}.
     */
    @Test
    @Order(2)
    void theIdleClaimRunsOnTheStreamsMaster() {
        try (var bytes = client.connect(StreamsCodec.INSTANCE)) {
            IdleClaimTest.checkIdleClaim(connection.sync(), bytes.sync(), "cluster-idle-claim");
        }
    }

    /**
     * One seed and {@code cluster(true)}; the stream's slot lives on the master of another node. The whole run is on
     * that master's slot; it is killed mid-run (handlers are slowed so that entries are in flight and unread), its
     * replica takes over, and the runner carries on there: every event committed once, in order, every entry
     * acknowledged. What the failover lost (deliveries and {@code XACK}s not yet replicated) comes back as redeliveries
     * and takeovers of the runner's own pending entries: duplicates to the store, never a handler run.
     */
    @Test
    @Order(3)
    void theStreamsMasterFailingOverMidRunIsSurvived() throws Exception {
        String stream = "cluster-events-failover";
        int slot = SlotHash.getSlot(stream);
        RedisProcess victim = cluster.masterOf(slot);
        String seed = cluster.nodes().stream().filter(n -> n != victim).findFirst().orElseThrow().uri();
        try (TopologyRun run = new TopologyRun(stream, connection::sync, b -> b.redisUri(seed).cluster(true))) {
            run.add(6, 1, 10);
            awaitReplicasCaughtUp(victim);
            run.worker("w1", ctx -> Thread.sleep(30), b -> b.claimIdle(Duration.ofSeconds(1))
                    .claimInterval(Duration.ofMillis(200)).commandTimeout(Duration.ofSeconds(1)));
            TopologyRun.await("some events committed", () -> run.committedCount() >= 15);
            long before = run.committedCount();
            victim.kill();
            RedisProcess promoted = cluster.awaitFailover(slot, victim, Duration.ofSeconds(30));
            assertThat(before).as("killed mid-run").isLessThan(60);
            client.refreshPartitions();
            run.add(6, 11, 20);
            run.awaitDone(6, 20);
            System.out.println(getClass().getSimpleName() + " failover run: " + run.summary());
            assertThat(cluster.masterOf(slot)).isSameAs(promoted);
        }
    }

    /** Waits until every replica of {@code master} has replicated all its writes (so that a kill loses none of them). */
    static void awaitReplicasCaughtUp(RedisProcess master) throws InterruptedException {
        TopologyRun.await("the replicas of " + master.port() + " caught up", () -> {
            List<String> info = master.cli("INFO", "replication").lines().map(String::trim).toList();
            long offset = info.stream().filter(l -> l.startsWith("master_repl_offset:"))
                    .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1))).findFirst().orElse(-1);
            List<Long> replicas = info.stream().filter(l -> l.matches("slave\\d+:.*")).map(l -> {
                for (String field : l.substring(l.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("offset=")) {
                        return Long.parseLong(field.substring("offset=".length()));
                    }
                }
                return -1L;
            }).toList();
            return !replicas.isEmpty() && replicas.stream().allMatch(o -> o >= offset);
        });
    }
}
