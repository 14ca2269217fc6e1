package io.seqtrack.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.FakeSequenceStore;
import io.seqtrack.core.port.out.RenewResult;
import io.seqtrack.core.port.out.SkipResult;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** lastCommitted, skip, renew and reset — the operations the processor's gap policy and admin API are built on. */
class SequenceTrackerAdminTest {

    private final FakeSequenceStore store = new FakeSequenceStore();
    private final SequenceTrackerService tracker = new SequenceTrackerService(DomainRegistry.of(
            DomainRegistration.builder("orders").build(),
            DomainRegistration.builder("zero_based").firstSequence(0).build(),
            DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build()), store);
    private final AggregateKey order = AggregateKey.of("orders", "o-1");
    private final AggregateKey zero = AggregateKey.of("zero_based", "z-1");

    @Test
    void lastCommittedSpeaksTheDomainsNumbering() {
        assertThat(tracker.lastCommitted(order)).isZero();
        assertThat(tracker.lastCommitted(zero)).isEqualTo(-1);
        tracker.advance(TrackedEvent.of("zero_based", "z-1", 0));
        assertThat(tracker.lastCommitted(zero)).isZero();
        assertThat(tracker.lastCommitted(AggregateKey.of("chat", "room"))).isZero();
        assertThat(store.calls()).noneMatch(c -> c.contains("chat"));
    }

