package io.seqtrack.inmemory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.OperatorActions;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.StoreArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A {@link SequenceStore} in one JVM's memory, backed by a Caffeine cache. For tests, single-process deployments and
 * as the embedded default; state is lost with the process.
 *
 * <p>Every operation is one atomic {@code compute} on a concurrent map: lock-free across aggregates, serialized per
 * aggregate. The map is a Caffeine cache when retention or statistics are configured, and a plain
 * {@code ConcurrentHashMap} otherwise (Caffeine's compute wrapper costs about half the throughput and buys nothing
 * without them — measured with {@code CheckAndAdvanceBenchmark}). Lease expiry is judged by the injected {@link Clock}.
 *
 * <p><b>Retention is opt-in and means forgetting.</b> Without {@link Builder#expireAfterAccess(Duration)} nothing is
 * ever evicted (there is deliberately no size bound: evicting an aggregate would silently turn its next duplicate
 * into a new event). With it, an aggregate untouched for that long is forgotten and its next event is classified as
 * the first of a new aggregate — choose the duration longer than any redelivery window of your broker.
 */
public final class InMemorySequenceStore implements SequenceStore {

    private final Clock clock;
    private final OperatorActions.Sleeper sleeper;
    private final Cache<AggregateKey, Entry> cache;
    private final ConcurrentMap<AggregateKey, Entry> entries;
    private final boolean usesCaffeine;
    private final java.util.List<java.util.function.Consumer<AggregateKey>> commitListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * The fencing floor: at least every token ever issued for an aggregate that was deleted or forgotten (retention).
     * A new entry starts its fence here, so the tokens of a re-created aggregate are higher than all of its earlier
     * ones. Raised inside the atomic removal of the entry (delete's compute, Caffeine's eviction listener), read inside
     * the atomic creation of one: a claim can never see the entry gone and the floor not yet raised.
     */
    private final java.util.concurrent.atomic.AtomicLong fenceFloor = new java.util.concurrent.atomic.AtomicLong();

    private InMemorySequenceStore(Builder builder) {
        this.clock = builder.clock;
        this.sleeper = builder.sleeper;
        // synchronous and atomic with the removal: the floor is raised before the key can be created again
        Caffeine<AggregateKey, Entry> caffeine = Caffeine.newBuilder()
                .evictionListener((AggregateKey k, Entry forgotten, com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                    if (forgotten != null) {
                        raiseFenceFloor(forgotten.fence);
                    }
                });
        if (builder.expireAfterAccess != null) {
            // Caffeine reads time through its ticker: derive it from our clock so retention runs on virtual time too.
            caffeine.expireAfter(new Retention(builder.expireAfterAccess.toNanos(), clock))
                    .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
        }
        if (builder.recordStats) {
            caffeine.recordStats();
        }
        this.cache = caffeine.build();
        // Caffeine only earns its keep with retention or statistics; without them its compute wrapper halved the
        // throughput of advance against a bare ConcurrentHashMap (CheckAndAdvanceBenchmark, inmemory vs chm).
        this.usesCaffeine = builder.expireAfterAccess != null || builder.recordStats;
        this.entries = usesCaffeine ? cache.asMap() : new java.util.concurrent.ConcurrentHashMap<>();
    }

    /** A store with the system clock, no retention and no statistics. */
    public static InMemorySequenceStore create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        check(key, seq, mode);
        Advance step = new Advance(seq, mode, !usesCaffeine, fenceFloor);
        entries.compute(key, step);
        if (step.result.verdict() == Verdict.IN_ORDER) {
            notifyCommitted(key);
        }
        return step.result;
    }

    /**
     * One advance as a single object (the compute function and its result holder in one allocation instead of a
     * capturing lambda plus a result array: {@code -prof gc} measured 112 B per advance before, see docs/benchmarks.md).
     */
    private static final class Advance implements BiFunction<AggregateKey, Entry, Entry> {
        private final long seq;
        private final TrackingMode mode;
        private final boolean inPlace;
        private final java.util.concurrent.atomic.AtomicLong fenceFloor;
        AdvanceResult result;

        Advance(long seq, TrackingMode mode, boolean inPlace, java.util.concurrent.atomic.AtomicLong fenceFloor) {
            this.seq = seq;
            this.mode = mode;
            this.inPlace = inPlace;
            this.fenceFloor = fenceFloor;
        }

        @Override
        public Entry apply(AggregateKey key, Entry entry) {
            long last = entry == null ? 0 : entry.last;
            Verdict verdict = SequenceRules.classify(last, seq, mode);
            if (verdict != Verdict.IN_ORDER) {
                result = new AdvanceResult(verdict, last);
                return entry;
            }
            result = AdvanceResult.inOrder(seq);
            if (entry == null) {
                return new Entry(seq, fenceFloor.get(), null, List.of());
            }
            if (inPlace) {
                // the plain map: only `last` moves (fence and claim stay), so a reader sees the entry before or after
                entry.last = seq;
                return entry;
            }
            // Caffeine: a new value, so that the write is seen as one (retention and statistics)
            return new Entry(seq, entry.fence, entry.claim, entry.skipped);
        }
    }

    @Override
    public ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl) {
        return claim(key, seq, mode, owner, leaseTtl, clock.millis());
    }

    /**
     * The singles in order, as the SPI prescribes, with the clock read once for the batch instead of once per claim
     * (a clock read was a fiftieth of a processor lane's CPU). A later element sees the batch's start as its time: its
     * lease ends that much earlier, and a lease that ran out meanwhile still counts as held — both on the safe side.
     */
    @Override
    public List<ClaimResult> claimAll(List<io.seqtrack.core.port.out.ClaimRequest> requests) {
        long now = clock.millis();
        List<ClaimResult> results = new java.util.ArrayList<>(requests.size());
        for (io.seqtrack.core.port.out.ClaimRequest r : requests) {
            results.add(claim(r.key(), r.seq(), r.mode(), r.owner(), r.leaseTtl(), now));
        }
        return results;
    }

    private ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl, long now) {
        check(key, seq, mode);
        StoreArguments.requireOwner(owner);
        StoreArguments.requireLeaseTtl(leaseTtl);
        Claiming step = new Claiming(seq, mode, owner, leaseTtl.toMillis(), now, fenceFloor);
        entries.compute(key, step);
        return step.result;
    }

    /** One claim as a single object: the compute function and its result (no capturing lambda, no result array). */
    private static final class Claiming implements BiFunction<AggregateKey, Entry, Entry> {
        private final long seq;
        private final TrackingMode mode;
        private final String owner;
        private final long leaseMillis;
        private final long now;
        private final java.util.concurrent.atomic.AtomicLong fenceFloor;
        ClaimResult result;

        Claiming(long seq, TrackingMode mode, String owner, long leaseMillis, long now,
                java.util.concurrent.atomic.AtomicLong fenceFloor) {
            this.seq = seq;
            this.mode = mode;
            this.owner = owner;
            this.leaseMillis = leaseMillis;
            this.now = now;
            this.fenceFloor = fenceFloor;
        }

        @Override
        public Entry apply(AggregateKey key, Entry entry) {
            long last = entry == null ? 0 : entry.last;
            Verdict verdict = SequenceRules.classify(last, seq, mode);
            if (verdict == Verdict.DUPLICATE) {
                result = ClaimResult.duplicate(last);
                return entry;
            }
            if (verdict == Verdict.GAP) {
                result = ClaimResult.gap(last);
                return entry;
            }
            Claim held = entry == null ? null : entry.claim;
            if (held != null && !held.expiredAt(now) && !held.owner.equals(owner)) {
                result = ClaimResult.busy(last, held.toActiveClaim());
                return entry;
            }
            long token = (entry == null ? fenceFloor.get() : entry.fence) + 1;
            result = ClaimResult.claimed(last, token);
            return new Entry(last, token, new Claim(owner, seq, token, now + leaseMillis), skipped(entry));
        }
    }

    @Override
    public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        Committing step = new Committing(seq, fencingToken);
        entries.computeIfPresent(key, step);
        if (step.result == CommitResult.COMMITTED) {
            notifyCommitted(key);
        }
        return step.result;
    }

    /** One commit as a single object: the compute function and its result. */
    private static final class Committing implements BiFunction<AggregateKey, Entry, Entry> {
        private final long seq;
        private final long fencingToken;
        CommitResult result = CommitResult.CLAIM_LOST;

        Committing(long seq, long fencingToken) {
            this.seq = seq;
            this.fencingToken = fencingToken;
        }

        @Override
        public Entry apply(AggregateKey key, Entry entry) {
            Claim held = entry.claim;
            if (held != null && held.token == fencingToken && held.seq == seq) {
                // The token is still the newest issued, so nobody else can have handled the event even if the
                // lease ran out meanwhile. If `advance` moved past seq already, the sequence is committed anyway.
                result = seq > entry.last ? CommitResult.COMMITTED : CommitResult.ALREADY_COMMITTED;
                return new Entry(Math.max(entry.last, seq), entry.fence, null, entry.skipped);
            }
            boolean retry = held == null ? fencingToken == entry.fence
                    // the only token since ours claims a later sequence: that claim needed our commit
                    : held.token == fencingToken + 1 && held.seq > seq;
            if (seq <= entry.last && retry) { // a retry of a commit that landed
                result = CommitResult.ALREADY_COMMITTED;
            }
            return entry;
        }
    }

    /** Commit and, where asked, the next claim with the next token, atomically per element (see the SPI). */
    @Override
    public List<io.seqtrack.core.port.out.CommitAndClaimResult> commitAndClaimAll(
            List<io.seqtrack.core.port.out.CommitAndClaimRequest> requests) {
        List<io.seqtrack.core.port.out.CommitAndClaimResult> results = new java.util.ArrayList<>(requests.size());
        for (io.seqtrack.core.port.out.CommitAndClaimRequest r : requests) {
            results.add(commitAndClaim(r));
        }
        return results;
    }

    private io.seqtrack.core.port.out.CommitAndClaimResult commitAndClaim(
            io.seqtrack.core.port.out.CommitAndClaimRequest r) {
        if (!r.claimsNext()) {
            return new io.seqtrack.core.port.out.CommitAndClaimResult(
                    commit(r.commit().key(), r.commit().seq(), r.commit().fencingToken()), java.util.Optional.empty());
        }
        AggregateKey key = r.commit().key();
        long seq = r.commit().seq();
        long token = r.commit().fencingToken();
        long now = clock.millis();
        boolean[] committed = {false};
        long[] nextToken = {0};
        entries.computeIfPresent(key, (k, entry) -> {
            Claim held = entry.claim;
            if (held != null && held.token == token && held.seq == seq && seq > entry.last) {
                committed[0] = true;
                long next = entry.fence + 1;
                nextToken[0] = next;
                return new Entry(seq, next, new Claim(r.owner(), seq + 1, next, now + r.leaseTtl().toMillis()),
                        entry.skipped);
            }
            return entry;
        });
        if (!committed[0]) { // not committable now: answered exactly as a plain commit answers (nothing claimed)
            return new io.seqtrack.core.port.out.CommitAndClaimResult(commit(key, seq, token), java.util.Optional.empty());
        }
        notifyCommitted(key);
        return new io.seqtrack.core.port.out.CommitAndClaimResult(CommitResult.COMMITTED,
                java.util.Optional.of(ClaimResult.claimed(seq, nextToken[0])));
    }

    /** In-process wake-ups: every processor sharing this store hears every commit at once. */
    @Override
    public io.seqtrack.core.port.out.CommitSubscription subscribeCommits(
            java.util.function.Consumer<AggregateKey> listener) {
        Objects.requireNonNull(listener, "listener");
        commitListeners.add(listener);
        return () -> commitListeners.remove(listener);
    }

    private void notifyCommitted(AggregateKey key) {
        if (commitListeners.isEmpty()) {
            return; // the common case: no iterator allocated on the hot path
        }
        for (java.util.function.Consumer<AggregateKey> listener : commitListeners) {
            try {
                listener.accept(key);
            } catch (RuntimeException e) {
                // a listener's failure must not turn a successful commit into an error
            }
        }
    }

    @Override
    public ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        ReleaseResult[] result = {ReleaseResult.NOT_HELD};
        entries.computeIfPresent(key, (k, entry) -> {
            Claim held = entry.claim;
            if (held != null && held.token == fencingToken && held.seq == seq) {
                result[0] = ReleaseResult.RELEASED;
                // bump the fence so the released token can never be mistaken for a landed commit
                return new Entry(entry.last, entry.fence + 1, null, entry.skipped);
            }
            return entry;
        });
        return result[0];
    }

    @Override
    public AggregateState read(AggregateKey key) {
        StoreArguments.requireKey(key);
        // through the cache when it is in use, so that reads count as hits and misses and touch retention
        Entry entry = usesCaffeine ? cache.getIfPresent(key) : entries.get(key);
        if (entry == null) {
            return AggregateState.UNKNOWN;
        }
        Claim held = entry.claim;
        Optional<ActiveClaim> current = held == null || held.expiredAt(clock.millis())
                ? Optional.empty() : Optional.of(held.toActiveClaim());
        return new AggregateState(entry.last, entry.fence, current);
    }

    @Override
    public void reset(AggregateKey key, long last) {
        StoreArguments.requireKey(key);
        StoreArguments.requireLast(last);
        revokingClaims("reset", key, now -> {
            long[] wait = {0};
            entries.compute(key, (k, entry) -> {
                Revocation revoked = revoke(entry, now);
                if (revoked != null) {
                    wait[0] = revoked.waitMillis;
                    return revoked.entry;
                }
                // bump the fence: every token handed out before the reset is invalid afterwards
                return new Entry(last, fence(entry) + 1, null, skipped(entry));
            });
            return wait[0];
        });
    }

    @Override
    public boolean delete(AggregateKey key) {
        StoreArguments.requireKey(key);
        boolean[] known = new boolean[1];
        revokingClaims("delete", key, now -> {
            long[] wait = {0};
            entries.computeIfPresent(key, (k, entry) -> {
                Revocation revoked = revoke(entry, now);
                if (revoked != null) {
                    wait[0] = revoked.waitMillis;
                    return revoked.entry;
                }
                known[0] = true;
                raiseFenceFloor(entry.fence); // forgotten, but its tokens stay invalid: later ones start above them
                return null;
            });
            return wait[0];
        });
        return known[0];
    }

    /** The owner of an operator's hold on a revoked aggregate, followed by the moment the operator may act. */
    private static final String OPERATOR = StoreArguments.OPERATOR_OWNER_PREFIX; // reserved: no worker claims with it
    /** How long an operator's hold outlasts the claim it revoked, so that workers do not claim it first. */

    private record Revocation(Entry entry, long waitMillis) {
    }

    /**
     * Invariant 10: while a worker holds an unexpired claim it may answer duplicates from its own view, so an operator's
     * reset or delete acts only once that claim has expired. A live claim is revoked (replaced by an operator hold
     * until its expiry plus a grace period, the fence bumped: its holder's commits, renewals and releases fail and
     * other workers meet BUSY); returns what to store and how long to wait, or {@code null} to act now.
     */
    private static Revocation revoke(Entry entry, long now) {
        Claim held = entry == null ? null : entry.claim;
        if (held == null || held.expiredAt(now)) {
            return null;
        }
        if (held.owner.startsWith(OPERATOR)) {
            long ready = Long.parseLong(held.owner.substring(OPERATOR.length()));
            return now >= ready ? null : new Revocation(entry, ready - now);
        }
        long fence = Math.max(entry.fence, held.token) + 1;
        Claim hold = new Claim(OPERATOR + held.expiresAtMillis, held.seq, fence,
                held.expiresAtMillis + OperatorActions.HOLD_GRACE.toMillis());
        return new Revocation(new Entry(entry.last, fence, hold, entry.skipped), held.expiresAtMillis - now);
    }

    /** Runs an operator action ({@code attempt}: how long to wait, 0 once it acted) until it acts. */
    private void revokingClaims(String what, AggregateKey key, java.util.function.LongUnaryOperator attempt) {
        OperatorActions.untilActed(what, key, () -> attempt.applyAsLong(clock.millis()), sleeper);
    }

    @Override
    public RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        StoreArguments.requireLeaseTtl(leaseTtl);
        long now = clock.millis();
        RenewResult[] result = {RenewResult.CLAIM_LOST};
        entries.computeIfPresent(key, (k, entry) -> {
            Claim held = entry.claim;
            if (held == null || held.token != fencingToken || held.seq != seq) {
                return entry; // committed, released, reset or fenced: renewal never claims anew
            }
            result[0] = RenewResult.RENEWED;
            return new Entry(entry.last, entry.fence,
                    new Claim(held.owner, seq, fencingToken, now + leaseTtl.toMillis()), entry.skipped);
        });
        return result[0];
    }

    @Override
    public SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSkip(expectedLast, newLast, record);
        long now = clock.millis();
        SkipResult[] result = new SkipResult[1];
        entries.compute(key, (k, entry) -> {
            long last = entry == null ? 0 : entry.last;
            List<SkippedRange> skipped = skipped(entry);
            if (skipped.contains(record)) {
                result[0] = SkipResult.skipped(last); // a retry of this very skip, whatever was committed since
                return entry;
            }
            if (last != expectedLast) {
                result[0] = SkipResult.moved(last);
                return entry;
            }
            Claim held = entry == null ? null : entry.claim;
            if (held != null && !held.expiredAt(now)) {
                result[0] = SkipResult.busy(last, held.toActiveClaim());
                return entry;
            }
            List<SkippedRange> recorded = new java.util.ArrayList<>(skipped);
            recorded.add(record);
            result[0] = SkipResult.skipped(newLast);
            // an expired claim is dropped and its token invalidated: its holder's commit answers CLAIM_LOST
            return new Entry(newLast, fence(entry) + (held == null ? 0 : 1), null, List.copyOf(recorded));
        });
        if (result[0].skipped()) {
            notifyCommitted(key);
        }
        return result[0];
    }

    @Override
    public List<SkippedRange> skippedRanges(AggregateKey key) {
        StoreArguments.requireKey(key);
        Entry entry = usesCaffeine ? cache.getIfPresent(key) : entries.get(key);
        return entry == null ? List.of() : entry.skipped;
    }

    /** The fence an entry continues from: its own, or the floor for an aggregate the store does not know (now). */
    private long fence(Entry entry) {
        return entry == null ? fenceFloor.get() : entry.fence;
    }

    private static List<SkippedRange> skipped(Entry entry) {
        return entry == null ? List.of() : entry.skipped;
    }

    private void raiseFenceFloor(long fence) {
        fenceFloor.accumulateAndGet(fence, Math::max);
    }

    /** Hit, miss and eviction counts; all zero unless the store was built with {@link Builder#recordStats()}. */
    public CacheStats stats() {
        return cache.stats();
    }

    /** Runs retention's pending maintenance now (forgets what expired); a no-op without retention. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** The approximate number of aggregates held. */
    public long estimatedSize() {
        return usesCaffeine ? cache.estimatedSize() : entries.size();
    }

    private static void check(AggregateKey key, long seq, TrackingMode mode) {
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
    }

    /**
     * Per-aggregate state, changed only inside {@code compute} for its key. Claims, commits, releases and resets replace
     * it; an advance on the plain map only moves {@code last} in place (volatile, so lock-free readers see it): fence
     * and claim do not change, so a reader sees either the state before the advance or the state after it. That saves
     * an allocation per advance ({@code -prof gc}, CheckAndAdvanceBenchmark).
     */
    private static final class Entry {
        volatile long last;
        /**
         * The fencing high-water: the highest token issued, bumped by release and reset so that no earlier token stays
         * valid. Survives commits, releases and resets.
         */
        final long fence;
        final Claim claim;
        /** The records of the aggregate's skips, oldest first; immutable, replaced by a skip. */
        final List<SkippedRange> skipped;

        Entry(long last, long fence, Claim claim, List<SkippedRange> skipped) {
            this.last = last;
            this.fence = fence;
            this.claim = claim;
            this.skipped = skipped;
        }
    }

    private static final class Claim {
        final String owner;
        final long seq;
        final long token;
        final long expiresAtMillis;

        Claim(String owner, long seq, long token, long expiresAtMillis) {
            this.owner = owner;
            this.seq = seq;
            this.token = token;
            this.expiresAtMillis = expiresAtMillis;
        }

        boolean expiredAt(long nowMillis) {
            return nowMillis >= expiresAtMillis;
        }

        ActiveClaim toActiveClaim() {
            return new ActiveClaim(owner, seq, token, Instant.ofEpochMilli(expiresAtMillis));
        }
    }

    /**
     * Retention: an aggregate is forgotten once it was idle (not read or written) for the configured time — but never
     * while a claim on it is unexpired, since forgetting it would hand the aggregate to a second worker while the first
     * one's handler still runs under a valid lease. It is kept until its claim ends, then for the idle time.
     */
    private static final class Retention implements com.github.benmanes.caffeine.cache.Expiry<AggregateKey, Entry> {
        private final long idleNanos;
        private final Clock clock;

        Retention(long idleNanos, Clock clock) {
            this.idleNanos = idleNanos;
            this.clock = clock;
        }

        private long keep(Entry entry) {
            Claim claim = entry.claim;
            if (claim == null) {
                return idleNanos;
            }
            long untilClaimEnds = TimeUnit.MILLISECONDS.toNanos(Math.max(0, claim.expiresAtMillis - clock.millis()));
            return untilClaimEnds > Long.MAX_VALUE - idleNanos ? Long.MAX_VALUE : untilClaimEnds + idleNanos;
        }

        @Override
        public long expireAfterCreate(AggregateKey key, Entry entry, long currentTime) {
            return keep(entry);
        }

        @Override
        public long expireAfterUpdate(AggregateKey key, Entry entry, long currentTime, long currentDuration) {
            return keep(entry);
        }

        @Override
        public long expireAfterRead(AggregateKey key, Entry entry, long currentTime, long currentDuration) {
            return keep(entry);
        }
    }

    /** Configures a store; validates each value as it is set. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private OperatorActions.Sleeper sleeper = OperatorActions.Sleeper.threadSleep();
        private Duration expireAfterAccess;
        private boolean recordStats;

        private Builder() {
        }

        /** The clock lease expiry (and retention) is judged by. Default: the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How {@link #reset} and {@link #delete} wait for a claim they revoked to expire by the {@link #clock(Clock)
         * clock}. Default: {@link Thread#sleep}; code on a virtual clock passes one that advances it.
         */
        public Builder sleeper(OperatorActions.Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /**
         * Opt-in retention: forget an aggregate not read or written for {@code idle} (counted from the end of its claim,
         * if it holds one: an aggregate under an unexpired claim is never forgotten). Its next event is then treated
         * as the first of a new aggregate; its fencing tokens continue above the old ones. Default: never forget.
         */
        public Builder expireAfterAccess(Duration idle) {
            if (idle == null || idle.isNegative() || idle.isZero()) {
                throw InvalidConfigurationException.of("inmemory.expireAfterAccess", "must be positive, was " + idle);
            }
            this.expireAfterAccess = idle;
            return this;
        }

        /** Record Caffeine statistics, exposed by {@link InMemorySequenceStore#stats()}. */
        public Builder recordStats() {
            this.recordStats = true;
            return this;
        }

        public InMemorySequenceStore build() {
            return new InMemorySequenceStore(this);
        }
    }
}
