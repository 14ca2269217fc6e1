package io.seqtrack.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.BufferPresence;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.StoreArguments;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The durable {@link EventBuffer}: pending and parked events in Redis (standalone, Sentinel or
 * Cluster), so every worker sees what any worker buffered and nothing is lost when a processor restarts.
 *
 * <ul>
 *   <li>All keys of an aggregate share the hash tag of its sequence-store keys ({@code {domain:bucket}}, see
 *       {@link KeyLayout#bufferKeys}): one Cluster slot, so every change is one atomic Lua script.</li>
 *   <li>Pending and parked events are sorted sets ordered by an exact, fixed-width encoding of the sequence in the
 *       member (score 0), so ordering and idempotence hold for every {@code long}; payloads are raw bytes
 *       ({@link BufferCodec}).</li>
 *   <li>{@code add} checks idempotence and the limit and inserts in one script: a full aggregate answers
 *       {@link BufferResult#FULL} and nothing is evicted. {@code park} removes from pending and parks in one script.</li>
 *   <li>Per bucket, an index hash lists the aggregates with pending (parked) events and a counter holds the number of
 *       pending events; the scripts keep them in step. {@link #aggregatesWithPending()}, {@link #parkedAggregates()}
 *       and {@link #pendingCount()} {@code SCAN} for those bucket keys (across every master of a Cluster) — an
 *       operator-scale walk over the keyspace, meant for start-up and gauges, not for every event.</li>
 *   <li>Fail closed: a refused connection, a timeout or an undecodable value raises {@link SequenceStoreException}
 *       naming the aggregate; after a timeout the outcome is unknown, and every write is safe to retry.</li>
 *   <li>With {@link RedisStoreConfig.Builder#waitForReplicas} every write is reported done only once that many replicas
 *       acknowledged it, as for the sequence store.</li>
 * </ul>
 *
 * <p>Built from the same {@link RedisStoreConfig} as {@link RedisSequenceStore} (same prefix, same buckets). Thread-safe.
 * Close it to release its connections (and its client, if it created it).
 */
public final class RedisEventBuffer implements EventBuffer {

    private static final long SCAN_COUNT = 1_000;

    private final RedisStoreConfig config;
    private final KeyLayout layout;
    private final Backend backend;
    /** Script calls, NOSCRIPT fallback, WAIT, await and translation: shared with the store. */
    private final ScriptCalls calls;

    private RedisEventBuffer(RedisStoreConfig config, AbstractRedisClient borrowed) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = Backend.connect(config, borrowed, "event buffer");
        this.calls = new ScriptCalls(config, backend);
        LayoutRecord.Recorded recorded;
        try {
            recorded = LayoutRecord.verify(calls, config, "event buffer");
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        this.layout = new KeyLayout(config.keyPrefix(), recorded.buckets());
    }

    /**
     * A buffer that creates, and on {@link #close()} shuts down, its own Lettuce client.
     *
     * @throws SequenceStoreException if Redis cannot be reached (wrong address, wrong password, TLS failure)
     */
    public static RedisEventBuffer create(RedisStoreConfig config) {
        return new RedisEventBuffer(config, null);
    }

    /**
     * A buffer on a client the caller owns (a {@link io.lettuce.core.RedisClient} for standalone/Sentinel, a
     * {@link RedisClusterClient} for Cluster) — e.g. the one a {@link RedisSequenceStore} borrows too; closing the
     * buffer leaves the client open.
     */
    public static RedisEventBuffer create(RedisStoreConfig config, AbstractRedisClient client) {
        Backend.requireMatchingClient(config, client, "buffer");
        return new RedisEventBuffer(config, client);
    }

    /**
     * Whether a store with this configuration, layout and backend addresses this buffer's keys: the same deployment
     * (the same {@link RedisStoreConfig#targets()}, where those say where both connect — see
     * {@link Backend#comparableWith}), key prefix and bucket count. Then the store may read the buffer in its own
     * scripts ({@link RedisSequenceStore#claimAllAndProbe}). When in doubt the answer is no: the store then asks the
     * buffer separately, which is always correct.
     */
    boolean sharesKeysWith(RedisStoreConfig storeConfig, KeyLayout storeLayout, Backend storeBackend) {
        return backend.comparableWith(storeBackend) && config.topology() == storeConfig.topology()
                && config.targets().equals(storeConfig.targets())
                && config.keyPrefix().equals(storeConfig.keyPrefix()) && layout.buckets() == storeLayout.buckets();
    }

    public RedisStoreConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ pending

    @Override
    public BufferResult add(AggregateKey key, BufferedEvent event, int maxPerAggregate) {
        StoreArguments.requireKey(key);
        Objects.requireNonNull(event, "event");
        if (maxPerAggregate < 1) {
            throw new IllegalArgumentException("maxPerAggregate must be >= 1, was " + maxPerAggregate);
        }
        byte[][] keys = layout.bufferKeys(key);
        byte[][] scriptKeys = {keys[KeyLayout.PENDING], keys[KeyLayout.PENDING_INDEX], keys[KeyLayout.PENDING_COUNT]};
        return await("add", key, () -> run(Script.BUFFER_ADD, scriptKeys, KeyLayout.field(key.aggregateId()),
                BufferCodec.indexEntry(key), BufferCodec.pendingMember(event), BufferCodec.lexFrom(event.sequence()),
                BufferCodec.lexTo(event.sequence()), dec(maxPerAggregate))
                .thenApply(reply -> {
                    String answer = text(reply, 0);
                    try {
                        return BufferResult.valueOf(answer);
                    } catch (IllegalArgumentException e) {
                        throw SequenceStoreException.corrupted(key, "unexpected buffer_add reply '" + answer + "'");
                    }
                })
                // ALREADY_BUFFERED is waited for too: it may be the retry of an add whose WAIT timed out
                .thenCompose(result -> result != BufferResult.FULL
                        ? replicated(scriptKeys[0], result) : CompletableFuture.completedFuture(result)));
    }

    @Override
    public List<BufferedEvent> pending(AggregateKey key) {
        StoreArguments.requireKey(key);
        return await("pending", key, () -> members(layout.bufferKeys(key)[KeyLayout.PENDING])
                .thenApply(members -> decodeAll(key, members, BufferCodec::decodePending)));
    }

    @Override
    public boolean removePending(AggregateKey key, long sequence) {
        StoreArguments.requireKey(key);
        byte[][] keys = layout.bufferKeys(key);
        return remove("removePending", key, sequence,
                keys[KeyLayout.PENDING], keys[KeyLayout.PENDING_INDEX], keys[KeyLayout.PENDING_COUNT]);
    }

    @Override
    public long pendingCount() {
        List<byte[]> counters = scanBucketKeys("pendingCount", "pn");
        List<CompletableFuture<byte[]>> values = new ArrayList<>(counters.size());
        await("pendingCount", null, () -> {
            for (byte[] counter : counters) {
                values.add(backend.keyCommands().get(counter).toCompletableFuture());
            }
            return CompletableFuture.allOf(values.toArray(CompletableFuture[]::new));
        });
        long total = 0;
        for (int i = 0; i < counters.size(); i++) {
            byte[] value = values.get(i).join();
            if (value == null) {
                continue; // emptied and deleted since the scan saw it
            }
            String text = new String(value, StandardCharsets.US_ASCII);
            try {
                total += Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw SequenceStoreException.of("pendingCount", new IllegalStateException("counter "
                        + new String(counters.get(i), StandardCharsets.UTF_8) + " holds '" + text + "', not a number"));
            }
        }
        return total;
    }

    @Override
    public Set<AggregateKey> aggregatesWithPending() {
        return indexedAggregates("aggregatesWithPending", "pi");
    }

    // ------------------------------------------------------------------ parked

    @Override
    public void park(AggregateKey key, ParkedEvent event) {
        StoreArguments.requireKey(key);
        Objects.requireNonNull(event, "event");
        byte[][] keys = layout.bufferKeys(key);
        byte[][] scriptKeys = {keys[KeyLayout.PENDING], keys[KeyLayout.PENDING_INDEX], keys[KeyLayout.PENDING_COUNT],
            keys[KeyLayout.PARKED], keys[KeyLayout.PARKED_INDEX]};
        await("park", key, () -> run(Script.BUFFER_PARK, scriptKeys, KeyLayout.field(key.aggregateId()),
                BufferCodec.indexEntry(key), BufferCodec.lexFrom(event.sequence()), BufferCodec.lexTo(event.sequence()),
                BufferCodec.parkedMember(event))
                // waited for even if nothing changed: it may be the retry of a park whose WAIT timed out
                .thenCompose(reply -> replicated(scriptKeys[0], reply)));
    }

    @Override
    public List<ParkedEvent> parked(AggregateKey key) {
        StoreArguments.requireKey(key);
        return await("parked", key, () -> members(layout.bufferKeys(key)[KeyLayout.PARKED])
                .thenApply(members -> decodeAll(key, members, BufferCodec::decodeParked)));
    }

    @Override
    public boolean removeParked(AggregateKey key, long sequence) {
        StoreArguments.requireKey(key);
        byte[][] keys = layout.bufferKeys(key);
        return remove("removeParked", key, sequence, keys[KeyLayout.PARKED], keys[KeyLayout.PARKED_INDEX]);
    }

    /**
     * One script call for the whole question (one per hash slot on a Cluster, where a script reaches one slot's keys):
     * a processor's lane batch asks this once instead of reading the parked and pending sets of each event.
     */
    @Override
    public BufferPresence presence(Collection<AggregateKey> keys) {
        Map<Integer, List<AggregateKey>> groups = new LinkedHashMap<>();
        boolean cluster = backend.clustered();
        for (AggregateKey key : keys) {
            StoreArguments.requireKey(key);
            int group = cluster ? SlotHash.getSlot(layout.bufferKeys(key)[KeyLayout.PARKED]) : 0;
            groups.computeIfAbsent(group, g -> new ArrayList<>()).add(key);
        }
        Set<AggregateKey> parked = new HashSet<>();
        Set<AggregateKey> pending = new HashSet<>();
        List<CompletableFuture<List<Object>>> replies = new ArrayList<>(groups.size());
        await("presence", null, () -> {
            for (List<AggregateKey> group : groups.values()) {
                byte[][] scriptKeys = new byte[group.size() * 2][];
                for (int i = 0; i < group.size(); i++) {
                    byte[][] bufferKeys = layout.bufferKeys(group.get(i));
                    scriptKeys[2 * i] = bufferKeys[KeyLayout.PARKED];
                    scriptKeys[2 * i + 1] = bufferKeys[KeyLayout.PENDING];
                }
                replies.add(run(Script.BUFFER_PRESENCE, scriptKeys));
            }
            return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new));
        });
        int g = 0;
        for (List<AggregateKey> group : groups.values()) {
            List<Object> reply = replies.get(g++).join();
            for (int i = 0; i < group.size(); i++) {
                if (((Long) reply.get(2 * i)) == 1L) {
                    parked.add(group.get(i));
                }
                if (((Long) reply.get(2 * i + 1)) == 1L) {
                    pending.add(group.get(i));
                }
            }
        }
        return new BufferPresence(parked, pending);
    }

    /** Durable: buffered events live in Redis, so a buffered event is safe to acknowledge to its broker. */
    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public Set<AggregateKey> parkedAggregates() {
        return indexedAggregates("parkedAggregates", "ki");
    }

    @Override
    public void close() {
        backend.close();
    }

    // ------------------------------------------------------------------ helpers

    /** Removes the event of {@code sequence} from a pending or parked set; {@code keys}: set, index, [counter]. */
    private boolean remove(String operation, AggregateKey key, long sequence, byte[]... keys) {
        return await(operation, key, () -> run(Script.BUFFER_REMOVE, keys, KeyLayout.field(key.aggregateId()),
                BufferCodec.lexFrom(sequence), BufferCodec.lexTo(sequence))
                .thenApply(reply -> ((Long) reply.get(0)) == 1L)
                // "not there" is waited for too: it may be the retry of a removal whose WAIT timed out
                .thenCompose(removed -> replicated(keys[0], removed)));
    }

    /** Every member of a sorted set, in order (all scores are 0, so byte order, which is sequence order). */
    private CompletableFuture<List<byte[]>> members(byte[] set) {
        return backend.keyCommands().zrange(set, 0, -1).toCompletableFuture();
    }

    private static <T> List<T> decodeAll(AggregateKey key, List<byte[]> values, Function<byte[], T> decoder) {
        List<T> decoded = new ArrayList<>(values.size());
        for (byte[] value : values) {
            try {
                decoded.add(decoder.apply(value));
            } catch (IllegalArgumentException e) {
                throw SequenceStoreException.corrupted(key, "undecodable buffer value (" + e.getMessage() + ")");
            }
        }
        return List.copyOf(decoded);
    }

    /** The aggregates listed in every index hash of this prefix with that suffix ({@code pi} or {@code ki}). */
    private Set<AggregateKey> indexedAggregates(String operation, String suffix) {
        List<byte[]> indexes = scanBucketKeys(operation, suffix);
        List<CompletableFuture<List<byte[]>>> entries = new ArrayList<>(indexes.size());
        await(operation, null, () -> {
            for (byte[] index : indexes) {
                entries.add(backend.keyCommands().hvals(index).toCompletableFuture());
            }
            return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new));
        });
        Set<AggregateKey> aggregates = new HashSet<>();
        for (int i = 0; i < indexes.size(); i++) {
            for (byte[] entry : entries.get(i).join()) {
                try {
                    aggregates.add(BufferCodec.decodeIndexEntry(entry));
                } catch (RuntimeException e) {
                    throw SequenceStoreException.of(operation, new IllegalStateException("index "
                            + new String(indexes.get(i), StandardCharsets.UTF_8) + " holds an undecodable entry: "
                            + e.getMessage(), e));
                }
            }
        }
        return Set.copyOf(aggregates);
    }

    /**
     * Every bucket key of this prefix with that suffix, by a full {@code SCAN} (on a Cluster, Lettuce continues the
     * cursor over every master). SCAN may report a key twice; the set removes repeats. A key that exists for the whole
     * walk is reported; one created or deleted meanwhile may or may not be.
     */
    private List<byte[]> scanBucketKeys(String operation, String suffix) {
        ScanArgs args = ScanArgs.Builder.matches(layout.bucketKeyPattern(suffix)).limit(SCAN_COUNT);
        Set<String> seen = new LinkedHashSet<>();
        List<byte[]> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            KeyScanCursor<byte[]> page = await(operation, null,
                    () -> backend.keyCommands().scan(from, args).toCompletableFuture());
            for (byte[] key : page.getKeys()) {
                if (layout.isBucketKey(key, suffix) && seen.add(new String(key, StandardCharsets.ISO_8859_1))) {
                    keys.add(key);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    /** EVALSHA, falling back to EVAL when the server lost its script cache ({@link ScriptCalls#send}). */
    private CompletableFuture<List<Object>> run(Script script, byte[][] keys, byte[]... args) {
        return calls.send(false, script, keys, args);
    }

    /** With {@code waitReplicas > 0}: WAIT for the write to {@code key}, failing closed if too few replicas ack. */
    private <T> CompletableFuture<T> replicated(byte[] key, T result) {
        return calls.replicated(key, false, result);
    }

    /** Sends the call and waits for its answer; every failure becomes a {@link SequenceStoreException}. */
    private <T> T await(String operation, AggregateKey key, Supplier<CompletableFuture<T>> call) {
        return calls.await(operation, key, call);
    }

    private static byte[] dec(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(List<Object> reply, int index) {
        Object value = reply.get(index);
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
