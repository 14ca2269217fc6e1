package io.seqtrack.core.service;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.in.TrackingDecision;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AdvanceResult;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.StoreArguments;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.SequenceSource;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The {@link SequenceTracker} over a {@link DomainRegistry} and a {@link SequenceStore}.
 *
 * <p>Stores count from 1 with {@code 0} meaning "nothing committed". A domain whose first sequence is 0 is shifted
 * by one on the way in and out, so decisions always speak the domain's own numbering and a store never needs to know
 * the domain's first sequence.
 */
public final class SequenceTrackerService implements SequenceTracker {

    private final DomainRegistry registry;
    private final SequenceStore store;

    public SequenceTrackerService(DomainRegistry registry, SequenceStore store) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public TrackingDecision advance(TrackedEvent event) {
        Resolved r = resolve(event);
        if (!r.mode().usesStore()) {
            return new TrackingDecision(r.key(), r.mode(), Verdict.IN_ORDER, r.sequence(), 0);
        }
        AdvanceResult result = callStore("advance", r.key(), () -> store.advance(r.key(), r.storeSeq(), r.mode()));
        return new TrackingDecision(r.key(), r.mode(), result.verdict(), r.sequence(),
                r.toDomain(result.lastCommitted()));
    }

    @Override
    public ClaimDecision claim(TrackedEvent event, String owner) {
        // checked here, not by the store: callStore would turn the store's rejection into "outcome unknown, retry"
        StoreArguments.requireOwner(owner);
        Resolved r = resolve(event);
        if (!r.mode().usesStore()) {
            return new ClaimDecision(r.key(), r.mode(), ClaimStatus.CLAIMED, r.sequence(), 0, 0, null);
        }
        ClaimResult result = callStore("claim", r.key(),
                () -> store.claim(r.key(), r.storeSeq(), r.mode(), owner, r.registration().leaseTtl()));
        return decision(r, result);
    }

    @Override
    public CommitResult commit(ClaimDecision claim) {
        requireClaimed(claim, "commit");
        if (!claim.mode().usesStore()) {
            return CommitResult.COMMITTED;
        }
        long storeSeq = toStore(registry.lookup(claim.key().domain()), claim.sequence());
        return callStore("commit", claim.key(), () -> store.commit(claim.key(), storeSeq, claim.fencingToken()));
    }

    @Override
    public ReleaseResult release(ClaimDecision claim) {
        requireClaimed(claim, "release");
        if (!claim.mode().usesStore()) {
            return ReleaseResult.RELEASED;
        }
        long storeSeq = toStore(registry.lookup(claim.key().domain()), claim.sequence());
        return callStore("release", claim.key(), () -> store.release(claim.key(), storeSeq, claim.fencingToken()));
    }

    @Override
    public List<ClaimDecision> claimAll(List<TrackedEvent> events, String owner) {
        return claimAll(events, owner, null).decisions();
    }

    @Override
    public io.seqtrack.core.port.in.ProbedClaims claimAllAndProbe(List<TrackedEvent> events, String owner,
            io.seqtrack.core.port.out.EventBuffer buffer) {
        return claimAll(events, owner, Objects.requireNonNull(buffer, "buffer"));
    }

    /** Claims, and with a buffer also reads its presence after the claims (one store call either way). */
    private io.seqtrack.core.port.in.ProbedClaims claimAll(List<TrackedEvent> events, String owner,
            io.seqtrack.core.port.out.EventBuffer buffer) {
        Objects.requireNonNull(events, "events");
        StoreArguments.requireOwner(owner);
        List<Resolved> resolved = new java.util.ArrayList<>(events.size());
        for (TrackedEvent event : events) {
            resolved.add(resolve(event)); // all validated before the store is touched
        }
        List<io.seqtrack.core.port.out.ClaimRequest> requests = new java.util.ArrayList<>();
        for (Resolved r : resolved) {
            if (r.mode().usesStore()) {
                requests.add(new io.seqtrack.core.port.out.ClaimRequest(r.key(), r.storeSeq(), r.mode(), owner,
                        r.registration().leaseTtl()));
            }
        }
        List<ClaimResult> results;
        io.seqtrack.core.port.out.BufferPresence presence = io.seqtrack.core.port.out.BufferPresence.NONE;
        try {
            if (requests.isEmpty()) {
                results = List.of();
            } else if (buffer == null) {
                results = callStore("claimAll", null, () -> store.claimAll(requests));
            } else {
                io.seqtrack.core.port.out.ClaimsAndPresence answer =
                        callStore("claimAllAndProbe", null, () -> store.claimAllAndProbe(requests, buffer));
                results = answer.claims();
                presence = answer.presence();
            }
        } catch (SequenceStoreException e) {
            throw inDomainTerms(e, resolved);
        }
        requireSize("claimAll", results, requests.size());
        List<ClaimDecision> decisions = new java.util.ArrayList<>(resolved.size());
        int next = 0;
        for (Resolved r : resolved) {
            decisions.add(r.mode().usesStore() ? decision(r, results.get(next++))
                    : new ClaimDecision(r.key(), r.mode(), ClaimStatus.CLAIMED, r.sequence(), 0, 0, null));
        }
        return new io.seqtrack.core.port.in.ProbedClaims(decisions, presence);
    }

