package io.seqtrack.benchmarks;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.seqtrack.redis.RedisStoreConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The Redis one benchmark trial runs against, with a key prefix of its own.
 *
 * <ul>
 *   <li>{@code -Dseqtrack.redis.uri=redis://host:port} or {@code redis-sentinel://h1:p1,h2:p2#master}
 *       (comma-separated seed nodes for a Cluster, with
 *       {@code -Dseqtrack.redis.cluster=true}; {@code -Dseqtrack.redis.wait=N} makes every store write wait for N
 *       replicas): an existing deployment. Nothing is flushed: the trial writes under a
 *       fresh prefix {@code bench-<random>} and unlinks only that prefix's keys when it ends.</li>
 *   <li>No URI: a throwaway {@code redis-server} is started on a free loopback port ({@link RedisServerLauncher}) and
 *       destroyed when the trial ends.</li>
 * </ul>
 */
final class RedisTarget implements AutoCloseable {

    static final String URI_PROPERTY = "seqtrack.redis.uri";
    static final String CLUSTER_PROPERTY = "seqtrack.redis.cluster";
    /** Replicas every store write waits for ({@code WAIT n}), for the replicated topology; default 0 (no WAIT). */
    static final String WAIT_PROPERTY = "seqtrack.redis.wait";

    private final RedisServerLauncher launcher;
    private final List<String> uris;
    private final boolean cluster;
    private final String keyPrefix;
    private io.lettuce.core.AbstractRedisClient rawClient;
    private StatefulConnection<String, String> rawConnection;
    private RedisStringCommands<String, String> strings;
    private RedisKeyCommands<String, String> keys;
    private io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async;
    /** used_memory of every master (a Cluster) or of the one server. */
    private java.util.function.LongSupplier usedMemory;

    private RedisTarget(RedisServerLauncher launcher, List<String> uris, boolean cluster) {
        this.launcher = launcher;
        this.uris = uris;
        this.cluster = cluster;
        this.keyPrefix = "bench-" + UUID.randomUUID().toString().substring(0, 13);
    }

    /** The configured deployment, or a freshly launched server. */
    static RedisTarget open() {
        String uri = System.getProperty(URI_PROPERTY, "").trim();
        if (uri.isEmpty()) {
            RedisServerLauncher launcher = RedisServerLauncher.start();
            return new RedisTarget(launcher, List.of(launcher.uri()), false);
        }
        // a Sentinel URI lists its sentinels with commas itself: redis-sentinel://h1:p1,h2:p2#master
        List<String> uris = uri.startsWith("redis-sentinel://") ? List.of(uri)
                : Arrays.stream(uri.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new RedisTarget(null, uris, Boolean.getBoolean(CLUSTER_PROPERTY));
    }

    /** The store configuration of this trial: its URI(s), cluster flag and private key prefix. */
    RedisStoreConfig storeConfig() {
        RedisStoreConfig.Builder builder = RedisStoreConfig.builder().keyPrefix(keyPrefix).cluster(cluster);
        uris.forEach(builder::uri);
        int waitReplicas = waitReplicas();
        if (waitReplicas > 0) {
            builder.waitForReplicas(waitReplicas, Duration.ofSeconds(1));
        }
        return builder.build();
    }

    String keyPrefix() {
        return keyPrefix;
    }

    /** The URI(s) of the deployment (seeds for a Cluster). */
    List<String> uris() {
        return uris;
    }

    boolean cluster() {
        return cluster;
    }

    /** Replicas a write waits for ({@code -Dseqtrack.redis.wait}), 0 without WAIT. */
    static int waitReplicas() {
        return Integer.getInteger(WAIT_PROPERTY, 0);
    }

    boolean launched() {
        return launcher != null;
    }

    /** Plain string commands (for the naive baseline), on a connection this target owns. */
    synchronized RedisStringCommands<String, String> strings() {
        connectRaw();
        return strings;
    }

    private void connectRaw() {
        if (rawConnection != null) {
            return;
        }
        if (cluster) {
            List<RedisURI> seeds = uris.stream().map(RedisURI::create).toList();
            RedisClusterClient client = RedisClusterClient.create(seeds);
            StatefulRedisClusterConnection<String, String> c = client.connect();
            rawClient = client;
            rawConnection = c;
            strings = c.sync();
            keys = c.sync();
            async = c.async();
            usedMemory = () -> c.getPartitions().stream()
                    .filter(n -> n.getRole().isUpstream())
                    .mapToLong(n -> parseUsedMemory(c.getConnection(n.getNodeId()).sync().info("memory")))
                    .sum();
        } else {
            RedisClient client = RedisClient.create(uris.get(0));
            StatefulRedisConnection<String, String> c = client.connect();
            rawClient = client;
            rawConnection = c;
            strings = c.sync();
            keys = c.sync();
            async = c.async();
            usedMemory = () -> parseUsedMemory(c.sync().info("memory"));
        }
    }

    /** Async commands on this target's own connection (for pipelined fills: memory benchmark). */
    synchronized io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async() {
        connectRaw();
        return async;
    }

    /** The raw connection, e.g. to switch auto-flush off for a pipelined fill. */
    synchronized StatefulConnection<String, String> connection() {
        connectRaw();
        return rawConnection;
    }

    /** {@code used_memory} from {@code INFO memory}: of the server, or summed over a Cluster's masters. */
    synchronized long usedMemory() {
        connectRaw();
        return usedMemory.getAsLong();
    }

    static long parseUsedMemory(String info) {
        return info.lines().filter(l -> l.startsWith("used_memory:"))
                .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst()
                .orElseThrow(() -> new IllegalStateException("INFO memory has no used_memory line"));
    }

    /** Unlinks every key under this trial's prefix (a Cluster scan visits every master). */
    synchronized long deletePrefix() {
        connectRaw();
        long deleted = 0;
        ScanArgs match = ScanArgs.Builder.matches(keyPrefix + ":*").limit(1_000);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = keys.scan(cursor, match);
            List<String> found = new ArrayList<>(page.getKeys());
            if (!found.isEmpty()) {
                deleted += keys.unlink(found.toArray(String[]::new));
            }
            cursor = page;
        } while (!cursor.isFinished());
        return deleted;
    }

    @Override
    public synchronized void close() {
        try {
            if (launcher == null) {
                deletePrefix(); // an existing deployment: leave nothing of ours behind, touch nothing else
            }
        } finally {
            if (rawConnection != null) {
                rawConnection.close();
                rawClient.shutdown();
            }
            if (launcher != null) {
                launcher.close();
            }
        }
    }
}
