package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small, synchronized, map-based {@link SequenceStore} for core unit tests: it follows the SPI's rules closely
 * enough for the tracker's tests, records every call, and has a manual clock. The real contract is the TCK's job.
 */
public final class FakeSequenceStore implements SequenceStore {

    public static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final Map<AggregateKey, Entry> entries = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private Instant now = START;

    private static final class Entry {
        long last;
        long fencing;
        ActiveClaim claim;
        final List<SkippedRange> skipped = new ArrayList<>();
    }

    /** Fencing survives delete: tokens of a re-created aggregate start above the deleted ones. */
    private long fenceFloor;

    // ------------------------------------------------------------------------------------------------ SPI

    @Override
    public synchronized AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode) {
        calls.add("advance " + key + " " + seq + " " + mode);
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
        long last = lastOf(key);
        Verdict verdict = SequenceRules.classify(last, seq, mode);
        return switch (verdict) {
            case IN_ORDER -> {
                entry(key).last = seq;
                yield AdvanceResult.inOrder(seq);
            }
            case DUPLICATE -> AdvanceResult.duplicate(last);
            case GAP -> AdvanceResult.gap(last);
        };
    }

    @Override
    public synchronized ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner,
            Duration leaseTtl) {
        calls.add("claim " + key + " " + seq + " " + mode + " " + owner + " " + leaseTtl);
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireTrackedMode(mode);
        StoreArguments.requireOwner(owner);
        StoreArguments.requireLeaseTtl(leaseTtl);
        long last = lastOf(key);
        Verdict verdict = SequenceRules.classify(last, seq, mode);
        if (verdict == Verdict.DUPLICATE) {
            return ClaimResult.duplicate(last);
        }
        if (verdict == Verdict.GAP) {
            return ClaimResult.gap(last);
        }
        Entry e = entry(key);
        ActiveClaim current = unexpired(e);
        if (current != null && !current.owner().equals(owner)) {
            return ClaimResult.busy(last, current);
        }
        e.fencing++;
        e.claim = new ActiveClaim(owner, seq, e.fencing, now.plus(leaseTtl));
        return ClaimResult.claimed(last, e.fencing);
    }

    @Override
    public synchronized CommitResult commit(AggregateKey key, long seq, long fencingToken) {
        calls.add("commit " + key + " " + seq + " " + fencingToken);
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        Entry e = entries.get(key);
        if (e == null) {
            return CommitResult.CLAIM_LOST;
        }
        if (e.claim != null && e.claim.fencingToken() == fencingToken && e.claim.sequence() == seq) {
            e.last = Math.max(e.last, seq);
            e.claim = null;
            return CommitResult.COMMITTED;
        }
        if (seq <= e.last && fencingToken == e.fencing) {
            return CommitResult.ALREADY_COMMITTED;
        }
        return CommitResult.CLAIM_LOST;
    }

    @Override
    public synchronized ReleaseResult release(AggregateKey key, long seq, long fencingToken) {
        calls.add("release " + key + " " + seq + " " + fencingToken);
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        Entry e = entries.get(key);
        if (e != null && e.claim != null && e.claim.fencingToken() == fencingToken && e.claim.sequence() == seq) {
            e.claim = null;
            return ReleaseResult.RELEASED;
        }
        return ReleaseResult.NOT_HELD;
    }

    @Override
    public synchronized AggregateState read(AggregateKey key) {
        calls.add("read " + key);
        StoreArguments.requireKey(key);
        return stateOf(key);
    }

    @Override
    public synchronized void reset(AggregateKey key, long last) {
        calls.add("reset " + key + " " + last);
        StoreArguments.requireKey(key);
        StoreArguments.requireLast(last);
        Entry e = entry(key);
        e.last = last;
        e.claim = null;
    }

    @Override
    public synchronized boolean delete(AggregateKey key) {
        calls.add("delete " + key);
        StoreArguments.requireKey(key);
        Entry removed = entries.remove(key);
        if (removed != null) {
            fenceFloor = Math.max(fenceFloor, removed.fencing);
        }
        return removed != null;
    }

    @Override
    public synchronized RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        calls.add("renew " + key + " " + seq + " " + fencingToken + " " + leaseTtl);
        StoreArguments.requireKey(key);
        StoreArguments.requireSequence(seq);
        StoreArguments.requireFencingToken(fencingToken);
        StoreArguments.requireLeaseTtl(leaseTtl);
        Entry e = entries.get(key);
        if (e == null || e.claim == null || e.claim.fencingToken() != fencingToken || e.claim.sequence() != seq) {
            return RenewResult.CLAIM_LOST;
        }
        e.claim = new ActiveClaim(e.claim.owner(), seq, fencingToken, now.plus(leaseTtl));
        return RenewResult.RENEWED;
    }

    @Override
    public synchronized SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record) {
        calls.add("skip " + key + " " + expectedLast + " " + newLast);
        StoreArguments.requireKey(key);
        StoreArguments.requireSkip(expectedLast, newLast, record);
        long last = lastOf(key);
        Entry existing = entries.get(key);
        if (existing != null && existing.skipped.contains(record)) {
            return SkipResult.skipped(last);
        }
        if (last != expectedLast) {
            return SkipResult.moved(last);
        }
        Entry e = entry(key);
        ActiveClaim current = unexpired(e);
        if (current != null) {
            return SkipResult.busy(last, current);
        }
        if (e.claim != null) {
            e.claim = null;
            e.fencing++;
        }
        e.last = newLast;
        e.skipped.add(record);
        return SkipResult.skipped(newLast);
    }

    @Override
    public synchronized List<SkippedRange> skippedRanges(AggregateKey key) {
        calls.add("skippedRanges " + key);
        StoreArguments.requireKey(key);
        Entry e = entries.get(key);
        return e == null ? List.of() : List.copyOf(e.skipped);
    }

    // ------------------------------------------------------------------------------------------------ test access

    /** Every SPI call so far, e.g. {@code "advance user_account/u-1 3 STRICT"}. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The state of every aggregate the store knows, read without recording a call. */
    public synchronized Map<AggregateKey, AggregateState> snapshot() {
        Map<AggregateKey, AggregateState> result = new LinkedHashMap<>();
        entries.keySet().forEach(k -> result.put(k, stateOf(k)));
        return result;
    }

    /** The state of one aggregate, read without recording a call. */
    public synchronized AggregateState state(AggregateKey key) {
        return stateOf(key);
    }

    /** Sets the last committed sequence directly, without recording a call. */
    public synchronized FakeSequenceStore seed(AggregateKey key, long last) {
        entry(key).last = last;
        return this;
    }

    public synchronized void advanceClock(Duration duration) {
        now = now.plus(duration);
    }

    public synchronized Instant now() {
        return now;
    }

    // ------------------------------------------------------------------------------------------------ internals

    private long lastOf(AggregateKey key) {
        Entry e = entries.get(key);
        return e == null ? 0 : e.last;
    }

    private Entry entry(AggregateKey key) {
        return entries.computeIfAbsent(key, k -> {
            Entry created = new Entry();
            created.fencing = fenceFloor;
            return created;
        });
    }

    private ActiveClaim unexpired(Entry e) {
        return e.claim != null && e.claim.expiresAt().isAfter(now) ? e.claim : null;
    }

    private AggregateState stateOf(AggregateKey key) {
        Entry e = entries.get(key);
        if (e == null) {
            return AggregateState.UNKNOWN;
        }
        return new AggregateState(e.last, e.fencing, Optional.ofNullable(unexpired(e)));
    }
}
