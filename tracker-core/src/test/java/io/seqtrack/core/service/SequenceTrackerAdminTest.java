package io.seqtrack.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.FakeSequenceStore;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import org.junit.jupiter.api.Test;

/** lastCommitted, skipTo and reset — the operations the processor's gap policy and admin API are built on. */
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
    void skipToMovesForwardOnlyAndAtomically() {
        tracker.advance(TrackedEvent.of("orders", "o-1", 1));
        assertThat(tracker.skipTo(order, 4)).isTrue();
        assertThat(tracker.lastCommitted(order)).isEqualTo(4);
        assertThat(tracker.advance(TrackedEvent.of("orders", "o-1", 5)).verdict()).isEqualTo(Verdict.IN_ORDER);
        assertThat(tracker.skipTo(order, 3)).as("never backwards").isFalse();
        assertThat(tracker.lastCommitted(order)).isEqualTo(5);
        assertThat(tracker.skipTo(zero, 2)).isTrue();
        assertThat(tracker.lastCommitted(zero)).isEqualTo(2);
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
