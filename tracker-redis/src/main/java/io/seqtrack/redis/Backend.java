package io.seqtrack.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce connections a store or buffer uses, over a standalone/Sentinel or a Cluster client: one shared by single
 * and async calls (Netty pipelines concurrent commands on it), one for batches with auto-flush off, and — only with
 * {@code waitReplicas > 0} — one for the single writes that wait for replicas. {@code WAIT} blocks the connection it
 * runs on (Redis serves a client's commands in order), and it must run on the connection that wrote; so it runs only
 * on the batch and write connections, and no read or call without WAIT ever queues behind it.
 */
abstract class Backend implements AutoCloseable {

    private final AbstractRedisClient client;
    private final boolean ownsClient;

    Backend(AbstractRedisClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
    }

    /**
     * Whether where this backend connects is told by its configuration alone, as for {@code other}: both made their
     * own clients from their configurations, or both use the very same client. A borrowed client decides itself where
     * it connects (a {@code RedisClusterClient} uses its own seeds), so two configurations say nothing about it.
     */
    boolean comparableWith(Backend other) {
        return client == other.client || ownsClient && other.ownsClient;
    }

    /** The commands to run a script on {@code key} with: the shared connection, or the batch connection inside a batch. */
    abstract RedisScriptingAsyncCommands<byte[], byte[]> commands(byte[] key, boolean batch);

    /**
     * With {@code waitReplicas > 0}: the one connection a write on {@code key} and its {@code WAIT} go through — the
     * batch connection inside a batch, the write connection otherwise; on a Cluster, that connection's connection to
     * the master of the key's slot (WAIT counts the writes of the connection it runs on).
     */
    abstract StatefulRedisConnection<byte[], byte[]> pinned(byte[] key, boolean batch);

    /**
     * Plain commands on the shared connection, routed by key on a Cluster; there {@code SCAN} walks every master in
     * turn (Lettuce's cluster scan), so one cursor loop sees the whole keyspace.
     */
    abstract RedisClusterAsyncCommands<byte[], byte[]> keyCommands();

    /**
     * A command failed: on a Cluster, an answer that says the client's view of the slots is stale (MOVED or ASK from a
     * node connection, CLUSTERDOWN, a timeout on a node that may be gone) asks for a topology refresh — writes pinned to
     * node connections (WAIT mode) get no redirect from Lettuce and would fail until the periodic refresh otherwise.
     */
    void commandFailed(Throwable error) {
    }

    /**
     * On a Cluster: the id of the master that serves {@code slot} in the client's current view, {@code null} if none is
     * known (or not a Cluster).
     */
    String masterOf(int slot) {
        return null;
    }

    /**
     * On a Cluster: the batch connection's connection to node {@code nodeId}, for a node-wide batch call; awaited for
     * at most the command timeout. Under WAIT this is the connection {@link #pinned} gives for the node's slots, so the
     * batch's WAIT covers the call.
     */
    StatefulRedisConnection<byte[], byte[]> batchNodeConnection(String nodeId) {
        throw new IllegalStateException("not a Cluster");
    }

    /** On a Cluster: the client's view of the slots proved stale (a node does not serve a slot it was sent for). */
    void topologyStale() {
    }

    /** Whether this is a Cluster: a script then reaches only the keys of one hash slot. */
    boolean clustered() {
        return this instanceof ClusterBackend;
    }

    /** The batch connection, whose auto-flush a batch turns off; {@code null} if batches pipeline without it. */
    abstract StatefulConnection<byte[], byte[]> flushableBatchConnection();

    abstract void closeConnections();

    /** A new pub/sub connection (to the master, or any cluster node: cluster PUBLISH reaches every node). */
    abstract io.lettuce.core.pubsub.StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub();

    @Override
    public void close() {
        closeConnections();
        if (ownsClient) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Opens the connections for a store or buffer ({@code what}), failing closed with a {@link
     * io.seqtrack.core.domain.SequenceStoreException} that names the (credential-free) configuration.
     */
    static Backend connect(RedisStoreConfig config, AbstractRedisClient borrowed, String what) {
        try {
            return open(config, borrowed);
        } catch (RuntimeException e) {
            throw io.seqtrack.core.domain.SequenceStoreException.cannotConnect(what + " to " + config.targets(),
                    connectFailure(e), e);
        }
    }

    /**
     * Why a connection failed, in Redis' own words where it answered (WRONGPASS, NOAUTH, ERR DB index is out of range,
     * NOPERM, …) and the network's otherwise (connection refused, unknown host, TLS) — not Lettuce's generic
     * "Unable to connect to host/&lt;unresolved&gt;:port".
     */
    static String connectFailure(Throwable e) {
        String network = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandExecutionException && t.getMessage() != null) {
                return "Redis answered: " + t.getMessage();
            }
            if (network == null) {
                if (t instanceof java.net.ConnectException) {
                    network = "connection refused (" + t.getMessage() + ") — is Redis running there?";
                } else if (t instanceof java.net.UnknownHostException) {
                    network = "unknown host " + t.getMessage();
                } else if (t instanceof javax.net.ssl.SSLException) {
                    network = "TLS failed: " + t.getMessage();
                } else if (t instanceof io.lettuce.core.RedisCommandTimeoutException
                        || t instanceof java.util.concurrent.TimeoutException) {
                    network = "timed out: " + t.getMessage();
                }
            }
        }
        if (network != null) {
            return network;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** A borrowed client must match the topology: a RedisClient for standalone/Sentinel, a RedisClusterClient for Cluster. */
    static AbstractRedisClient requireMatchingClient(RedisStoreConfig config, AbstractRedisClient client, String what) {
        java.util.Objects.requireNonNull(client, "client");
        boolean clusterClient = client instanceof RedisClusterClient;
        if (clusterClient != (config.topology() == RedisStoreConfig.Topology.CLUSTER)) {
            throw new IllegalArgumentException("a " + config.topology() + " " + what + " needs a "
                    + (clusterClient ? "RedisClient" : "RedisClusterClient") + ", got " + client.getClass().getSimpleName());
        }
        return client;
    }

    /** How long a caller waits for a reply: the client's own timeout fires first; this is a backstop for a stuck future. */
    static long awaitMillis(RedisStoreConfig config) {
        return config.commandTimeout().toMillis() + config.waitTimeout().toMillis() + 1_000;
    }

    static Backend open(RedisStoreConfig config, AbstractRedisClient borrowed) {
        if (config.topology() == RedisStoreConfig.Topology.CLUSTER) {
            RedisClusterClient client = borrowed != null ? (RedisClusterClient) borrowed
                    : RedisClusterClient.create(config.uris());
            if (borrowed == null) {
                // Cluster node connections open lazily, so rejecting commands while disconnected would reject the first
                // command to every node; instead commands wait for the connection and the command timeout bounds them.
                client.setOptions(ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .timeoutOptions(timeouts(config))
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                // the default 30 s back-off kept writes on a failed-over slot failing for that long
                                // (lettuce#2308); a refresh is cheap on a cluster this size
                                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                                .enablePeriodicRefresh(Duration.ofSeconds(5))
                                .build())
                        .build());
            }
            return new ClusterBackend(client, borrowed == null, config.waitReplicas() > 0,
                    config.commandTimeout().toMillis());
        }
        RedisClient client = borrowed != null ? (RedisClient) borrowed : RedisClient.create();
        if (borrowed == null) {
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts(config))
                    .build());
        }
        return new StandaloneBackend(client, config.uris().get(0), borrowed == null, config.waitReplicas() > 0);
    }

    /**
     * Opens the shared, the batch and (if {@code writes}) the write connection. If one fails, those opened are closed
     * (and an owned client shut down) before the failure propagates, so a failed connect leaks nothing.
     */
    private static <C extends StatefulConnection<byte[], byte[]>> java.util.List<C> connectAll(
            AbstractRedisClient client, boolean owns, boolean writes, java.util.function.Supplier<C> connect) {
        java.util.List<C> opened = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < (writes ? 3 : 2); i++) {
                opened.add(connect.get());
            }
            return opened;
        } catch (RuntimeException e) {
            opened.forEach(StatefulConnection::close);
            if (owns) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            throw e;
        }
    }

    /** The command timeout for every command, except that WAIT may block for its own timeout on top of it. */
    private static TimeoutOptions timeouts(RedisStoreConfig config) {
        long commandNanos = config.commandTimeout().toNanos();
        long waitNanos = commandNanos + config.waitTimeout().toNanos();
        return TimeoutOptions.builder().timeoutSource(new TimeoutOptions.TimeoutSource() {
            @Override
            public long getTimeout(RedisCommand<?, ?, ?> command) {
                return command.getType() == CommandType.WAIT ? waitNanos : commandNanos;
            }

            @Override
            public TimeUnit getTimeUnit() {
                return TimeUnit.NANOSECONDS;
            }
        }).build();
    }

    private static final class StandaloneBackend extends Backend {
        private final StatefulRedisConnection<byte[], byte[]> main;
        private final StatefulRedisConnection<byte[], byte[]> batch;
        /** Single writes under WAIT; {@code null} without WAIT. */
        private final StatefulRedisConnection<byte[], byte[]> writes;
        private final RedisClient client;
        private final RedisURI uri;

        StandaloneBackend(RedisClient client, RedisURI uri, boolean owns, boolean wait) {
            super(client, owns);
            this.client = client;
            this.uri = uri;
            java.util.List<StatefulRedisConnection<byte[], byte[]>> all =
                    connectAll(client, owns, wait, () -> client.connect(ByteArrayCodec.INSTANCE, uri));
            this.main = all.get(0);
            this.batch = all.get(1);
            this.writes = wait ? all.get(2) : null;
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> commands(byte[] key, boolean fromBatch) {
            return (fromBatch ? batch : main).async();
        }

        @Override
        RedisClusterAsyncCommands<byte[], byte[]> keyCommands() {
            return main.async();
        }


        @Override
        StatefulConnection<byte[], byte[]> flushableBatchConnection() {
            return batch;
        }

        @Override
        StatefulRedisConnection<byte[], byte[]> pinned(byte[] key, boolean fromBatch) {
            if (writes == null) {
                throw new IllegalStateException("no write connection: waitReplicas is 0");
            }
            return fromBatch ? batch : writes;
        }

        @Override
        void closeConnections() {
            main.close();
            batch.close();
            if (writes != null) {
                writes.close();
            }
        }

        @Override
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub() {
            return client.connectPubSub(ByteArrayCodec.INSTANCE, uri);
        }
    }

    private static final class ClusterBackend extends Backend {
        private final StatefulRedisClusterConnection<byte[], byte[]> main;
        private final StatefulRedisClusterConnection<byte[], byte[]> batch;
        /** Single writes under WAIT, through its node connections; {@code null} without WAIT. */
        private final StatefulRedisClusterConnection<byte[], byte[]> writes;
        private final boolean pinWrites;

        private final RedisClusterClient clusterClient;

        /** How long a caller waits for a node connection (pinned writes), at most: the command timeout. */
        private final long connectMillis;

        ClusterBackend(RedisClusterClient client, boolean owns, boolean pinWrites, long connectMillis) {
            super(client, owns);
            this.clusterClient = client;
            this.pinWrites = pinWrites;
            this.connectMillis = connectMillis;
            java.util.List<StatefulRedisClusterConnection<byte[], byte[]>> all =
                    connectAll(client, owns, pinWrites, () -> client.connect(ByteArrayCodec.INSTANCE));
            this.main = all.get(0);
            this.batch = all.get(1);
            this.writes = pinWrites ? all.get(2) : null;
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> commands(byte[] key, boolean fromBatch) {
            return (fromBatch ? batch : main).async();
        }

        @Override
        StatefulRedisConnection<byte[], byte[]> pinned(byte[] key, boolean fromBatch) {
            if (writes == null) {
                throw new IllegalStateException("no write connection: waitReplicas is 0");
            }
            return nodeConnection(fromBatch ? batch : writes, key);
        }

        @Override
        RedisClusterAsyncCommands<byte[], byte[]> keyCommands() {
            return main.async();
        }

        /** When the last refresh asked for by a failure started (nanoTime), to ask at most once a second. */
        private final java.util.concurrent.atomic.AtomicLong lastRefresh = new java.util.concurrent.atomic.AtomicLong();

        @Override
        String masterOf(int slot) {
            RedisClusterNode node = batch.getPartitions().getMasterBySlot(slot);
            return node == null ? null : node.getNodeId();
        }

        @Override
        StatefulRedisConnection<byte[], byte[]> batchNodeConnection(String nodeId) {
            return await(batch.getConnectionAsync(nodeId), "node " + nodeId);
        }

        @Override
        void topologyStale() {
            refresh(true);
        }

        @Override
        void commandFailed(Throwable error) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            String message = String.valueOf(cause.getMessage());
            // READONLY: a node-wide batch call (no keys, so no MOVED) reached a master that has been demoted
            boolean stale = message.startsWith("MOVED") || message.startsWith("ASK") || message.startsWith("CLUSTERDOWN")
                    || message.startsWith("READONLY")
                    || cause instanceof io.lettuce.core.RedisCommandTimeoutException;
            refresh(stale);
        }

        private void refresh(boolean stale) {
            long now = System.nanoTime();
            long last = lastRefresh.get();
            if (stale && (last == 0 || now - last > 1_000_000_000L) && lastRefresh.compareAndSet(last, now)) {
                clusterClient.refreshPartitionsAsync();
            }
        }

        @Override
        StatefulConnection<byte[], byte[]> flushableBatchConnection() {
            // pinned writes go through per-node connections; they pipeline because nothing awaits between sends
            return pinWrites ? null : batch;
        }

        /**
         * WAIT counts the writes of the connection it runs on, and the routed cluster connection may write through a
         * different node connection than {@code getConnection} returns. So with WAIT on, writes are pinned to the node
         * connection of the key's master, and WAIT runs on the same one. A write that reaches a node which no longer
         * owns the slot fails with MOVED (closed, retryable) until the topology refresh catches up.
         */
        private StatefulRedisConnection<byte[], byte[]> nodeConnection(
                StatefulRedisClusterConnection<byte[], byte[]> connection, byte[] key) {
            RedisClusterNode node = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (node == null) {
                throw new IllegalStateException("no master known for slot " + SlotHash.getSlot(key));
            }
            return await(connection.getConnectionAsync(node.getNodeId()),
                    "the master of slot " + SlotHash.getSlot(key) + " (" + node.getUri() + ")");
        }

        /**
         * Never the blocking getConnection: connecting to a master that just died can hang a caller (a processor lane)
         * indefinitely (found by the torture suite's master kill with WAIT); bounded like any command.
         */
        private StatefulRedisConnection<byte[], byte[]> await(
                java.util.concurrent.CompletableFuture<StatefulRedisConnection<byte[], byte[]>> connecting, String what) {
            try {
                return connecting.get(connectMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                commandFailed(new io.lettuce.core.RedisCommandTimeoutException("connecting to " + what));
                throw new io.lettuce.core.RedisConnectionException("no connection to " + what + " within "
                        + connectMillis + " ms", e);
            } catch (java.util.concurrent.ExecutionException e) {
                commandFailed(e.getCause());
                throw new io.lettuce.core.RedisConnectionException("cannot connect to " + what, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.lettuce.core.RedisConnectionException("interrupted while connecting to " + what, e);
            }
        }

        @Override
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub() {
            return clusterClient.connectPubSub(ByteArrayCodec.INSTANCE);
        }

        @Override
        void closeConnections() {
            main.close();
            batch.close();
            if (writes != null) {
                writes.close();
            }
        }
    }
}
