package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceRules;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The SPI a store adapter implements: per aggregate, the last committed sequence and at most one claim.
 *
 * <h2>Sequences</h2>
 * A store sees sequences {@code >= 1}; {@code 0} as "last committed" means nothing was committed. (The tracker maps
 * domains whose first sequence is 0 onto this range.) Verdicts follow {@link SequenceRules#classify} exactly.
 *
 * <h2>Two protocols</h2>
 * <ul>
 *   <li>{@link #advance}: check-and-advance in one atomic step, for callers whose side effects need no protection.</li>
 *   <li>{@link #claim} → handle → {@link #commit} (or {@link #release}): the handler runs while the caller holds a
 *       lease; the sequence is committed only after the handler succeeded, so a crash between claim and commit never
 *       loses the event. {@code advance} does not look at claims: drive one aggregate with one protocol.</li>
 * </ul>
 *
 * <h2>Guarantees every adapter gives (the TCK checks them)</h2>
 * <ul>
 *   <li><b>Atomicity</b>: each call is one atomic step against the stored state — no read-then-write window — so
 *       concurrent callers on one aggregate are serialized and at most one of them gets {@code IN_ORDER} or
 *       {@code CLAIMED} for a sequence. Calls on different aggregates do not block each other.</li>
 *   <li><b>At most one unexpired claim</b> per aggregate. Lease expiry uses the <em>store's</em> clock.</li>
 *   <li><b>Fencing tokens strictly increase</b> per aggregate for the life of the store: across claims, renewals,
 *       releases, expiries, commits, skips, {@link #reset}, {@link #delete} and retention. A token issued after an
 *       aggregate was deleted or forgotten is higher than every token issued for it before, so a worker that claimed
 *       before a delete can never commit, renew or release after it. {@link #release}, {@link #reset} and
 *       {@link #delete} invalidate every token issued before them, so a stale token is never mistaken for a landed
 *       commit.</li>
 *   <li><b>Renewal never re-claims</b>: {@link #renew} extends the lease of exactly the claim that token names, or
 *       answers {@code CLAIM_LOST}; it can never give a fenced worker its claim back.</li>
 *   <li><b>Calls on one aggregate are applied in the order they were issued</b>, also for async calls in flight at
 *       once and under any loss of the backend's state that the adapter repairs (a lost script cache).</li>
 *   <li><b>Fail closed</b>: when the backend cannot answer (refused, timed out) or holds a value it cannot interpret,
 *       the call throws {@link SequenceStoreException} naming the aggregate. It never guesses a verdict and never
 *       treats an unreachable backend as "nothing committed". The outcome is then unknown: the call may or may not
 *       have taken effect; every call is safe to retry.</li>
 *   <li><b>Injective keys</b>: distinct {@link AggregateKey}s never share state, whatever characters they contain.</li>
 * </ul>
 *
 * <p>Invalid arguments throw {@link IllegalArgumentException} or {@link NullPointerException} naming the parameter
 * (see {@link StoreArguments}) before the backend is touched.
 *
 * <h2>Async and batch forms</h2>
 * The async defaults run the blocking form on the calling thread and return a completed stage (failed with the
 * same exception the blocking form throws). The batch defaults loop over the singles. Adapters with a network
 * backend override them to pipeline: a batch must cost O(1) round trips, not N. Batch elements are independent (not
 * a transaction) and are applied in list order, so a batch returns exactly what the singles would have returned
 * one after another. A batch that fails throws {@link SequenceStoreException} whose
 * {@link SequenceStoreException#batchResults() batchResults()} say per element what is known: its answer, or unknown
 * (it may have taken effect; retry it like any unknown outcome). Never read a failed batch as "nothing happened".
 */
public interface SequenceStore extends AutoCloseable {

    /**
     * Atomic check-and-advance. Classifies {@code seq} against the last committed sequence by {@code mode} and, if
     * {@code IN_ORDER}, stores {@code seq} as the new last in the same atomic step.
     *
     * <p>Concurrent calls for one aggregate and one sequence: exactly one gets {@code IN_ORDER}, the others
     * {@code DUPLICATE}. Unknown outcome (a {@link SequenceStoreException}): retrying answers {@code DUPLICATE} if the
     * first attempt landed — callers that must tell "mine" from "someone else's" use claim/commit instead.
     *
     * @param key  the aggregate
     * @param seq  the event's sequence, {@code >= 1}
     * @param mode {@link TrackingMode#STRICT} or {@link TrackingMode#MONOTONIC}
     * @return the verdict and the last committed sequence after the call
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    AdvanceResult advance(AggregateKey key, long seq, TrackingMode mode);

    /**
     * Claims {@code seq} for {@code owner} for {@code leaseTtl}, if it is the admissible next sequence.
     *
     * <p>In order of precedence: {@code seq <= last} → {@code DUPLICATE}; strict mode and {@code seq > last + 1} →
     * {@code GAP}; an unexpired claim by <em>another</em> owner → {@code BUSY} (with that claim); otherwise
     * {@code CLAIMED} with a fencing token higher than any issued before for this aggregate, replacing any expired
     * claim and any claim of the same owner (a re-claim after an unknown outcome, which fences the earlier attempt).
     *
     * <p>Concurrent claims on one aggregate: at most one caller gets {@code CLAIMED} while its lease is valid. Unknown
     * outcome: the same owner may simply claim again.
     *
     * @param key      the aggregate
     * @param seq      the event's sequence, {@code >= 1}
     * @param mode     {@link TrackingMode#STRICT} or {@link TrackingMode#MONOTONIC}
     * @param owner    the worker's id, non-blank
     * @param leaseTtl how long the claim is protected, by the store's clock, {@code >= 1 ms}
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    ClaimResult claim(AggregateKey key, long seq, TrackingMode mode, String owner, Duration leaseTtl);

    /**
     * Commits a claimed sequence after the handler succeeded.
     *
     * <p>{@code COMMITTED} if the current claim has this fencing token and sequence — even if its lease ran out, as
     * long as no newer claim was issued, since then nobody else can have handled the event. The store advances to
     * {@code seq} and drops the claim. {@code ALREADY_COMMITTED} if {@code seq} is committed and the token is still
     * the newest issued for the aggregate, or the only newer one is the claim of a later sequence (a retry of a commit that
     * landed — also when its {@link #commitAndClaimAll} or another worker claimed the next sequence right after it).
     * {@code CLAIM_LOST} otherwise (released, or fenced by a newer claim); nothing changes.
     *
     * <p>Unknown outcome: retry with the same arguments; the answer is {@code COMMITTED} or {@code ALREADY_COMMITTED}
     * unless a newer claim was issued meanwhile.
     *
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    CommitResult commit(AggregateKey key, long seq, long fencingToken);

    /**
     * Gives a claim back after the handler failed, so the event can be handled again (by anyone) without waiting for
     * the lease to expire. The last committed sequence does not change; the released token is invalidated (a later
     * commit with it answers {@code CLAIM_LOST}).
     *
     * @return {@code RELEASED}, or {@code NOT_HELD} if the current claim is not {@code (seq, fencingToken)}
     * @throws SequenceStoreException if the store cannot answer (then the lease expires in time anyway)
     */
    ReleaseResult release(AggregateKey key, long seq, long fencingToken);

    /**
     * Extends the lease of a claim that is still current: {@code RENEWED} if the current claim is
     * {@code (seq, fencingToken)} — even if its lease ran out, as long as no newer claim was issued, exactly as
     * {@link #commit} accepts it — and its lease now ends {@code leaseTtl} after the store's now. {@code CLAIM_LOST}
     * otherwise, and nothing changes. Renewal keeps the token: downstream fences keep accepting the holder's writes.
     *
     * <p>Unknown outcome: renew again; the answer is {@code RENEWED} unless the claim was lost meanwhile.
     *
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    RenewResult renew(AggregateKey key, long seq, long fencingToken, Duration leaseTtl);

    /**
     * Skips over sequences that will never arrive, and records that it did, in <em>one atomic step</em>: if the last
     * committed sequence is {@code expectedLast} and no unexpired claim is held, the store moves it to
     * {@code newLast}, drops an expired claim (invalidating its token, so its holder's commit answers
     * {@code CLAIM_LOST}) and appends {@code record} to the aggregate's skipped ranges. Otherwise nothing changes:
     * {@code MOVED} if the last committed sequence is not {@code expectedLast}, {@code BUSY} if a claim is held — a
     * skip can never overlap a running handler of a sequence it skips.
     *
     * <p>Idempotent: retrying after an unknown outcome answers {@code SKIPPED} (with the last committed sequence as it
     * is now) if this very skip (same range, an equal record) already happened — also when later sequences were
     * committed since — and the record is kept once. A store with replicas answers such a retry only as durably as
     * the skip itself (the Redis store writes the aggregate's value again, so its {@code WAIT} covers the skip). The record is audit data in the caller's numbering (the
     * tracker's domain sequences); the store keeps it as given.
     *
     * @param expectedLast the last committed sequence the skip starts from, {@code >= 0}
     * @param newLast      the sequence to move to, {@code > expectedLast}
     * @param record       what is skipped and why; kept with the aggregate, see {@link #skippedRanges}
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    SkipResult skip(AggregateKey key, long expectedLast, long newLast, SkippedRange record);

    /**
     * The records of the aggregate's skips, oldest first; empty if none. Records survive {@link #reset} (they are the
     * audit trail of decisions, not state); {@link #delete} forgets them with the aggregate.
     *
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    List<SkippedRange> skippedRanges(AggregateKey key);

    /**
     * Reads an aggregate's state: last committed sequence, the fencing token high-water, and the current claim if it
     * has not expired by the store's clock. An unknown aggregate reads as {@link AggregateState#UNKNOWN}.
     *
     * @throws SequenceStoreException if the store cannot answer or holds a corrupted value
     */
    AggregateState read(AggregateKey key);

    /**
     * Operator repair: sets the last committed sequence to {@code last} (which may be lower or higher than now) and
     * drops any claim. Every token issued before is invalidated, and later tokens keep increasing.
     *
     * <p>An unexpired claim is revoked first and waited out (invariant 10): its holder may answer duplicates from its
     * own view of the aggregate until its lease ends, so the store at once fences the claim off (the holder's commits,
     * renewals and releases fail) and holds the aggregate for the operator (other workers meet {@code BUSY}), waits
     * until the revoked claim has expired by the store's clock — up to a lease — and only then changes it. A store
     * whose aggregate is claimed again each time gives up after a few rounds with a {@link SequenceStoreException},
     * its last committed unchanged. Without a live claim it acts at once.
     *
     * @param last the new last committed sequence, {@code >= 0} ({@code 0}: nothing committed)
     * @throws SequenceStoreException if the store cannot answer
     */
    void reset(AggregateKey key, long last);

    /**
     * Operator action: forgets the aggregate (last committed and claim). The next event for it is classified as for a
     * new aggregate, so forgetting is a decision, never a side effect. Fencing is not forgotten: every token issued
     * before is invalid afterwards, and tokens issued later are higher than all of them. A live claim is revoked and
     * waited out first, as for {@link #reset}.
     *
     * @return whether the store knew the aggregate
     * @throws SequenceStoreException if the store cannot answer
     */
    boolean delete(AggregateKey key);

    /** Async form of {@link #advance}. */
    default CompletionStage<AdvanceResult> advanceAsync(AggregateKey key, long seq, TrackingMode mode) {
        return completedOrFailed(() -> advance(key, seq, mode));
    }

    /** Async form of {@link #claim}. */
    default CompletionStage<ClaimResult> claimAsync(AggregateKey key, long seq, TrackingMode mode, String owner,
            Duration leaseTtl) {
        return completedOrFailed(() -> claim(key, seq, mode, owner, leaseTtl));
    }

    /** Async form of {@link #commit}. */
    default CompletionStage<CommitResult> commitAsync(AggregateKey key, long seq, long fencingToken) {
        return completedOrFailed(() -> commit(key, seq, fencingToken));
    }

    /** Async form of {@link #release}. */
    default CompletionStage<ReleaseResult> releaseAsync(AggregateKey key, long seq, long fencingToken) {
        return completedOrFailed(() -> release(key, seq, fencingToken));
    }

    /** Async form of {@link #renew}. */
    default CompletionStage<RenewResult> renewAsync(AggregateKey key, long seq, long fencingToken, Duration leaseTtl) {
        return completedOrFailed(() -> renew(key, seq, fencingToken, leaseTtl));
    }

    /** Async form of {@link #read}. */
    default CompletionStage<AggregateState> readAsync(AggregateKey key) {
        return completedOrFailed(() -> read(key));
    }

    /** Batch form of {@link #advance}: results in request order, equal to calling the singles in order. */
    default List<AdvanceResult> advanceAll(List<AdvanceRequest> requests) {
        List<AdvanceResult> results = new ArrayList<>(requests.size());
        for (AdvanceRequest r : requests) {
            try {
                results.add(advance(r.key(), r.seq(), r.mode()));
            } catch (SequenceStoreException e) {
                throw partlyDone("advanceAll", results, requests.size(), e);
            }
        }
        return results;
    }

    /** Batch form of {@link #claim}: results in request order, equal to calling the singles in order. */
    default List<ClaimResult> claimAll(List<ClaimRequest> requests) {
        List<ClaimResult> results = new ArrayList<>(requests.size());
        for (ClaimRequest r : requests) {
            try {
                results.add(claim(r.key(), r.seq(), r.mode(), r.owner(), r.leaseTtl()));
            } catch (SequenceStoreException e) {
                throw partlyDone("claimAll", results, requests.size(), e);
            }
        }
        return results;
    }

    /**
     * {@link #claimAll}, then which of the claimed aggregates have parked and pending events in {@code buffer}
     * ({@link EventBuffer#presence}), read <em>after</em> the claims: a park made before a claim was granted is seen.
     * This is what a processor's lane asks before it runs handlers. Presence is reported at least for every aggregate
     * answered {@link ClaimStatus#CLAIMED} or {@link ClaimStatus#GAP}; callers ignore it for the others.
     *
     * <p>The default makes the two calls in that order. A store that keeps {@code buffer}'s data itself (the same
     * deployment and key space) overrides it to read the presence in the claims' own atomic step — one round trip
     * instead of two — and falls back to the default for any other buffer.
     *
     * <p>Failures: a failure of the claims is {@link #claimAll}'s. If the presence read fails after the claims
     * answered, the granted claims are released (best effort; otherwise their leases run out) and
     * {@link SequenceStoreException} is thrown with no element known: none of them may be handled.
     */
    default ClaimsAndPresence claimAllAndProbe(List<ClaimRequest> requests, EventBuffer buffer) {
        java.util.Objects.requireNonNull(buffer, "buffer");
        List<ClaimResult> claims = claimAll(requests);
        List<AggregateKey> asked = new ArrayList<>(claims.size()); // presence reads a collection: no set to build
        for (int i = 0; i < claims.size(); i++) {
            ClaimStatus status = claims.get(i).status();
            if (status == ClaimStatus.CLAIMED || status == ClaimStatus.GAP) {
                asked.add(requests.get(i).key());
            }
        }
        try {
            return new ClaimsAndPresence(claims, asked.isEmpty() ? BufferPresence.NONE : buffer.presence(asked));
        } catch (RuntimeException e) { // whatever the buffer failed with: the claims must not outlive the call
            for (int i = 0; i < claims.size(); i++) {
                if (claims.get(i).status() == ClaimStatus.CLAIMED) {
                    ClaimRequest r = requests.get(i);
                    try {
                        release(r.key(), r.seq(), claims.get(i).fencingToken());
                    } catch (RuntimeException ignored) {
                        // its lease runs out
                    }
                }
            }
            throw SequenceStoreException.partialBatch("buffer presence after claimAll",
                    java.util.Collections.nCopies(requests.size(), null), e);
        }
    }

    /** Batch form of {@link #commit}: results in request order, equal to calling the singles in order. */
    default List<CommitResult> commitAll(List<CommitRequest> requests) {
        List<CommitResult> results = new ArrayList<>(requests.size());
        for (CommitRequest r : requests) {
            try {
                results.add(commit(r.key(), r.seq(), r.fencingToken()));
            } catch (SequenceStoreException e) {
                throw partlyDone("commitAll", results, requests.size(), e);
            }
        }
        return results;
    }

    /**
     * Sticky ownership: commits each element's sequence and, where asked and the commit answers {@code COMMITTED},
     * claims the next sequence for the same owner in the same atomic step, with the next fencing token like any claim
     * — one store operation per handled event while a worker has its aggregate's next event at hand. A retry of the
     * commit after an unknown outcome still answers {@code ALREADY_COMMITTED} (see {@link #commit}).
     * Results in request order; a result's {@code next} is empty where no next claim was made.
     *
     * <p>The default only commits (each element as {@link #commit}) and makes no next claims — always correct, the
     * caller claims the next event itself; adapters that can do both in one atomic step override it. A failure
     * part-way throws {@link SequenceStoreException} with {@code batchResults()} per element as for the other batches.
     */
    default List<CommitAndClaimResult> commitAndClaimAll(List<CommitAndClaimRequest> requests) {
        List<CommitAndClaimResult> results = new ArrayList<>(requests.size());
        for (CommitAndClaimRequest r : requests) {
            try {
                CommitResult committed = commit(r.commit().key(), r.commit().seq(), r.commit().fencingToken());
                results.add(new CommitAndClaimResult(committed, java.util.Optional.empty()));
            } catch (SequenceStoreException e) {
                throw partlyDone("commitAndClaimAll", results, requests.size(), e);
            }
        }
        return results;
    }

    /** Batch form of {@link #renew}: results in request order, equal to calling the singles in order. */
    default List<RenewResult> renewAll(List<RenewRequest> requests) {
        List<RenewResult> results = new ArrayList<>(requests.size());
        for (RenewRequest r : requests) {
            try {
                results.add(renew(r.key(), r.seq(), r.fencingToken(), r.leaseTtl()));
            } catch (SequenceStoreException e) {
                throw partlyDone("renewAll", results, requests.size(), e);
            }
        }
        return results;
    }

    /** Async batch form of {@link #advanceAll}. */
    default CompletionStage<List<AdvanceResult>> advanceAllAsync(List<AdvanceRequest> requests) {
        return completedOrFailed(() -> advanceAll(requests));
    }

    /**
     * Wake-up signals: {@code listener} is told about aggregates whose next sequence was just committed (or advanced
     * over) by any worker on this store, so a processor holding their successors can drain them at once instead of on
     * its next timer tick. <b>Best effort</b>: a notification can be late, duplicated or lost (a disconnect), so callers
     * keep a timer as the fallback, and a notification never replaces reading the store. Called on a store thread:
     * hand the work off and return quickly. Adapters may notify only for aggregates that have buffered events.
     *
     * <p>The default sends nothing and returns {@link CommitSubscription#NONE}.
     */
    default CommitSubscription subscribeCommits(java.util.function.Consumer<AggregateKey> listener) {
        return CommitSubscription.NONE;
    }

    /** Releases what the store owns (connections, threads). The default owns nothing. */
    @Override
    default void close() {
    }

    /** A loop that failed at element {@code done.size()}: what came before is known, the rest is not. */
    private static SequenceStoreException partlyDone(String what, List<?> done, int size, SequenceStoreException e) {
        List<Object> known = new ArrayList<>(done);
        while (known.size() < size) {
            known.add(null);
        }
        return SequenceStoreException.partialBatch(what + " of " + size, known, e);
    }

    private static <T> CompletionStage<T> completedOrFailed(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
