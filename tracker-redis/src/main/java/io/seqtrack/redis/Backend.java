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
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The two Lettuce connections a store uses — one shared by single and async calls (Netty pipelines concurrent
 * commands on it), one for batches with auto-flush off — over a standalone/Sentinel or a Cluster client.
 */
abstract class Backend implements AutoCloseable {

    private final AbstractRedisClient client;
    private final boolean ownsClient;

    Backend(AbstractRedisClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
    }

    abstract RedisScriptingAsyncCommands<byte[], byte[]> commands();

    abstract RedisScriptingAsyncCommands<byte[], byte[]> batchCommands();

    abstract StatefulConnection<byte[], byte[]> batchConnection();

    /** WAIT on the connection that performed the write to {@code key}. */
    abstract CompletionStage<Long> waitForReplicas(byte[] key, boolean batch, int replicas, long timeoutMillis);

    abstract void closeConnections();

    @Override
    public void close() {
        closeConnections();
        if (ownsClient) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    static Backend open(RedisStoreConfig config, AbstractRedisClient borrowed) {
        Duration timeout = config.commandTimeout();
        if (config.topology() == RedisStoreConfig.Topology.CLUSTER) {
            RedisClusterClient client = borrowed != null ? (RedisClusterClient) borrowed
                    : RedisClusterClient.create(config.uris());
            if (borrowed == null) {
                // Cluster node connections open lazily, so rejecting commands while disconnected would reject the first
                // command to every node; instead commands wait for the connection and the command timeout bounds them.
                client.setOptions(ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(timeout))
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(Duration.ofSeconds(5))
                                .build())
                        .build());
            }
            return new ClusterBackend(client, borrowed == null);
        }
        RedisClient client = borrowed != null ? (RedisClient) borrowed : RedisClient.create();
        if (borrowed == null) {
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .build());
        }
        return new StandaloneBackend(client, config.uris().get(0), borrowed == null);
    }

    private static final class StandaloneBackend extends Backend {
        private final StatefulRedisConnection<byte[], byte[]> main;
        private final StatefulRedisConnection<byte[], byte[]> batch;

        StandaloneBackend(RedisClient client, RedisURI uri, boolean owns) {
            super(client, owns);
            StatefulRedisConnection<byte[], byte[]> m = null;
            try {
                m = client.connect(ByteArrayCodec.INSTANCE, uri);
                this.main = m;
                this.batch = client.connect(ByteArrayCodec.INSTANCE, uri);
            } catch (RuntimeException e) {
                if (m != null) {
                    m.close();
                }
                if (owns) {
                    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                }
                throw e;
            }
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> commands() {
            return main.async();
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> batchCommands() {
            return batch.async();
        }

        @Override
        StatefulConnection<byte[], byte[]> batchConnection() {
            return batch;
        }

        @Override
        CompletionStage<Long> waitForReplicas(byte[] key, boolean fromBatch, int replicas, long timeoutMillis) {
            return (fromBatch ? batch : main).async().waitForReplication(replicas, timeoutMillis);
        }

        @Override
        void closeConnections() {
            main.close();
            batch.close();
        }
    }

    private static final class ClusterBackend extends Backend {
        private final StatefulRedisClusterConnection<byte[], byte[]> main;
        private final StatefulRedisClusterConnection<byte[], byte[]> batch;

        ClusterBackend(RedisClusterClient client, boolean owns) {
            super(client, owns);
            StatefulRedisClusterConnection<byte[], byte[]> m = null;
            try {
                m = client.connect(ByteArrayCodec.INSTANCE);
                this.main = m;
                this.batch = client.connect(ByteArrayCodec.INSTANCE);
            } catch (RuntimeException e) {
                if (m != null) {
                    m.close();
                }
                if (owns) {
                    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                }
                throw e;
            }
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> commands() {
            return main.async();
        }

        @Override
        RedisScriptingAsyncCommands<byte[], byte[]> batchCommands() {
            return batch.async();
        }

        @Override
        StatefulConnection<byte[], byte[]> batchConnection() {
            return batch;
        }

        @Override
        CompletionStage<Long> waitForReplicas(byte[] key, boolean fromBatch, int replicas, long timeoutMillis) {
            // WAIT counts the writes of the connection it runs on: use the node connection that served the key's slot
            StatefulRedisClusterConnection<byte[], byte[]> connection = fromBatch ? batch : main;
            RedisClusterNode node = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            return connection.getConnection(node.getNodeId()).async().waitForReplication(replicas, timeoutMillis);
        }

        @Override
        void closeConnections() {
            main.close();
            batch.close();
        }
    }
}
