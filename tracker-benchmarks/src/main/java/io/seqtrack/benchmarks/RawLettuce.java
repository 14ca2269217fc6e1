package io.seqtrack.benchmarks;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.seqtrack.core.domain.AggregateKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The {@code raw-lettuce} baseline: what hand-written Lettuce code does for the same work as seqtrack's Redis advance —
 * the same script ({@code common.lua} + {@code advance.lua}), the same keys (rest hash, claim hash, pending index of the
 * aggregate's bucket), the same arguments, STRICT — with nothing of seqtrack around it: one connection of its own with
 * auto-flush off, {@code n} {@code EVALSHA}s written and flushed at once, then joined (and, with
 * {@code -Dseqtrack.redis.wait=N}, one {@code WAIT N} per pipeline on the connection that wrote, per node on a
 * Cluster). No NOSCRIPT fallback (the script is loaded once at start), no per-aggregate order, no near cache, no
 * argument checks, no result objects. Every seqtrack Redis path is stated as a ratio of it (issue 13).
 *
 * <p>Shared by the benchmark threads like the store is (one connection); each thread flushes what it wrote.
 */
final class RawLettuce implements AdvanceDriver {

    private final AbstractRedisClient client;
    private final StatefulConnection<byte[], byte[]> connection;
    /** Standalone: the connection; Cluster: the routed connection (or node connections under WAIT). */
    private final StatefulRedisConnection<byte[], byte[]> standalone;
    private final StatefulRedisClusterConnection<byte[], byte[]> cluster;
    private final String sha;
    private final String prefix;
    private final int buckets;
    private final int waitReplicas;
    private final byte[] channel;
    private static final byte[] STRICT = {'S'};

    RawLettuce(RedisTarget target, int buckets) {
        this.prefix = target.keyPrefix();
        this.buckets = buckets;
        this.waitReplicas = RedisTarget.waitReplicas();
        this.channel = (prefix + ":commits").getBytes(StandardCharsets.UTF_8);
        byte[] script = (resource("common") + "\n" + resource("advance")).getBytes(StandardCharsets.UTF_8);
        if (target.cluster()) {
            RedisClusterClient c = RedisClusterClient.create(target.uris().stream().map(RedisURI::create).toList());
            client = c;
            cluster = c.connect(ByteArrayCodec.INSTANCE);
            standalone = null;
            connection = cluster;
            sha = cluster.sync().scriptLoad(script); // Lettuce loads it on every node
        } else {
            RedisClient c = RedisClient.create(target.uris().get(0));
            client = c;
            standalone = c.connect(ByteArrayCodec.INSTANCE);
            cluster = null;
            connection = standalone;
            sha = standalone.sync().scriptLoad(script);
        }
        connection.setAutoFlushCommands(false);
    }

    @Override
    public int advance(AggregateKey[] keys, long[] seqs, int n) {
        @SuppressWarnings("unchecked")
        RedisFuture<List<Object>>[] replies = new RedisFuture[n];
        Map<StatefulRedisConnection<byte[], byte[]>, Boolean> wrote = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            String tag = prefix + ":{" + keys[i].domain() + ":" + bucket(keys[i].aggregateId()) + "}:";
            byte[][] scriptKeys = {bytes(tag + "r"), bytes(tag + "c"), bytes(tag + "pi")};
            byte[][] args = {bytes(keys[i].aggregateId()), decimal(seqs[i]), decimal(seqs[i] - 1), STRICT, channel};
            RedisScriptingAsyncCommands<byte[], byte[]> commands;
            if (waitReplicas > 0) {
                // WAIT counts the writes of its own connection: write through the node connection it will run on
                StatefulRedisConnection<byte[], byte[]> node = cluster == null ? standalone : cluster.getConnection(
                        cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(scriptKeys[0])).getNodeId());
                if (wrote.put(node, Boolean.TRUE) == null) {
                    node.setAutoFlushCommands(false);
                }
                commands = node.async();
            } else {
                commands = cluster == null ? standalone.async() : cluster.async();
            }
            replies[i] = commands.evalsha(sha, ScriptOutputType.MULTI, scriptKeys, args);
        }
        List<RedisFuture<Long>> waits = new ArrayList<>();
        for (StatefulRedisConnection<byte[], byte[]> node : wrote.keySet()) {
            waits.add(node.async().waitForReplication(waitReplicas, 1_000));
        }
        connection.flushCommands();
        for (StatefulRedisConnection<byte[], byte[]> node : wrote.keySet()) {
            node.flushCommands();
        }
        int inOrder = 0;
        for (RedisFuture<List<Object>> reply : replies) {
            List<Object> r = reply.toCompletableFuture().join();
            if (r.get(0) instanceof byte[] verdict && verdict.length == 1 && verdict[0] == 'I') {
                inOrder++;
            }
        }
        for (RedisFuture<Long> wait : waits) {
            long acknowledged = wait.toCompletableFuture().join();
            if (acknowledged < waitReplicas) {
                throw new IllegalStateException("WAIT " + waitReplicas + " answered " + acknowledged);
            }
        }
        return inOrder;
    }

    private int bucket(String aggregateId) {
        CRC32 crc = new CRC32();
        crc.update(aggregateId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % buckets);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] decimal(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static String resource(String name) {
        String path = "/io/seqtrack/redis/lua/" + name + ".lua";
        try (InputStream in = RawLettuce.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing " + path + " (tracker-redis on the classpath?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