    @Override
    public List<CommitResult> commitAll(List<ClaimDecision> claims) {
        return claimBatch("commit", claims, (claim, registration) -> new io.seqtrack.core.port.out.CommitRequest(
                claim.key(), toStore(registration, claim.sequence()), claim.fencingToken()),
                store::commitAll, CommitResult.COMMITTED);
    }

    @Override
    public List<io.seqtrack.core.port.in.CommitThenClaim> commitAndClaimAll(List<ClaimDecision> claims,
            List<? extends TrackedEvent> nexts, String owner) {
        Objects.requireNonNull(claims, "claims");
        Objects.requireNonNull(nexts, "nexts");
        if (claims.size() != nexts.size()) {
            throw new IllegalArgumentException("commitAndClaimAll needs one next (or null) per claim: " + claims.size()
                    + " claims, " + nexts.size() + " nexts");
        }
        List<Resolved> next = new java.util.ArrayList<>(claims.size());
        List<io.seqtrack.core.port.out.CommitAndClaimRequest> requests = new java.util.ArrayList<>();
        for (int i = 0; i < claims.size(); i++) {
            ClaimDecision claim = claims.get(i);
            requireClaimed(claim, "commit");
            Resolved r = nexts.get(i) == null ? null : resolve(nexts.get(i));
            if (r != null && (!r.key().equals(claim.key()) || r.sequence() != claim.sequence() + 1)) {
                throw new IllegalArgumentException("the next event of " + claim.key() + " #" + claim.sequence()
                        + " must be " + claim.key() + " #" + (claim.sequence() + 1) + ", was " + r.key() + " #"
                        + r.sequence());
            }
            next.add(r);
            if (claim.mode().usesStore()) {
                DomainRegistration registration = registry.lookup(claim.key().domain());
                io.seqtrack.core.port.out.CommitRequest commit = new io.seqtrack.core.port.out.CommitRequest(
                        claim.key(), toStore(registration, claim.sequence()), claim.fencingToken());
                requests.add(r == null ? io.seqtrack.core.port.out.CommitAndClaimRequest.commitOnly(commit)
                        : new io.seqtrack.core.port.out.CommitAndClaimRequest(commit, r.mode(), owner,
                                registration.leaseTtl()));
            }
        }
        if (next.stream().anyMatch(Objects::nonNull)) {
            StoreArguments.requireOwner(owner);
        }
        List<io.seqtrack.core.port.out.CommitAndClaimResult> results = requests.isEmpty() ? List.of()
                : callStore("commitAndClaimAll", null, () -> store.commitAndClaimAll(requests));
        requireSize("commitAndClaimAll", results, requests.size());
        List<io.seqtrack.core.port.in.CommitThenClaim> answers = new java.util.ArrayList<>(claims.size());
        int tracked = 0;
        for (int i = 0; i < claims.size(); i++) {
            Resolved r = next.get(i);
            if (!claims.get(i).mode().usesStore()) {
                answers.add(new io.seqtrack.core.port.in.CommitThenClaim(CommitResult.COMMITTED, r == null ? null
                        : new ClaimDecision(r.key(), r.mode(), ClaimStatus.CLAIMED, r.sequence(), 0, 0, null)));
                continue;
            }
            io.seqtrack.core.port.out.CommitAndClaimResult result = results.get(tracked++);
            answers.add(new io.seqtrack.core.port.in.CommitThenClaim(result.commit(),
                    r == null ? null : result.next().map(c -> decision(r, c)).orElse(null)));
        }
        return answers;
    }

    @Override
    public List<RenewResult> renewAll(List<ClaimDecision> claims) {
        return claimBatch("renew", claims, (claim, registration) -> new io.seqtrack.core.port.out.RenewRequest(
                claim.key(), toStore(registration, claim.sequence()), claim.fencingToken(), registration.leaseTtl()),
                store::renewAll, RenewResult.RENEWED);
    }

