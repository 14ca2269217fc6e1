package io.seqtrack.core.port.in;

import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.registry.DomainRegistry;

/**
 * The use case: classify and track events per aggregate. Resolves the event's domain in the registry, reads its
 * sequence from the field the domain names, applies the domain's mode and calls the store.
 *
 * <p>Every method fails before touching the store when the event is bad — {@link InvalidEventException} for a
 * missing, blank or oversized domain or id and for a missing, negative, below-first or overflowing sequence (never
 * defaulted); {@link UnknownDomainException} for an unregistered domain — and fails closed with
 * {@link SequenceStoreException} when the store cannot answer. Implementations are thread-safe.
 */
public interface SequenceTracker {

    /**
     * Check-and-advance in one step (no handler protection): for {@code IN_ORDER} the store has already advanced.
     * Use {@link #claim} → handle → {@link #commit} when a handler must run before the sequence counts.
     */
    TrackingDecision advance(TrackedEvent event);

    /**
     * Claims the event for {@code owner} with the domain's lease TTL. On {@code CLAIMED}, run the handler, then
     * {@link #commit}; on handler failure, {@link #release}.
     */
    ClaimDecision claim(TrackedEvent event, String owner);

    /**
     * Commits a {@code CLAIMED} decision.
     *
     * @throws IllegalArgumentException if the decision is not {@code CLAIMED}
     */
    CommitResult commit(ClaimDecision claim);

    /**
     * Releases a {@code CLAIMED} decision after a handler failure.
     *
     * @throws IllegalArgumentException if the decision is not {@code CLAIMED}
     */
    ReleaseResult release(ClaimDecision claim);

    /**
     * {@link #claim} for several events in one store round trip where the store pipelines
     * ({@link io.seqtrack.core.port.out.SequenceStore#claimAll}): answers in request order, equal to the singles called
     * in order. Every event is validated first; a bad one fails the whole call before the store is touched. A store
     * failure part-way throws {@link SequenceStoreException} whose {@code batchResults()} hold, per event, its
     * {@link ClaimDecision} where known.
     */
    java.util.List<ClaimDecision> claimAll(java.util.List<TrackedEvent> events, String owner);

    /**
     * {@link #claimAll}, then the parked and pending facts of the claimed aggregates in {@code buffer}, read after the
     * claims ({@link io.seqtrack.core.port.out.SequenceStore#claimAllAndProbe}): in one round trip where the store holds
     * the buffer's data itself. Failures as for {@link #claimAll}; if the presence read fails after the claims, the
     * granted claims are released and no decision is known.
     */
    ProbedClaims claimAllAndProbe(java.util.List<TrackedEvent> events, String owner,
            io.seqtrack.core.port.out.EventBuffer buffer);

    /** {@link #commit} for several {@code CLAIMED} decisions in one store round trip; answers in request order. */
    java.util.List<CommitResult> commitAll(java.util.List<ClaimDecision> claims);

    /**
     * Sticky ownership: {@link #commitAll}, and for each claim whose {@code nexts} element is an event (not null), the
     * claim of that event in the same store operation once the commit landed
     * ({@link io.seqtrack.core.port.out.SequenceStore#commitAndClaimAll}). The next event must be of the same aggregate
     * and carry the sequence right after the claim's. Answers in request order; an element's next decision is null
     * when none was asked for or the commit did not answer {@code COMMITTED}.
     *
     * @throws IllegalArgumentException if a decision is not {@code CLAIMED}, the lists differ in size, or a next event
     *                                  is of another aggregate or not the next sequence
     */
    java.util.List<CommitThenClaim> commitAndClaimAll(java.util.List<ClaimDecision> claims,
            java.util.List<? extends TrackedEvent> nexts, String owner);

    /** {@link #renew} for several {@code CLAIMED} decisions in one store call; answers in request order. */
    java.util.List<io.seqtrack.core.port.out.RenewResult> renewAll(java.util.List<ClaimDecision> claims);

    /**
     * Extends the lease of a {@code CLAIMED} decision by the domain's lease TTL while it is still the current claim;
     * {@code CLAIM_LOST} (and nothing changes) once it is not. Never re-claims. For a disabled domain {@code RENEWED}.
     *
     * @throws IllegalArgumentException if the decision is not {@code CLAIMED}
     */
    io.seqtrack.core.port.out.RenewResult renew(ClaimDecision claim);

    /**
     * The aggregate's last committed sequence in its domain's numbering: {@code firstSequence - 1} when nothing is
     * committed. For a disabled domain always {@code 0}, without store access.
     *
     * @throws io.seqtrack.core.domain.UnknownDomainException if the key's domain is not registered
     */
    long lastCommitted(io.seqtrack.core.domain.AggregateKey key);

    /**
     * Skips {@code range} (domain numbering) and records it, in one atomic store step (see
     * {@link io.seqtrack.core.port.out.SequenceStore#skip}): only if the last committed sequence is
     * {@code range.fromSequence() - 1} and no unexpired claim is held. The gap policy SKIP and the operator's "skip"
     * use it to advance over sequences that will never arrive. The answer's sequences are in domain numbering.
     *
     * @throws IllegalArgumentException if the domain is disabled (nothing to skip) or the range starts below the
     *                                  domain's first sequence
     */
    io.seqtrack.core.port.out.SkipResult skip(io.seqtrack.core.domain.AggregateKey key,
            io.seqtrack.core.port.out.SkippedRange range);

    /**
     * Whether a skip of exactly {@code range} was applied — for a skip whose answer was lost. Asked through the store's
     * write path ({@link io.seqtrack.core.port.out.SequenceStore#skip} with an expected last sequence no aggregate
     * has), so a store with replicas confirms it as durably as the skip itself, and it can never apply one: the store
     * recognises its record ({@code SKIPPED}) or answers that the aggregate is elsewhere. {@code false} for a disabled
     * domain.
     */
    boolean skipHappened(io.seqtrack.core.domain.AggregateKey key, io.seqtrack.core.port.out.SkippedRange range);

    /**
     * The aggregate's unexpired claim by any worker, its sequence in domain numbering; empty if none (or the domain is
     * disabled). A read: it may be out of date the moment it answers.
     */
    java.util.Optional<io.seqtrack.core.port.out.ActiveClaim> activeClaim(io.seqtrack.core.domain.AggregateKey key);

    /** The aggregate's skip records, oldest first (empty for a disabled domain). */
    java.util.List<io.seqtrack.core.port.out.SkippedRange> skippedRanges(io.seqtrack.core.domain.AggregateKey key);

    /**
     * Operator repair: sets the last committed sequence (domain numbering; {@code firstSequence - 1} = nothing
     * committed) and drops any claim.
     */
    void reset(io.seqtrack.core.domain.AggregateKey key, long last);

    /** The registry this tracker resolves domains in. */
    DomainRegistry registry();
}
