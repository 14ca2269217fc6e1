package io.seqtrack.streams;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.api.sync.RedisStreamCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner's two connections — one the poll thread reads on ({@code XREADGROUP} blocks it), one outcomes acknowledge
 * on — over a standalone or Sentinel {@link RedisClient} or a {@link RedisClusterClient}. Both Lettuce APIs share the
 * stream command interfaces ({@link RedisStreamCommands}, {@link RedisStreamAsyncCommands}) and the scripting one
 * ({@link RedisScriptingCommands}), so the loop is written once against them. A stream is one key, so on a Cluster every command of the runner goes to the master of one slot;
 * Lettuce routes it there and follows {@code MOVED} after a failover.
 */
class StreamsConnections implements AutoCloseable {

    private final AbstractRedisClient client;
    private final StatefulConnection<String, byte[]> readingConnection;
    private final StatefulConnection<String, byte[]> ackingConnection;
    private final RedisStreamCommands<String, byte[]> reading;
    private final RedisScriptingCommands<String, byte[]> scripting;
    private final RedisStreamAsyncCommands<String, byte[]> acking;

    private <R extends RedisStreamCommands<String, byte[]> & RedisScriptingCommands<String, byte[]>> StreamsConnections(
            AbstractRedisClient client, StatefulConnection<String, byte[]> readingConnection, R reading,
            StatefulConnection<String, byte[]> ackingConnection, RedisStreamAsyncCommands<String, byte[]> acking) {
        this.client = client;
        this.readingConnection = readingConnection;
        this.ackingConnection = ackingConnection;
        this.reading = reading;
        this.scripting = reading;
        this.acking = acking;
    }

    /** The commands of the reading connection (the poll thread's only). */
    RedisStreamCommands<String, byte[]> reading() {
        return reading;
    }

    /**
     * The scripting commands of the reading connection (the poll thread's only): the owner-checked refresh
     * ({@link OwnedRefresh}) and the takeover's claim ({@link IdleClaim}). Their scripts have one key, the stream, so
     * on a Cluster they go to the stream's master too.
     */
    RedisScriptingCommands<String, byte[]> scripting() {
        return scripting;
    }

    /** The commands of the acknowledging connection (outcomes arrive on the processor's threads). */
    RedisStreamAsyncCommands<String, byte[]> acking() {
        return acking;
    }

    /** A command failed: on a Cluster, an error that says the view of the slots may be stale asks for a refresh. */
    void failed(Throwable error) {
    }

    @Override
    public void close() {
        readingConnection.close();
        ackingConnection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /**
     * Connects. Every command times out after {@code commandTimeout}; an {@code XREADGROUP}, which blocks up to
     * {@code pollTimeout} in Redis, after both.
     */
    static StreamsConnections open(List<RedisURI> uris, boolean cluster, Duration commandTimeout, Duration pollTimeout) {
        TimeoutOptions timeouts = timeouts(commandTimeout, pollTimeout);
        return cluster ? Cluster.open(uris, timeouts) : single(uris.get(0), timeouts);
    }

    private static TimeoutOptions timeouts(Duration commandTimeout, Duration pollTimeout) {
        long command = commandTimeout.toNanos();
        long blocking = command + pollTimeout.toNanos();
        return TimeoutOptions.builder().timeoutSource(new TimeoutOptions.TimeoutSource() {
            @Override
            public long getTimeout(RedisCommand<?, ?, ?> c) {
                return c.getType() == CommandType.XREADGROUP ? blocking : command;
            }

            @Override
            public TimeUnit getTimeUnit() {
                return TimeUnit.NANOSECONDS;
            }
        }).build();
    }

    /** Opens both connections; if the second fails, the first is closed and the client shut down. */
    private static <C extends StatefulConnection<String, byte[]>> List<C> connectTwo(AbstractRedisClient client,
            java.util.function.Supplier<C> connect) {
        List<C> opened = new ArrayList<>();
        try {
            opened.add(connect.get());
            opened.add(connect.get());
            return opened;
        } catch (RuntimeException e) {
            opened.forEach(StatefulConnection::close);
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e;
        }
    }

    /**
     * Standalone or Sentinel: a {@code redis-sentinel://} URI makes Lettuce ask the sentinels for the master on every
     * (re)connect, so after a failover the reconnect reaches the new master.
     */
    private static StreamsConnections single(RedisURI uri, TimeoutOptions timeouts) {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder().timeoutOptions(timeouts).build());
        List<StatefulRedisConnection<String, byte[]>> both = connectTwo(client,
                () -> client.connect(StreamsCodec.INSTANCE, uri));
        return new StreamsConnections(client, both.get(0), both.get(0).sync(), both.get(1), both.get(1).async());
    }

    /**
     * A Cluster, with tracker-redis's topology refresh choices: every adaptive trigger (MOVED/ASK redirects, persistent
     * reconnects, uncovered slots, …) with a 1 s back-off instead of the default 30 s (which kept commands to a
     * failed-over slot failing for that long, lettuce#2308), and a periodic refresh every 5 s. Node connections open
     * lazily, so commands wait for a connection while disconnected (bounded by the command timeout) instead of being
     * rejected. A failure that says the view is stale (MOVED, ASK, CLUSTERDOWN, READONLY, a timeout) also asks for a
     * refresh, at most once a second.
     */
    private static final class Cluster extends StreamsConnections {
        private final RedisClusterClient client;
        private final AtomicLong lastRefresh = new AtomicLong();

        private Cluster(RedisClusterClient client, List<StatefulRedisClusterConnection<String, byte[]>> both) {
            super(client, both.get(0), both.get(0).sync(), both.get(1), both.get(1).async());
            this.client = client;
        }

        static Cluster open(List<RedisURI> seeds, TimeoutOptions timeouts) {
            RedisClusterClient client = RedisClusterClient.create(seeds);
            client.setOptions(ClusterClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .enablePeriodicRefresh(Duration.ofSeconds(5))
                            .build())
                    .build());
            return new Cluster(client, connectTwo(client, () -> client.connect(StreamsCodec.INSTANCE)));
        }

        @Override
        void failed(Throwable error) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            String message = String.valueOf(cause.getMessage());
            boolean stale = message.startsWith("MOVED") || message.startsWith("ASK")
                    || message.startsWith("CLUSTERDOWN") || message.startsWith("READONLY")
                    || cause instanceof RedisCommandTimeoutException
                    || cause instanceof io.lettuce.core.RedisConnectionException;
            long now = System.nanoTime();
            long last = lastRefresh.get();
            if (stale && (last == 0 || now - last > 1_000_000_000L) && lastRefresh.compareAndSet(last, now)) {
                client.refreshPartitionsAsync();
            }
        }
    }
}