    /**
     * One store batch call for the tracked ones of {@code claims} (each must be {@code CLAIMED}); the answers in request
     * order, with {@code untracked} for the claims of disabled domains, which touch no store.
     */
    private <Q, R> List<R> claimBatch(String operation, List<ClaimDecision> claims,
            java.util.function.BiFunction<ClaimDecision, DomainRegistration, Q> request,
            java.util.function.Function<List<Q>, List<R>> call, R untracked) {
        Objects.requireNonNull(claims, "claims");
        List<Q> requests = new java.util.ArrayList<>();
        for (ClaimDecision claim : claims) {
            requireClaimed(claim, operation);
            if (claim.mode().usesStore()) {
                requests.add(request.apply(claim, registry.lookup(claim.key().domain())));
            }
        }
        List<R> results = requests.isEmpty() ? List.of() : callStore(operation + "All", null, () -> call.apply(requests));
        requireSize(operation + "All", results, requests.size());
        return merge(claims, results, untracked);
    }

    /** Results for the tracked claims, in order, with {@code untracked} for the claims of disabled domains. */
    private static <T> List<T> merge(List<ClaimDecision> claims, List<T> tracked, T untracked) {
        List<T> all = new java.util.ArrayList<>(claims.size());
        int next = 0;
        for (ClaimDecision claim : claims) {
            all.add(claim.mode().usesStore() ? tracked.get(next++) : untracked);
        }
        return all;
    }

    private static void requireSize(String operation, List<?> results, int expected) {
        if (results.size() != expected) {
            throw SequenceStoreException.of(operation, new IllegalStateException("the store answered "
                    + results.size() + " of " + expected + " requests"));
        }
    }

    /** A failed claim batch, its known answers translated into decisions (disabled domains are always known). */
    private static SequenceStoreException inDomainTerms(SequenceStoreException e, List<Resolved> resolved) {
        List<java.util.Optional<Object>> known = e.batchResults();
        List<Object> decisions = new java.util.ArrayList<>(resolved.size());
        int next = 0;
        for (Resolved r : resolved) {
            if (!r.mode().usesStore()) {
                decisions.add(new ClaimDecision(r.key(), r.mode(), ClaimStatus.CLAIMED, r.sequence(), 0, 0, null));
                continue;
            }
            Object answer = next < known.size() ? known.get(next).orElse(null) : null;
            next++;
            decisions.add(answer instanceof ClaimResult result ? decision(r, result) : null);
        }
        return SequenceStoreException.partialBatch("claimAll of " + resolved.size(), decisions, e);
    }

    private static ClaimDecision decision(Resolved r, ClaimResult result) {
        ActiveClaim holder = result.busyHolder()
                .map(h -> new ActiveClaim(h.owner(), r.toDomain(h.sequence()), h.fencingToken(), h.expiresAt()))
                .orElse(null);
        return new ClaimDecision(r.key(), r.mode(), result.status(), r.sequence(),
                r.toDomain(result.lastCommitted()), result.fencingToken(), holder);
    }

    @Override
    public RenewResult renew(ClaimDecision claim) {
        requireClaimed(claim, "renew");
        if (!claim.mode().usesStore()) {
            return RenewResult.RENEWED;
        }
        DomainRegistration registration = registry.lookup(claim.key().domain());
        long storeSeq = toStore(registration, claim.sequence());
        return callStore("renew", claim.key(),
                () -> store.renew(claim.key(), storeSeq, claim.fencingToken(), registration.leaseTtl()));
    }

    @Override
    public long lastCommitted(AggregateKey key) {
        Objects.requireNonNull(key, "key");
        DomainRegistration registration = registry.lookup(key.domain());
        if (!registration.mode().usesStore()) {
            return 0;
        }
        long last = callStore("read", key, () -> store.read(key)).lastCommitted();
        return last - (1 - registration.firstSequence());
    }