    @Test
    void skipIsConditionalOnTheLastAndSpeaksTheDomainsNumbering() {
        tracker.advance(TrackedEvent.of("orders", "o-1", 1));
        SkippedRange gap = new SkippedRange(2, 4, Instant.EPOCH, "gap");
        assertThat(tracker.skip(order, gap)).isEqualTo(SkipResult.skipped(4));
        assertThat(tracker.lastCommitted(order)).isEqualTo(4);
        assertThat(tracker.skippedRanges(order)).containsExactly(gap);
        assertThat(tracker.advance(TrackedEvent.of("orders", "o-1", 5)).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThat(tracker.skip(order, new SkippedRange(3, 3, Instant.EPOCH, "late")))
                .as("never from a last that moved").isEqualTo(SkipResult.moved(5));
        assertThat(tracker.lastCommitted(order)).isEqualTo(5);

        SkippedRange zeroGap = new SkippedRange(0, 2, Instant.EPOCH, "first three never came");
        assertThat(tracker.skip(zero, zeroGap)).isEqualTo(SkipResult.skipped(2));
        assertThat(store.calls()).contains("skip zero_based/z-1 0 3");
        assertThat(tracker.lastCommitted(zero)).isEqualTo(2);
        assertThat(tracker.skippedRanges(zero)).as("the record in the domain's numbering").containsExactly(zeroGap);

        tracker.claim(TrackedEvent.of("orders", "o-1", 6), "w1");
        SkipResult busy = tracker.skip(order, new SkippedRange(6, 7, Instant.EPOCH, "busy"));
        assertThat(busy.status()).isEqualTo(SkipResult.Status.BUSY);
        assertThat(busy.claim()).hasValueSatisfying(c -> assertThat(c.sequence()).isEqualTo(6));

        assertThatThrownBy(() -> tracker.skip(AggregateKey.of("chat", "r"), gap))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chat");
        assertThatThrownBy(() -> tracker.skip(order, new SkippedRange(0, 1, Instant.EPOCH, "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first sequence");
        assertThat(tracker.skippedRanges(AggregateKey.of("chat", "r"))).isEmpty();
    }

    /** Whether a skip whose answer was lost happened: recognised when it did, never applied when it did not. */
    @Test
    void skipHappenedRecognisesAnAppliedSkipAndNeverAppliesOne() {
        tracker.advance(TrackedEvent.of("orders", "o-1", 1));
        SkippedRange applied = new SkippedRange(2, 3, Instant.EPOCH, "gap");
        tracker.skip(order, applied);
        assertThat(tracker.skipHappened(order, applied)).isTrue();
        assertThat(tracker.lastCommitted(order)).isEqualTo(3);

        SkippedRange neverSent = new SkippedRange(4, 6, Instant.EPOCH, "lost before it reached the store");
        assertThat(tracker.skipHappened(order, neverSent)).isFalse();
        assertThat(tracker.lastCommitted(order)).as("asking never skips").isEqualTo(3);
        assertThat(tracker.skippedRanges(order)).containsExactly(applied);
        assertThat(tracker.skipHappened(AggregateKey.of("chat", "r"), applied)).isFalse();
    }

    @Test
    void activeClaimSpeaksTheDomainsNumbering() {
        assertThat(tracker.activeClaim(zero)).isEmpty();
        var claim = tracker.claim(TrackedEvent.of("zero_based", "z-1", 0), "w1");
        assertThat(tracker.activeClaim(zero)).hasValueSatisfying(c -> {
            assertThat(c.sequence()).isZero();
            assertThat(c.owner()).isEqualTo("w1");
            assertThat(c.fencingToken()).isEqualTo(claim.fencingToken());
        });
        tracker.commit(claim);
        assertThat(tracker.activeClaim(zero)).isEmpty();
        assertThat(tracker.activeClaim(AggregateKey.of("chat", "r"))).isEmpty();
    }

    @Test
    void renewExtendsTheClaimWithTheDomainsLease() {
        var claim = tracker.claim(TrackedEvent.of("zero_based", "z-1", 0), "w1");
        assertThat(tracker.renew(claim)).isEqualTo(RenewResult.RENEWED);
        assertThat(store.calls()).anyMatch(c -> c.startsWith("renew zero_based/z-1 1 " + claim.fencingToken()));
        tracker.commit(claim);
        assertThat(tracker.renew(claim)).isEqualTo(RenewResult.CLAIM_LOST);
        var chat = tracker.claim(TrackedEvent.of("chat", "r", 1), "w1");
        assertThat(tracker.renew(chat)).isEqualTo(RenewResult.RENEWED);
    }

    @Test
    void batchClaimCommitAndRenewEqualTheSinglesInDomainNumberingWithOneStoreCallEach() {
        tracker.advance(TrackedEvent.of("orders", "o-1", 1));
        var claims = tracker.claimAll(java.util.List.of(
                TrackedEvent.of("orders", "o-1", 2),
                TrackedEvent.of("zero_based", "z-1", 0),
                TrackedEvent.of("chat", "room", 9),
                TrackedEvent.of("orders", "o-1", 1),
                TrackedEvent.of("orders", "o-2", 3)), "w1");
        assertThat(claims).extracting(c -> c.status()).containsExactly(io.seqtrack.core.port.out.ClaimStatus.CLAIMED,
                io.seqtrack.core.port.out.ClaimStatus.CLAIMED, io.seqtrack.core.port.out.ClaimStatus.CLAIMED,
                io.seqtrack.core.port.out.ClaimStatus.DUPLICATE, io.seqtrack.core.port.out.ClaimStatus.GAP);
        assertThat(claims.get(1).lastCommitted()).as("zero-based: nothing committed is -1").isEqualTo(-1);
        assertThat(claims.get(2).fencingToken()).as("disabled: no store").isZero();
        assertThat(store.calls()).as("the store's batch form, not a loop of singles here")
                .noneMatch(c -> c.contains("chat"));

        var held = java.util.List.of(claims.get(0), claims.get(1), claims.get(2));
        assertThat(tracker.renewAll(held)).containsOnly(RenewResult.RENEWED);
        assertThat(tracker.commitAll(held)).containsExactly(io.seqtrack.core.port.out.CommitResult.COMMITTED,
                io.seqtrack.core.port.out.CommitResult.COMMITTED, io.seqtrack.core.port.out.CommitResult.COMMITTED);
        assertThat(tracker.lastCommitted(order)).isEqualTo(2);
        assertThat(tracker.lastCommitted(zero)).isZero();
        assertThat(tracker.renewAll(held)).containsExactly(RenewResult.CLAIM_LOST, RenewResult.CLAIM_LOST,
                RenewResult.RENEWED);
        assertThat(tracker.claimAll(java.util.List.of(), "w1")).isEmpty();
    }

    @Test
    void aFailedClaimBatchSaysPerEventWhatIsKnownInDecisions() {
        SequenceTrackerService failing = new SequenceTrackerService(tracker.registry(),
                io.seqtrack.core.port.out.MisbehavingSequenceStore.throwing(
                        io.seqtrack.core.domain.SequenceStoreException.of("claim", order,
                                new IllegalStateException("connection reset"))));
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> failing.claimAll(java.util.List.of(
                TrackedEvent.of("chat", "room", 1), TrackedEvent.of("orders", "o-1", 1)), "w1"),
                io.seqtrack.core.domain.SequenceStoreException.class);
        assertThat(e.batchResults()).hasSize(2);
        assertThat(e.batchResults().get(0)).hasValueSatisfying(d -> assertThat(d)
                .isInstanceOf(io.seqtrack.core.port.in.ClaimDecision.class));
        assertThat(e.batchResults().get(1)).as("the tracked event's outcome is unknown").isEmpty();
    }

    @Test
    void aBadEventFailsTheWholeClaimBatchBeforeTheStoreIsTouched() {
        int before = store.calls().size();
        assertThatThrownBy(() -> tracker.claimAll(java.util.List.of(TrackedEvent.of("orders", "o-1", 1),
                TrackedEvent.of("nope", "x", 1)), "w1"))
                .isInstanceOf(io.seqtrack.core.domain.UnknownDomainException.class);
        assertThatThrownBy(() -> tracker.claimAll(java.util.List.of(TrackedEvent.of("orders", "o-1", 1)), " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("owner");
        assertThat(store.calls()).hasSize(before);
    }

    @Test
    void resetSetsTheLastInDomainNumberingAndRejectsImpossibleValues() {
        tracker.advance(TrackedEvent.of("orders", "o-1", 1));
        tracker.advance(TrackedEvent.of("orders", "o-1", 2));
        tracker.reset(order, 0);
        assertThat(tracker.advance(TrackedEvent.of("orders", "o-1", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
        tracker.reset(zero, -1);
        assertThat(tracker.advance(TrackedEvent.of("zero_based", "z-1", 0)).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThatThrownBy(() -> tracker.reset(order, -1)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("last");
        assertThatThrownBy(() -> tracker.reset(AggregateKey.of("chat", "r"), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chat");
    }
}
