package io.seqtrack.redis;

import com.github.benmanes.caffeine.cache.Ticker;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.StoreArguments;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The production {@link SequenceStore}: Redis standalone, behind Sentinel, or Cluster, through Lettuce.
 *
 * <ul>
 *   <li>Every operation is one Lua script run with {@code EVALSHA} — one atomic server-side step, one round trip. A
 *       script missing from the server's cache (restart, failover, {@code SCRIPT FLUSH}) is re-sent with {@code EVAL}
 *       transparently.</li>
 *   <li>Lease expiry uses the server's clock ({@code TIME} inside the script).</li>
 *   <li>Idle aggregates rest as one small field in a per-bucket hash; see {@link KeyLayout} and docs/operations.md.</li>
 *   <li>Batches are pipelined on a dedicated connection: auto-flush off, one flush per batch. Async calls share one
 *       connection on which Netty pipelines whatever is in flight.</li>
 *   <li>Fail closed: refused connections, timeouts and uninterpretable values raise {@link SequenceStoreException}
 *       with the aggregate and the cause. A corrupted value is reported, never overwritten.</li>
 *   <li>Optional {@code WAIT}: with {@link RedisStoreConfig.Builder#waitForReplicas} every write is reported done only
 *       once that many replicas acknowledged it.</li>
 * </ul>
 *
 * <p>Thread-safe. Close it to release the connections (and the client, if the store created it).
 */
public final class RedisSequenceStore implements SequenceStore {

    private final RedisStoreConfig config;
    private final KeyLayout layout;
    private final Backend backend;
    private final ReentrantLock batchLock = new ReentrantLock();
    /** Held while a batch takes its places on its aggregates (never while waiting). */
    private final Object reservations = new Object();
    /** Every script call, its NOSCRIPT fallback, WAIT, per-aggregate order, await and translation. */
    private final ScriptCalls calls;
    private final long awaitMillis;
    /** Shifts the server clock the scripts read; only tests set it, to run lease expiry on virtual time. */
    private volatile long clockOffsetMillis;
    /** The duplicate fast path; {@code null} when off. */
    private final NearCache nearCache;
    private final Sleeper sleeper;
    /** The pub/sub channel wake-ups go to: {@code <prefix>:commits}. */
    private final byte[] channel;
    /** Coalesces concurrent single calls into batch calls; {@code null} when off (see RedisStoreConfig#autoBatch). */
    private final AutoBatcher autoBatcher;
    private final AutoBatcher.Kind<AdvanceRequest, AdvanceResult> advanceKind =
            new AutoBatcher.Kind<>("advance", this::advanceAll, AdvanceRequest::key,
                    (r, place) -> advanceDirect(r.key(), r.seq(), r.mode(), place));
    private final AutoBatcher.Kind<ClaimRequest, ClaimResult> claimKind =
            new AutoBatcher.Kind<>("claim", (requests, places) -> claimAll(requests, false, places).claims(),
                    ClaimRequest::key, (r, place) -> claimDirect(r.key(), r.seq(), r.mode(), r.owner(), r.leaseTtl(),
                            place));
    private final AutoBatcher.Kind<CommitRequest, CommitResult> commitKind =
            new AutoBatcher.Kind<>("commit", this::commitAll, CommitRequest::key,
                    (r, place) -> commitDirect(r.key(), r.seq(), r.fencingToken(), place));

    /** How reset and delete wait for other processes' near caches to age out; tests substitute virtual time. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private RedisSequenceStore(RedisStoreConfig config, AbstractRedisClient borrowed) {
        this(config, borrowed, Ticker.systemTicker(), d -> Thread.sleep(d.toMillis()), null);
    }

    private RedisSequenceStore(RedisStoreConfig config, AbstractRedisClient borrowed, Ticker ticker, Sleeper sleeper,
            java.util.concurrent.Executor flusher) {
        this.config = Objects.requireNonNull(config, "config");
        this.nearCache = config.nearCacheSize() == 0 ? null
                : new NearCache(config.nearCacheSize(), config.nearCacheFreshness(), ticker);
        this.sleeper = sleeper;
        this.channel = (config.keyPrefix() + ":commits").getBytes(StandardCharsets.UTF_8);
        this.awaitMillis = Backend.awaitMillis(config);
        this.backend = Backend.connect(config, borrowed, "store");
        this.calls = new ScriptCalls(config, backend);
        LayoutRecord.Recorded recorded;
        try {
            recorded = LayoutRecord.verify(calls, config, "store");
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        this.layout = new KeyLayout(config.keyPrefix(), recorded.buckets());
        this.autoBatcher = config.autoBatch() == 0 ? null : flusher == null
                ? AutoBatcher.onOwnThread(config.autoBatch(), config.keyPrefix(), calls::place, reservations)
                : new AutoBatcher(config.autoBatch(), calls::place, reservations, flusher, () -> { });
    }

    /**
     * A store that creates, and on {@link #close()} shuts down, its own Lettuce client.
     *
     * @throws SequenceStoreException if Redis cannot be reached (wrong address, wrong password, TLS failure)
     * @throws io.seqtrack.core.domain.InvalidConfigurationException if the data under the key prefix was written with
     *         another layout (bucket count, layout version), see {@link RedisStoreConfig.Builder#adoptRecordedLayout()}
     */
    public static RedisSequenceStore create(RedisStoreConfig config) {
        return new RedisSequenceStore(config, null);
    }

    /**
     * A store on a client the caller owns (a {@link io.lettuce.core.RedisClient} for standalone/Sentinel, a
     * {@link RedisClusterClient} for Cluster); closing the store leaves the client open.
     */
    public static RedisSequenceStore create(RedisStoreConfig config, AbstractRedisClient client) {
        Backend.requireMatchingClient(config, client, "store");
        return new RedisSequenceStore(config, client);
    }

    /** Test hook: a store whose near cache and reset/delete waiting run on the given virtual time. */
    static RedisSequenceStore create(RedisStoreConfig config, Ticker ticker, Sleeper sleeper) {
        return new RedisSequenceStore(config, null, ticker, sleeper, null);
    }

    /** Test hook: a store whose auto-batching flushes only when {@code flusher} runs the task it was given. */
    static RedisSequenceStore createWithFlusher(RedisStoreConfig config, java.util.concurrent.Executor flusher) {
        return new RedisSequenceStore(config, null, Ticker.systemTicker(), d -> Thread.sleep(d.toMillis()), flusher);
    }

    public RedisStoreConfig config() {
        return config;
    }

    /** The bucket count in use: the configured one, or the recorded one with {@code adoptRecordedLayout()}. */
    public int buckets() {
        return layout.buckets();
    }

    // ------------------------------------------------------------------ single operations

    @Override
    public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        return calls.await("advance", key, advanceCall(key, seq, mode));
    }

    @Override
    public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return calls.await("claim", key, claimCall(key, seq, mode, owner, leaseTtl));
    }

    @Override
    public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        return calls.await("commit", key, commitCall(key, seq, fencingToken));
    }

    @Override
    public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        byte[][] keys = layout.keys(key);
        return calls.await("release", key, calls.call(key, Script.RELEASE, keys,
                KeyLayout.field(key.aggregateId()), dec(seq), dec(fencingToken))
                .thenApply(r -> ReleaseResult.valueOf(text(r, 0)))
                .thenCompose(result -> result == ReleaseResult.RELEASED
                        ? calls.replicated(keys[0], false, result) : CompletableFuture.completedFuture(result)));
    }

    @Override
    public AggregateState read(AggregateKey key) {
        return calls.await("read", key, readCall(key));
    }

    @Override
    public void reset(AggregateKey key, long last) {
        StoreArguments.requireKey(key);
        StoreArguments.requireLast(last);
        byte[][] keys = layout.keys(key);
        forgetCached(key);
        revokingClaims("reset", key, Script.RESET, keys,
                () -> new byte[][] {KeyLayout.field(key.aggregateId()), dec(last), dec(clockOffsetMillis),
                    dec(io.seqtrack.core.port.out.OperatorActions.HOLD_GRACE.toMillis())});
        forgetCachedAndSettle(key);
    }

    @Override
    public boolean delete(AggregateKey key) {
        StoreArguments.requireKey(key);
        byte[][] keys = layout.keys(key);
        byte[][] deleteKeys = {keys[0], keys[1], layout.bufferKeys(key)[KeyLayout.SKIPPED]};
        forgetCached(key);
        List<Object> reply = revokingClaims("delete", key, Script.DELETE, deleteKeys,
                () -> new byte[][] {KeyLayout.field(key.aggregateId()), dec(clockOffsetMillis),
                    dec(io.seqtrack.core.port.out.OperatorActions.HOLD_GRACE.toMillis())});
        forgetCachedAndSettle(key);
        return ((Long) reply.get(0)) == 1L;
    }

    /**
     * Runs an operator action's script until it acts: while a worker holds an unexpired claim on the aggregate the
     * script revokes it and answers how long until it has expired by the store's clock (a worker may answer duplicates
     * from its own view until then, invariant 10); {@link io.seqtrack.core.port.out.OperatorActions#untilActed} waits
     * that long and runs it again.
     */
    private List<Object> revokingClaims(String what, AggregateKey key, Script script, byte[][] keys,
            java.util.function.Supplier<byte[][]> args) {
        List<List<Object>> reply = new ArrayList<>(List.of(List.of()));
        io.seqtrack.core.port.out.OperatorActions.untilActed(what, key, () -> {
            reply.set(0, calls.await(what, key, calls.call(key, script, keys, args.get())
                    .thenCompose(r -> calls.replicated(keys[0], false, r))));
            return isTagged(reply.get(0), "W") ? Long.parseLong(text(reply.get(0), 1)) + 1 : 0;
        }, sleeper::sleep);
        return reply.get(0);
    }

    @Override
    public RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        return calls.await("renew", key, renewCall(key, seq, fencingToken, leaseTtl));
    }

    @Override
    public CompletionStage<RenewResult> renewAsync(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        return calls.translated("renew", key, () -> renewCall(key, seq, fencingToken, leaseTtl));
    }

    private CompletableFuture<RenewResult> renewCall(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        StoreArguments.requireLeaseTtl(leaseTtl);
        byte[][] keys = layout.keys(key);
        return calls.call(key, Script.RENEW, keys, KeyLayout.field(key.aggregateId()), dec(seq),
                dec(fencingToken), dec(leaseTtl.toMillis()), dec(clockOffsetMillis))
                .thenApply(r -> {
                    try {
                        return RenewResult.valueOf(text(r, 0));
                    } catch (IllegalArgumentException e) {
                        throw unexpected(key, r);
                    }
                })
                // a renewal a failover lost would let another worker claim while the holder trusts its lease
                .thenCompose(result -> result == RenewResult.RENEWED ? calls.replicated(keys[0], false, result)
                        : CompletableFuture.completedFuture(result));
    }

    @Override
    public SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSkip(expectedLast, newLast, record);
        byte[][] keys = layout.keys(key);
        byte[][] bufferKeys = layout.bufferKeys(key);
        byte[][] skipKeys = {keys[0], keys[1], bufferKeys[KeyLayout.SKIPPED], bufferKeys[KeyLayout.PENDING_INDEX]};
        forgetCached(key); // a skip only moves forward, but keep the cache out of the audit trail's way
        return calls.await("skip", key, calls.call(key, Script.SKIP, skipKeys,
                KeyLayout.field(key.aggregateId()), dec(expectedLast), dec(newLast), BufferCodec.skippedRange(record),
                dec(clockOffsetMillis), channel)
                .thenApply(r -> {
                    long last = number(key, r, 1);
                    switch (text(r, 0)) {
                        case "S": return SkipResult.skipped(last);
                        case "M": return SkipResult.moved(last);
                        case "B": return SkipResult.busy(last, new ActiveClaim(text(r, 2), number(key, r, 3),
                                number(key, r, 4), Instant.ofEpochMilli(number(key, r, 5))));
                        default: throw unexpected(key, r);
                    }
                })
                .thenCompose(result -> result.skipped() ? calls.replicated(keys[0], false, result)
                        : CompletableFuture.completedFuture(result)));
    }

    @Override
    public List<SkippedRange> skippedRanges(AggregateKey key) {
        StoreArguments.requireKey(key);
        byte[] list = layout.bufferKeys(key)[KeyLayout.SKIPPED];
        return calls.await("skippedRanges", key, calls.ordered(key, () -> backend.keyCommands().lrange(list, 0, -1)
                .toCompletableFuture())
                .thenApply(values -> {
                    List<SkippedRange> ranges = new ArrayList<>(values.size());
                    for (byte[] value : values) {
                        try {
                            ranges.add(BufferCodec.decodeSkippedRange(value));
                        } catch (RuntimeException e) {
                            throw SequenceStoreException.corrupted(key, "a skipped range holds '"
                                    + new String(value, StandardCharsets.UTF_8) + "' (" + e.getMessage() + ")");
                        }
                    }
                    return ranges;
                }));
    }

    private void forgetCached(AggregateKey key) {
        if (nearCache != null) {
            nearCache.forget(key);
        }
    }

    /**
     * Drops what this process cached meanwhile, then waits until every process's cached values are stale: for the
     * longest near-cache freshness any client of this prefix registered in the layout record (invariant 10) — also
     * when this client has no near cache itself, like the CLI.
     */
    private void forgetCachedAndSettle(AggregateKey key) {
        if (nearCache != null) {
            nearCache.forget(key);
        }
        Duration wait = LayoutRecord.registeredNearCacheFreshness(calls, config);
        if (nearCache != null && nearCache.freshness().compareTo(wait) > 0) {
            wait = nearCache.freshness();
        }
        if (wait.isZero()) {
            return;
        }
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SequenceStoreException.of("reset/delete (waiting for near caches to age out)", key, e);
        }
    }

    // ------------------------------------------------------------------ async forms

    @Override
    public CompletionStage<AdvanceResult> advanceAsync(AggregateKey key, long seq, TrackingMode mode) {
        return calls.translated("advance", key, () -> advanceCall(key, seq, mode));
    }

    @Override
    public CompletionStage<ClaimResult> claimAsync(AggregateKey key, long seq, TrackingMode mode, String owner,
            Duration leaseTtl) {
        return calls.translated("claim", key, () -> claimCall(key, seq, mode, owner, leaseTtl));
    }

    @Override
    public CompletionStage<CommitResult> commitAsync(AggregateKey key, long seq, long fencingToken) {
        return calls.translated("commit", key, () -> commitCall(key, seq, fencingToken));
    }

    @Override
    public CompletionStage<AggregateState> readAsync(AggregateKey key) {
        return calls.translated("read", key, () -> readCall(key));
    }

    // ------------------------------------------------------------------ batches: one flush, O(1) round trips

    @Override
    public List<AdvanceResult> advanceAll(List<AdvanceRequest> requests) {
        return advanceAll(requests, null);
    }

    /** {@code places}: the places the auto-batcher took for the requests when they were issued, or {@code null}. */
    private List<AdvanceResult> advanceAll(List<AdvanceRequest> requests, List<PerKeyOrder.Place> places) {
        List<AdvanceResult> results = new ArrayList<>(java.util.Collections.nCopies(requests.size(), null));
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            AdvanceRequest r = requests.get(i);
            OptionalLong known = knownLast(r.key());
            if (known.isPresent() && r.seq() <= known.getAsLong()) {
                results.set(i, AdvanceResult.duplicate(known.getAsLong()));
                if (places != null) {
                    places.get(i).abandon();
                }
            } else {
                calls.add(new Call(i, r.key(), writeKeys(r.key()), advanceArgs(r.key(), r.seq(), r.mode())));
            }
        }
        BatchReplies replies = runBatch("advance batch", Script.ADVANCE_BATCH, calls, places);
        Set<AggregateKey> written = new LinkedHashSet<>();
        for (int c = 0; c < calls.size(); c++) {
            List<Object> reply = replies.replies().get(c);
            if (reply == null) {
                continue; // unknown
            }
            AdvanceResult result = parseAdvance(calls.get(c).key(), reply, ticket);
            results.set(calls.get(c).index(), result);
            if (result.verdict() == Verdict.IN_ORDER || waitsForReplicas() && result.verdict() == Verdict.DUPLICATE) {
                written.add(calls.get(c).key());
            }
        }
        finishBatch("advance batch", requests, results, replies.failure(), written,
                i -> requests.get(i).key());
        return results;
    }

    @Override
    public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
        return claimAll(requests, false, null).claims();
    }

    /**
     * With a {@link RedisEventBuffer} of the same deployment, key prefix and layout, the claims and the buffer reads
     * run in one script call ({@code claim_probe_batch.lua}): each element's parked and pending sets are read right
     * after its claim, atomically with it — one round trip per lane batch instead of two. Any other buffer: the
     * default (claims, then {@link io.seqtrack.core.port.out.EventBuffer#presence}).
     */
    @Override
    public io.seqtrack.core.port.out.ClaimsAndPresence claimAllAndProbe(List<ClaimRequest> requests,
            io.seqtrack.core.port.out.EventBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer instanceof RedisEventBuffer redis && sharesKeys(redis)) {
            return claimAll(requests, true, null);
        }
        return SequenceStore.super.claimAllAndProbe(requests, buffer);
    }

    /** The last buffer found to share this store's keys: a lane asks with the same buffer every batch. */
    private volatile RedisEventBuffer keySharingBuffer;

    private boolean sharesKeys(RedisEventBuffer buffer) {
        if (buffer == keySharingBuffer) {
            return true;
        }
        if (buffer.sharesKeysWith(config, layout, backend)) { // configurations are immutable: true stays true
            keySharingBuffer = buffer;
            return true;
        }
        return false;
    }

    private io.seqtrack.core.port.out.ClaimsAndPresence claimAll(List<ClaimRequest> requests, boolean probe,
            List<PerKeyOrder.Place> places) {
        List<ClaimResult> results = new ArrayList<>(java.util.Collections.nCopies(requests.size(), null));
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            ClaimRequest r = requests.get(i);
            OptionalLong known = knownLast(r.key());
            if (known.isPresent() && r.seq() <= known.getAsLong()) {
                results.set(i, ClaimResult.duplicate(known.getAsLong()));
                if (places != null) {
                    places.get(i).abandon();
                }
            } else {
                calls.add(new Call(i, r.key(), probe ? probeKeys(r.key()) : layout.keys(r.key()),
                        claimArgs(r.key(), r.seq(), r.mode(), r.owner(), r.leaseTtl())));
            }
        }
        BatchReplies replies = probe ? runBatch("claim-and-probe batch", Script.CLAIM_PROBE_BATCH, calls, places)
                : runBatch("claim batch", Script.CLAIM_BATCH, calls, places);
        Set<AggregateKey> claimed = new LinkedHashSet<>();
        Set<AggregateKey> parked = new java.util.HashSet<>();
        Set<AggregateKey> pending = new java.util.HashSet<>();
        for (int c = 0; c < calls.size(); c++) {
            List<Object> reply = replies.replies().get(c);
            if (reply == null) {
                continue;
            }
            AggregateKey key = calls.get(c).key();
            if (probe) { // the claim's reply, then EXISTS of the parked and of the pending set
                int size = reply.size();
                if (size < 4 || !(reply.get(size - 2) instanceof Long p) || !(reply.get(size - 1) instanceof Long q)) {
                    throw unexpected(key, reply);
                }
                if (p == 1L) {
                    parked.add(key);
                }
                if (q == 1L) {
                    pending.add(key);
                }
                reply = reply.subList(0, size - 2);
            }
            ClaimResult result = parseClaim(key, reply, ticket);
            results.set(calls.get(c).index(), result);
            if (result.status() == io.seqtrack.core.port.out.ClaimStatus.CLAIMED
                    || waitsForReplicas() && result.status() == io.seqtrack.core.port.out.ClaimStatus.DUPLICATE) {
                claimed.add(calls.get(c).key());
            }
        }
        finishBatch(probe ? "claim-and-probe batch" : "claim batch", requests, results, replies.failure(), claimed,
                i -> requests.get(i).key());
        return new io.seqtrack.core.port.out.ClaimsAndPresence(results,
                new io.seqtrack.core.port.out.BufferPresence(parked, pending));
    }

    /** An aggregate's claim-and-probe keys: its resting and claim hashes, then its parked and pending sets. */
    private byte[][] probeKeys(AggregateKey key) {
        byte[][] own = layout.keys(key);
        byte[][] buffer = layout.bufferKeys(key);
        return new byte[][] {own[0], own[1], buffer[KeyLayout.PARKED], buffer[KeyLayout.PENDING]};
    }

    @Override
    public List<CommitResult> commitAll(List<CommitRequest> requests) {
        return commitAll(requests, null);
    }

    /** {@code places}: the places the auto-batcher took for the requests when they were issued, or {@code null}. */
    private List<CommitResult> commitAll(List<CommitRequest> requests, List<PerKeyOrder.Place> places) {
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            CommitRequest r = requests.get(i);
            calls.add(new Call(i, r.key(), writeKeys(r.key()), commitArgs(r.key(), r.seq(), r.fencingToken())));
        }
        BatchReplies replies = runBatch("commit batch", Script.COMMIT_BATCH, calls, places);
        List<CommitResult> results = new ArrayList<>(java.util.Collections.nCopies(requests.size(), null));
        Set<AggregateKey> written = new LinkedHashSet<>();
        for (int c = 0; c < calls.size(); c++) {
            List<Object> reply = replies.replies().get(c);
            if (reply == null) {
                continue;
            }
            CommitResult result = parseCommit(calls.get(c).key(), requests.get(c).seq(), reply, ticket);
            results.set(c, result);
            if (result != CommitResult.CLAIM_LOST) {
                written.add(calls.get(c).key());
            }
        }
        finishBatch("commit batch", requests, results, replies.failure(), written, i -> requests.get(i).key());
        return results;
    }

    /**
     * Commits and, where asked, claims the next sequence in the same script element ({@code commit_claim_batch.lua}):
     * one script call per batch (per slot on a Cluster), one element per handled event while a worker has its
     * aggregates' next events at hand.
     */
    @Override
    public List<io.seqtrack.core.port.out.CommitAndClaimResult> commitAndClaimAll(
            List<io.seqtrack.core.port.out.CommitAndClaimRequest> requests) {
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            io.seqtrack.core.port.out.CommitAndClaimRequest r = requests.get(i);
            CommitRequest c = r.commit();
            byte[][] commit = commitArgs(c.key(), c.seq(), c.fencingToken());
            byte[][] next = r.claimsNext()
                    ? new byte[][] {dec(c.seq() + 1), modeArg(r.mode()), r.owner().getBytes(StandardCharsets.UTF_8),
                        dec(r.leaseTtl().toMillis()), dec(clockOffsetMillis)}
                    : new byte[][] {new byte[0], new byte[0], new byte[0], new byte[0], new byte[0]};
            byte[][] args = new byte[9][];
            System.arraycopy(commit, 0, args, 0, 4);
            System.arraycopy(next, 0, args, 4, 5);
            calls.add(new Call(i, c.key(), writeKeys(c.key()), args));
        }
        BatchReplies replies = runBatch("commit-and-claim batch", Script.COMMIT_CLAIM_BATCH, calls, null);
        List<io.seqtrack.core.port.out.CommitAndClaimResult> results =
                new ArrayList<>(java.util.Collections.nCopies(requests.size(), null));
        Set<AggregateKey> written = new LinkedHashSet<>();
        for (int c = 0; c < calls.size(); c++) {
            List<Object> reply = replies.replies().get(c);
            if (reply == null) {
                continue;
            }
            AggregateKey key = calls.get(c).key();
            CommitResult committed = parseCommit(key, requests.get(c).commit().seq(), reply, ticket);
            java.util.Optional<ClaimResult> next = reply.size() > 1
                    ? java.util.Optional.of(parseClaim(key, reply.subList(1, reply.size()), ticket))
                    : java.util.Optional.empty();
            if (committed == CommitResult.COMMITTED && requests.get(c).claimsNext() && next.isEmpty()) {
                throw unexpected(key, reply);
            }
            results.set(c, new io.seqtrack.core.port.out.CommitAndClaimResult(committed, next));
            if (committed != CommitResult.CLAIM_LOST) {
                written.add(key);
            }
        }
        finishBatch("commit-and-claim batch", requests, results, replies.failure(), written,
                i -> requests.get(i).commit().key());
        return results;
    }

    /**
     * Ends a batch: throws what is known per element if part of it failed, else waits for replication of what it
     * wrote — and if that fails, the written elements' outcome is unknown (a failover could lose them), the rest known.
     */
    private <T> void finishBatch(String what, List<?> requests, List<T> results, Throwable failure,
            Set<AggregateKey> written, java.util.function.IntFunction<AggregateKey> keyOf) {
        if (failure != null) {
            throw SequenceStoreException.partialBatch(what + " of " + requests.size(), results,
                    ScriptCalls.translate(what, requests.size() == 1 ? keyOf.apply(0) : null, failure));
        }
        try {
            awaitReplication(what, written);
        } catch (SequenceStoreException e) {
            List<T> known = new ArrayList<>(results);
            for (int i = 0; i < known.size(); i++) {
                if (written.contains(keyOf.apply(i))) {
                    known.set(i, null);
                }
            }
            throw SequenceStoreException.partialBatch(what + " of " + requests.size() + " (replication)", known,
                    e.getCause() == null ? e : e.getCause());
        }
    }

    @Override
    public CompletionStage<List<AdvanceResult>> advanceAllAsync(List<AdvanceRequest> requests) {
        try {
            return CompletableFuture.completedFuture(advanceAll(requests));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Wake-ups over Redis pub/sub: the advance and commit scripts {@code PUBLISH} to {@code <prefix>:commits} when the
     * aggregate they moved has events in the buffer's pending index (nothing is published otherwise). Each
     * subscription holds its own pub/sub connection; messages lost while it reconnects are covered by the caller's
     * timer fallback.
     *
     * @throws SequenceStoreException if the subscription cannot be set up (e.g. the ACL lacks {@code +subscribe})
     */
    @Override
    public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
            java.util.function.Consumer<AggregateKey> listener) {
        Objects.requireNonNull(listener, "listener");
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<byte[], byte[]> connection;
        try {
            connection = backend.connectPubSub();
        } catch (RuntimeException e) {
            throw SequenceStoreException.of("subscribe to " + new String(channel, StandardCharsets.UTF_8), e);
        }
        connection.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<byte[], byte[]>() {
            @Override
            public void message(byte[] from, byte[] message) {
                AggregateKey key;
                try {
                    key = BufferCodec.decodeIndexEntry(message);
                } catch (RuntimeException undecodable) {
                    return; // not ours, or corrupted: a wake-up is only a hint
                }
                listener.accept(key);
            }
        });
        try {
            calls.await("subscribe to " + new String(channel, StandardCharsets.UTF_8), null,
                    connection.async().subscribe(channel).toCompletableFuture());
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return connection::close;
    }

    @Override
    public void close() {
        if (autoBatcher != null) {
            autoBatcher.close(); // what is in flight finishes; what is queued fails as not sent
        }
        backend.close();
    }

    /** Test hook: moves the clock the scripts judge leases by. Never used in production. */
    void shiftServerClock(Duration duration) {
        clockOffsetMillis += duration.toMillis();
    }

    // ------------------------------------------------------------------ calls

    private CompletableFuture<AdvanceResult> advanceCall(AggregateKey key, long seq, TrackingMode mode) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
        OptionalLong known = knownLast(key);
        if (known.isPresent() && seq <= known.getAsLong()) {
            return CompletableFuture.completedFuture(AdvanceResult.duplicate(known.getAsLong()));
        }
        if (autoBatcher != null) {
            return autoBatcher.submit(advanceKind, new AdvanceRequest(key, seq, mode));
        }
        return advanceDirect(key, seq, mode, null);
    }

    /** One advance script call on the shared async connection (arguments validated by the caller). */
    private CompletableFuture<AdvanceResult> advanceDirect(AggregateKey key, long seq, TrackingMode mode,
            PerKeyOrder.Place place) {
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        byte[][] keys = writeKeys(key);
        return call(key, place, Script.ADVANCE, keys, advanceArgs(key, seq, mode))
                .thenApply(r -> parseAdvance(key, r, ticket))
                .thenCompose(result -> result.verdict() == Verdict.IN_ORDER
                        || waitsForReplicas() && result.verdict() == Verdict.DUPLICATE
                        ? calls.replicated(keys[0], false, result) : CompletableFuture.completedFuture(result));
    }

    private CompletableFuture<ClaimResult> claimCall(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
        StoreArguments.requireOwner(owner);
        StoreArguments.requireLeaseTtl(leaseTtl);
        OptionalLong known = knownLast(key);
        if (known.isPresent() && seq <= known.getAsLong()) {
            return CompletableFuture.completedFuture(ClaimResult.duplicate(known.getAsLong()));
        }
        if (autoBatcher != null) {
            return autoBatcher.submit(claimKind, new ClaimRequest(key, seq, mode, owner, leaseTtl));
        }
        return claimDirect(key, seq, mode, owner, leaseTtl, null);
    }

    /** One claim script call on the shared async connection (arguments validated by the caller). */
    private CompletableFuture<ClaimResult> claimDirect(AggregateKey key, long seq, TrackingMode mode, String owner,
            Duration leaseTtl, PerKeyOrder.Place place) {
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        byte[][] keys = layout.keys(key);
        return call(key, place, Script.CLAIM, keys, claimArgs(key, seq, mode, owner, leaseTtl))
                .thenApply(r -> parseClaim(key, r, ticket))
                // a claim raises the fence: if a failover lost it, the same token could be handed out twice
                .thenCompose(result -> result.status() == io.seqtrack.core.port.out.ClaimStatus.CLAIMED
                        || waitsForReplicas() && result.status() == io.seqtrack.core.port.out.ClaimStatus.DUPLICATE
                        ? calls.replicated(keys[0], false, result) : CompletableFuture.completedFuture(result));
    }

    private CompletableFuture<CommitResult> commitCall(AggregateKey key, long seq, long fencingToken) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        if (autoBatcher != null) {
            return autoBatcher.submit(commitKind, new CommitRequest(key, seq, fencingToken));
        }
        return commitDirect(key, seq, fencingToken, null);
    }

    /** One commit script call on the shared async connection (arguments validated by the caller). */
    private CompletableFuture<CommitResult> commitDirect(AggregateKey key, long seq, long fencingToken,
            PerKeyOrder.Place place) {
        NearCache.Ticket ticket = nearCache == null ? null : nearCache.ticket();
        byte[][] keys = writeKeys(key);
        return call(key, place, Script.COMMIT, keys, commitArgs(key, seq, fencingToken))
                .thenApply(r -> parseCommit(key, seq, r, ticket))
                // ALREADY_COMMITTED is waited for too: it may be the retry of a commit whose WAIT timed out
                .thenCompose(result -> result != CommitResult.CLAIM_LOST
                        ? calls.replicated(keys[0], false, result) : CompletableFuture.completedFuture(result));
    }

    private CompletableFuture<AggregateState> readCall(AggregateKey key) {
        StoreArguments.requireKey(key);
        return calls.call(key, Script.READ, layout.keys(key), KeyLayout.field(key.aggregateId()),
                dec(clockOffsetMillis))
                .thenApply(r -> {
                    long last = number(key, r, 0);
                    long fence = number(key, r, 1);
                    Optional<ActiveClaim> claim = r.size() < 6 ? Optional.empty()
                            : Optional.of(new ActiveClaim(text(r, 2), number(key, r, 3), number(key, r, 4),
                                    Instant.ofEpochMilli(number(key, r, 5))));
                    return new AggregateState(last, fence, claim);
                });
    }

    /** A script call on {@code key}: in {@code place} when the auto-batcher took it at issue, else in a place now. */
    private CompletableFuture<List<Object>> call(AggregateKey key, PerKeyOrder.Place place, Script script,
            byte[][] keys, byte[]... args) {
        return place == null ? calls.call(key, script, keys, args) : calls.callIn(place, script, keys, args);
    }

    private OptionalLong knownLast(AggregateKey key) {
        return nearCache == null ? OptionalLong.empty() : nearCache.knownLast(key);
    }

    private long remember(AggregateKey key, long last, NearCache.Ticket ticket) {
        if (ticket != null) {
            nearCache.remember(key, last, ticket);
        }
        return last;
    }

    /** One element of a batch: where its answer goes, its aggregate, its keys and its script arguments. */
    private record Call(int index, AggregateKey key, byte[][] keys, byte[][] args) {
    }

    /** The replies of a batch in call order — {@code null} where unknown — and the first failure, if any. */
    private record BatchReplies(List<List<Object>> replies, Throwable failure) {
    }

    /**
     * Runs a batch as one script call per Cluster node (one call in all on standalone/Sentinel), all sent with
     * auto-flush off and one flush: O(1) round trips. On a Cluster a node serving several of the batch's slots gets the
     * script's node-wide form (Redis 7 {@code allow-cross-slot-keys}, {@link ScriptCalls#sendToNode}); a node serving
     * one slot gets the per-slot form with declared keys, which Lettuce redirects on MOVED/ASK. An element the node
     * does not serve after all (the client's view of the slots was stale, a slot is migrating) is answered {@code X}
     * without effect, and is sent again per slot, after the first round's answers, so Lettuce's redirects apply. Each
     * call is atomic, so a lost script cache (answered by re-sending with EVAL) can never reorder the calls of one
     * aggregate. Returns the replies in call order; where a call failed (or the batch timed out before it answered)
     * its elements' replies are {@code null}: unknown, since the other calls took effect regardless. So is an element
     * answered {@code E} (state that cannot be interpreted; nothing was done for it), and the first such error is the
     * batch's failure.
     */
    private BatchReplies runBatch(String what, Script script, List<Call> calls, List<PerKeyOrder.Place> places) {
        if (calls.isEmpty()) {
            return new BatchReplies(List.of(), null);
        }
        List<Group> groups;
        try {
            groups = groups(calls);
        } catch (RuntimeException e) {
            if (places != null) {
                places.forEach(PerKeyOrder.Place::abandonUnlessSettled);
            }
            throw e;
        }
        List<List<Object>> replies = new ArrayList<>(java.util.Collections.nCopies(calls.size(), null));
        java.util.Map<Call, Integer> position = new java.util.IdentityHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            position.put(calls.get(i), i);
        }
        Throwable failure = null;
        // invariant 12: calls issued before the batch on its aggregates are applied before it, and calls issued after
        // it wait for its answer — not for this caller, who may stop waiting before the batch was applied; a group's
        // place is released once its call and the calls re-sending its X elements have their answers
        List<CompletableFuture<Void>> before = new ArrayList<>();
        if (places != null) {
            // the auto-batcher took each call's place when it was issued and sends only calls whose predecessors
            // have answered or are in this batch: the places pass to the groups that carry the calls
            for (Group group : groups) {
                for (Call call : group.calls) {
                    places.get(call.index()).releaseWith(group.done);
                }
            }
        } else {
            Set<AggregateKey> reserved = new java.util.HashSet<>();
            // all of a batch's places are taken in one step: two batches reserving the same aggregates one by one in
            // different orders could each wait behind the other (a cycle only the timeout ends)
            synchronized (reservations) {
                for (Group group : groups) {
                    for (Call call : group.calls) {
                        if (reserved.add(call.key())) { // an aggregate twice in a batch is ordered by the script
                            before.add(this.calls.reserve(call.key(), group.done));
                        }
                    }
                }
            }
        }
        List<Group> resent = new ArrayList<>();
        try {
            CompletableFuture.allOf(before.toArray(CompletableFuture[]::new)).get(awaitMillis, TimeUnit.MILLISECONDS);
            failure = sendAndAwait(script, groups, calls.size());
            // the elements a node answered X for (and those of a node-wide call a server without Redis 7 scripts could
            // not compile): sent again, one call per slot
            java.util.Map<Integer, Group> bySlot = new java.util.LinkedHashMap<>();
            for (Group group : groups) {
                List<Object> groupReply = group.reply();
                if (groupReply == null) {
                    if (group.node != null && isCompileError(group.error())) {
                        nodeWide = false; // nothing ran; every element is sent again below
                        group.resentWhole = true;
                        for (Call call : group.calls) {
                            bySlot.computeIfAbsent(slot(call), slot -> new Group(null, group)).calls.add(call);
                        }
                    }
                    continue;
                }
                if (groupReply.size() != group.calls.size()) {
                    throw SequenceStoreException.of(what, new IllegalStateException("expected " + group.calls.size()
                            + " replies from the batch script, got " + groupReply.size()));
                }
                for (int i = 0; i < group.calls.size(); i++) {
                    @SuppressWarnings("unchecked")
                    List<Object> reply = (List<Object>) groupReply.get(i);
                    if (isTagged(reply, "X")) {
                        Call call = group.calls.get(i);
                        bySlot.computeIfAbsent(slot(call), slot -> new Group(null, group)).calls.add(call);
                    }
                }
            }
            if (!bySlot.isEmpty()) {
                backend.topologyStale();
                resent.addAll(bySlot.values());
                Throwable again = sendAndAwait(script, resent, resent.stream().mapToInt(g -> g.calls.size()).sum());
                failure = failure != null ? failure : again;
            }
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            release(groups, resent);
        }
        for (List<Group> round : List.of(groups, resent)) {
            for (Group group : round) {
                Throwable error = group.resentWhole ? null : group.error();
                failure = failure != null ? failure : error;
                List<Object> groupReply = group.reply();
                if (groupReply == null || groupReply.size() != group.calls.size()) {
                    continue; // unknown: failed, or not answered in time
                }
                for (int i = 0; i < group.calls.size(); i++) {
                    @SuppressWarnings("unchecked")
                    List<Object> reply = (List<Object>) groupReply.get(i);
                    if (isTagged(reply, "X")) {
                        continue; // sent again: its answer is the resent call's
                    }
                    if (isTagged(reply, "E")) {
                        // nothing known for this element (its state cannot be interpreted)
                        failure = failure != null ? failure
                                : new io.lettuce.core.RedisCommandExecutionException(text(reply, 1));
                        continue;
                    }
                    replies.set(position.get(group.calls.get(i)), reply);
                }
            }
        }
        return new BatchReplies(replies, failure);
    }

    /** Whether node-wide Cluster batch calls are used: until a server could not compile one (no Redis 7 scripts). */
    private volatile boolean nodeWide = true;

    /**
     * The calls of a batch, grouped: one group on standalone/Sentinel; on a Cluster one per node — a node-wide call
     * where a node serves several of the batch's slots, a per-slot call where it serves one or no master is known.
     */
    private List<Group> groups(List<Call> calls) {
        if (!backend.clustered()) {
            Group all = new Group(null, null);
            all.calls.addAll(calls);
            return List.of(all);
        }
        java.util.Map<Integer, List<Call>> bySlot = new java.util.LinkedHashMap<>();
        for (Call call : calls) {
            bySlot.computeIfAbsent(slot(call), slot -> new ArrayList<>()).add(call);
        }
        java.util.Map<Object, List<List<Call>>> byNode = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<Integer, List<Call>> slot : bySlot.entrySet()) {
            String node = nodeWide ? backend.masterOf(slot.getKey()) : null;
            byNode.computeIfAbsent(node != null ? node : slot.getKey(), n -> new ArrayList<>()).add(slot.getValue());
        }
        List<Group> groups = new ArrayList<>();
        for (java.util.Map.Entry<Object, List<List<Call>>> node : byNode.entrySet()) {
            Group group = new Group(node.getValue().size() > 1 ? (String) node.getKey() : null, null);
            node.getValue().forEach(group.calls::addAll);
            groups.add(group);
        }
        return groups;
    }

    private static int slot(Call call) {
        return io.lettuce.core.cluster.SlotHash.getSlot(call.keys()[0]);
    }

    /**
     * Sends one call per group with auto-flush off and one flush, and waits for every answer; returns the timeout if
     * some did not answer in time, else {@code null} (failed calls are read from their groups). A group's
     * {@link Group#sent} is set once its call is on its way. Only the sending holds the batch lock (auto-flush is a
     * property of the shared batch connection): the batches of several lanes are in flight at once, each waiting for
     * its own answers — per-aggregate order is kept by {@link ScriptCalls#reserve}, not by the lock.
     */
    private Throwable sendAndAwait(Script script, List<Group> groups, int elements) throws InterruptedException {
        List<CompletableFuture<List<Object>>> futures = send(script, groups);
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(awaitMillis + elements, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return null; // every call has its answer; the failed ones are read from their groups
        } catch (TimeoutException e) {
            return e;
        }
    }

    private List<CompletableFuture<List<Object>>> send(Script script, List<Group> groups) {
        List<CompletableFuture<List<Object>>> futures = new ArrayList<>(groups.size());
        io.lettuce.core.api.StatefulConnection<byte[], byte[]> flushable = backend.flushableBatchConnection();
        batchLock.lock();
        try {
            if (flushable != null) {
                flushable.setAutoFlushCommands(false);
            }
            try {
                for (Group group : groups) {
                    group.sent = group.node == null
                            ? this.calls.send(true, script, groupKeys(group.calls), groupArgs(group.calls))
                            : this.calls.sendToNode(group.node, script, group.calls.get(0).keys().length,
                                    groupKeys(group.calls), groupArgs(group.calls));
                    futures.add(group.sent);
                }
            } finally {
                if (flushable != null) {
                    flushable.flushCommands();
                    flushable.setAutoFlushCommands(true);
                    // again: a NOSCRIPT fallback sent from a reply (under WAIT on this connection) between the flush
                    // and auto-flush coming back on must not sit in the buffer. (Turning auto-flush on before the
                    // first flush instead made the torture suite's batches under a SIGSTOPped Redis never fail
                    // closed: observed, not traced inside Lettuce.)
                    flushable.flushCommands();
                }
            }
        } finally {
            batchLock.unlock();
        }
        return futures;
    }

    /**
     * Releases the batch's places on its aggregates: a group's once its call has its answer (never, if it was not
     * sent) and the calls re-sending its X elements have theirs.
     */
    private static void release(List<Group> groups, List<Group> resent) {
        java.util.Map<Group, List<CompletableFuture<?>>> followUps = new java.util.IdentityHashMap<>();
        for (Group again : resent) {
            if (again.sent != null) {
                followUps.computeIfAbsent(again.origin, g -> new ArrayList<>()).add(again.sent);
            }
        }
        for (Group group : groups) {
            List<CompletableFuture<?>> waits = new ArrayList<>(followUps.getOrDefault(group, List.of()));
            if (group.sent != null) {
                waits.add(group.sent);
            }
            CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                    .whenComplete((ignored, error) -> group.done.complete(null));
        }
    }

    private static boolean isTagged(List<Object> reply, String tag) {
        return reply != null && reply.size() == 2 && tag.equals(text(reply, 0));
    }

    /** A server without Redis 7 scripts cannot compile a node-wide call (its shebang line): nothing of it ran. */
    private static boolean isCompileError(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        String message = cause == null ? null : cause.getMessage();
        return cause instanceof io.lettuce.core.RedisCommandExecutionException && message != null
                && (message.contains("Error compiling script") || message.contains("shebang"));
    }

    /**
     * The calls of one script call: to {@code node} in the node-wide form, or ({@code node == null}) in the per-slot
     * form; {@code origin} is the first-round group whose X elements a re-sent group carries.
     */
    private static final class Group {
        final String node;
        final Group origin;
        final List<Call> calls = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<List<Object>> sent;
        /** A node-wide call a server could not compile: nothing of it ran, all its elements were sent again. */
        boolean resentWhole;

        Group(String node, Group origin) {
            this.node = node;
            this.origin = origin;
        }

        List<Object> reply() {
            return sent != null && sent.isDone() && !sent.isCompletedExceptionally() ? sent.join() : null;
        }

        Throwable error() {
            if (sent == null || !sent.isCompletedExceptionally()) {
                return null;
            }
            try {
                sent.join();
                return null;
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                return e.getCause() != null ? e.getCause() : e;
            }
        }
    }

    private static byte[][] groupKeys(List<Call> group) {
        List<byte[]> keys = new ArrayList<>();
        for (Call call : group) {
            keys.addAll(List.of(call.keys()));
        }
        return keys.toArray(byte[][]::new);
    }

    /** The keys a write touches: resting state, claims, and the buffer's pending index it may wake subscribers for. */
    private byte[][] writeKeys(AggregateKey key) {
        byte[][] keys = layout.keys(key);
        return new byte[][] {keys[0], keys[1], layout.bufferKeys(key)[KeyLayout.PENDING_INDEX]};
    }

    private static byte[][] groupArgs(List<Call> group) {
        List<byte[]> args = new ArrayList<>();
        for (Call call : group) {
            args.addAll(List.of(call.args()));
        }
        return args.toArray(byte[][]::new);
    }

    // ------------------------------------------------------------------ arguments and replies

    private byte[][] advanceArgs(AggregateKey key, long seq, TrackingMode mode) {
        return new byte[][] {KeyLayout.field(key.aggregateId()), dec(seq), dec(seq - 1), answeringModeArg(mode),
            channel};
    }

    private byte[][] claimArgs(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return new byte[][] {KeyLayout.field(key.aggregateId()), dec(seq), dec(seq - 1), answeringModeArg(mode),
            owner.getBytes(StandardCharsets.UTF_8), dec(leaseTtl.toMillis()), dec(clockOffsetMillis)};
    }

    private byte[][] commitArgs(AggregateKey key, long seq, long fencingToken) {
        return new byte[][] {KeyLayout.field(key.aggregateId()), dec(seq), dec(fencingToken), channel};
    }

    private AdvanceResult parseAdvance(AggregateKey key, List<Object> r, NearCache.Ticket ticket) {
        long last = remember(key, number(key, r, 1), ticket);
        switch (text(r, 0)) {
            case "I": return AdvanceResult.inOrder(last);
            case "D": return AdvanceResult.duplicate(last);
            case "G": return AdvanceResult.gap(last);
            default: throw unexpected(key, r);
        }
    }

    private ClaimResult parseClaim(AggregateKey key, List<Object> r, NearCache.Ticket ticket) {
        long last = remember(key, number(key, r, 1), ticket);
        switch (text(r, 0)) {
            case "C": return ClaimResult.claimed(last, number(key, r, 2));
            case "D": return ClaimResult.duplicate(last);
            case "G": return ClaimResult.gap(last);
            case "B": return ClaimResult.busy(last, new ActiveClaim(text(r, 2), number(key, r, 3),
                    number(key, r, 4), Instant.ofEpochMilli(number(key, r, 5))));
            default: throw unexpected(key, r);
        }
    }

    private CommitResult parseCommit(AggregateKey key, long seq, List<Object> r, NearCache.Ticket ticket) {
        CommitResult result;
        try {
            result = CommitResult.valueOf(text(r, 0));
        } catch (IllegalArgumentException e) {
            throw unexpected(key, r);
        }
        if (result != CommitResult.CLAIM_LOST) {
            remember(key, seq, ticket);
        }
        return result;
    }

    private void awaitReplication(String what, Set<AggregateKey> written) {
        if (config.waitReplicas() == 0 || written.isEmpty()) {
            return;
        }
        // one WAIT per connection that wrote — the batch connection, per node on a Cluster (slots of one node share
        // it: no write was sent between them); a NOSCRIPT fallback under WAIT goes through the same connection
        Set<Integer> slots = new LinkedHashSet<>();
        List<CompletableFuture<Object>> waits = new ArrayList<>();
        for (AggregateKey key : written) {
            byte[] restKey = layout.keys(key)[0];
            if (slots.add(io.lettuce.core.cluster.SlotHash.getSlot(restKey))) {
                waits.add(calls.replicated(restKey, true, null));
            }
            if (config.topology() != RedisStoreConfig.Topology.CLUSTER) {
                break;
            }
        }
        calls.await(what, null, CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)));
    }

    // ------------------------------------------------------------------ errors

    private static SequenceStoreException unexpected(AggregateKey key, List<Object> reply) {
        return SequenceStoreException.corrupted(key, "unexpected script reply " + describe(reply));
    }

    // ------------------------------------------------------------------ encoding

    private static byte[] dec(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The mode of a call whose answer may acknowledge an event (advance, claim): with WAIT, a {@code W} asks the script
     * to write a duplicate's value again, so that the WAIT confirms the commit that made it a duplicate — a duplicate is
     * the one answer that acknowledges an event without a write, and read from an isolated master it may rest on a
     * commit the failover discards (the torture suite's Sentinel failover lost events that way).
     */
    private byte[] answeringModeArg(TrackingMode mode) {
        byte letter = mode == TrackingMode.STRICT ? (byte) 'S' : (byte) 'M';
        return waitsForReplicas() ? new byte[] {letter, 'W'} : new byte[] {letter};
    }

    private boolean waitsForReplicas() {
        return config.waitReplicas() > 0;
    }

    private static byte[] modeArg(TrackingMode mode) {
        return mode == TrackingMode.STRICT ? new byte[] {'S'} : new byte[] {'M'};
    }

    private static String text(List<Object> reply, int index) {
        Object value = reply.get(index);
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static long number(AggregateKey key, List<Object> reply, int index) {
        String text = text(reply, index);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw SequenceStoreException.corrupted(key, "'" + text + "' is not a number (reply " + describe(reply) + ")");
        }
    }

    private static String describe(List<Object> reply) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < reply.size(); i++) {
            parts.add(text(reply, i));
        }
        return parts.toString();
    }
}