    @Override
    public SkipResult skip(AggregateKey key, SkippedRange range) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(range, "range");
        DomainRegistration registration = registry.lookup(key.domain());
        if (!registration.mode().usesStore()) {
            throw new IllegalArgumentException("domain '" + key.domain() + "' is not tracked; there is nothing to skip");
        }
        if (range.fromSequence() < registration.firstSequence()) {
            throw new IllegalArgumentException("range " + range.fromSequence() + ".." + range.toSequence()
                    + " starts below the first sequence " + registration.firstSequence() + " of domain '"
                    + registration.name() + "'");
        }
        long expectedLast = toStore(registration, range.fromSequence()) - 1;
        long newLast = toStore(registration, range.toSequence());
        SkipResult result = callStore("skip", key, () -> store.skip(key, expectedLast, newLast, range));
        long shift = 1 - registration.firstSequence();
        return new SkipResult(result.status(), result.lastCommitted() - shift, result.claim()
                .map(c -> new ActiveClaim(c.owner(), c.sequence() - shift, c.fencingToken(), c.expiresAt())));
    }

    /** An expected last sequence no aggregate has: the skip that confirms a lost answer can never apply. */
    private static final long CONFIRM_ONLY_LAST = Long.MAX_VALUE - 1;

    @Override
    public boolean skipHappened(AggregateKey key, SkippedRange range) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(range, "range");
        if (!registry.lookup(key.domain()).mode().usesStore()) {
            return false;
        }
        return callStore("skip", key, () -> store.skip(key, CONFIRM_ONLY_LAST, CONFIRM_ONLY_LAST + 1, range)).skipped();
    }

    @Override
    public java.util.Optional<ActiveClaim> activeClaim(AggregateKey key) {
        Objects.requireNonNull(key, "key");
        DomainRegistration registration = registry.lookup(key.domain());
        if (!registration.mode().usesStore()) {
            return java.util.Optional.empty();
        }
        long shift = 1 - registration.firstSequence();
        return callStore("read", key, () -> store.read(key)).claim()
                .map(c -> new ActiveClaim(c.owner(), c.sequence() - shift, c.fencingToken(), c.expiresAt()));
    }

    @Override
    public List<SkippedRange> skippedRanges(AggregateKey key) {
        Objects.requireNonNull(key, "key");
        if (!registry.lookup(key.domain()).mode().usesStore()) {
            return List.of();
        }
        return callStore("skippedRanges", key, () -> store.skippedRanges(key));
    }

    @Override
    public void reset(AggregateKey key, long last) {
        Objects.requireNonNull(key, "key");
        DomainRegistration registration = registry.lookup(key.domain());
        if (!registration.mode().usesStore()) {
            throw new IllegalArgumentException("domain '" + key.domain() + "' is not tracked; there is nothing to reset");
        }
        if (last < registration.firstSequence() - 1) {
            throw InvalidEventException.of("last", "is " + last + "; the lowest value for domain '"
                    + registration.name() + "' is " + (registration.firstSequence() - 1) + " (nothing committed)");
        }
        long storeLast = last + (1 - registration.firstSequence());
        callStore("reset", key, () -> {
            store.reset(key, storeLast);
            return Boolean.TRUE;
        });
    }

    @Override
    public DomainRegistry registry() {
        return registry;
    }

    private Resolved resolve(TrackedEvent event) {
        if (event == null) {
            throw InvalidEventException.of("event", "is missing");
        }
        AggregateKey key = new AggregateKey(event.domain(), event.aggregateId());
        DomainRegistration registration = registry.lookup(key.domain());
        if (!registration.mode().usesStore()) {
            OptionalLong carried = carriedSequence(event, registration.sequenceSource());
            long raw = carried == null || carried.isEmpty() ? 0 : carried.getAsLong();
            return new Resolved(key, registration, raw, 0);
        }
        long sequence = TrackedEvent.sequenceIn(event, registration); // rejected, never defaulted
        return new Resolved(key, registration, sequence, toStore(registration, sequence));
    }

    private static OptionalLong carriedSequence(TrackedEvent event, SequenceSource source) {
        return source.read(event.sequence(), event.aggregateVersion());
    }

    private static long toStore(DomainRegistration registration, long sequence) {
        return sequence + (1 - registration.firstSequence());
    }

    private static void requireClaimed(ClaimDecision claim, String operation) {
        Objects.requireNonNull(claim, "claim");
        if (claim.status() != ClaimStatus.CLAIMED) {
            throw new IllegalArgumentException("can only " + operation + " a CLAIMED decision, got " + claim.status()
                    + " for " + claim.key() + " sequence " + claim.sequence());
        }
    }

    /**
     * Fails closed: anything a store throws that is not already one of ours becomes a {@link SequenceStoreException},
     * so a driver exception can never be mistaken for a verdict.
     */
    private static <T> T callStore(String operation, AggregateKey key, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (SequenceTrackingException e) {
            throw e;
        } catch (RuntimeException e) {
            throw key == null ? SequenceStoreException.of(operation, e) : SequenceStoreException.of(operation, key, e);
        }
        if (result == null) {
            IllegalStateException none = new IllegalStateException("the store returned no answer");
            throw key == null ? SequenceStoreException.of(operation, none) : SequenceStoreException.of(operation, key, none);
        }
        return result;
    }

    /** An event resolved against its registration: key, mode and both numberings of its sequence. */
    private record Resolved(AggregateKey key, DomainRegistration registration, long sequence, long storeSeq) {
        TrackingMode mode() {
            return registration.mode();
        }

        long toDomain(long storeValue) {
            return storeValue - (1 - registration.firstSequence());
        }
    }
}
