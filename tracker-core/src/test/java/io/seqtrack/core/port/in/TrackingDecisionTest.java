package io.seqtrack.core.port.in;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.DuplicateEventException;
import io.seqtrack.core.domain.OutOfOrderEventException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.Verdict;
import org.junit.jupiter.api.Test;

class TrackingDecisionTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "u-1");

    @Test
    void inOrderIsHandledAndRequireInOrderReturnsItself() {
        TrackingDecision d = new TrackingDecision(KEY, TrackingMode.STRICT, Verdict.IN_ORDER, 4, 4);
        assertThat(d.shouldHandle()).isTrue();
        assertThat(d.requireInOrder()).isSameAs(d);
    }

    @Test
    void duplicateThrowsDuplicateEventException() {
        TrackingDecision d = new TrackingDecision(KEY, TrackingMode.STRICT, Verdict.DUPLICATE, 2, 7);
        assertThat(d.shouldHandle()).isFalse();
        assertThatThrownBy(d::requireInOrder)
                .isInstanceOfSatisfying(DuplicateEventException.class, e -> {
                    assertThat(e.key()).isEqualTo(KEY);
                    assertThat(e.sequence()).isEqualTo(2);
                    assertThat(e.lastCommitted()).isEqualTo(7);
                    assertThat(e.getMessage()).contains("user_account/u-1").contains("2").contains("7");
                });
    }

    @Test
    void gapThrowsOutOfOrderEventExceptionWithExpectedAndActual() {
        TrackingDecision d = new TrackingDecision(KEY, TrackingMode.STRICT, Verdict.GAP, 9, 7);
        assertThat(d.shouldHandle()).isFalse();
        assertThatThrownBy(d::requireInOrder)
                .isInstanceOfSatisfying(OutOfOrderEventException.class, e -> {
                    assertThat(e.key()).isEqualTo(KEY);
                    assertThat(e.expected()).isEqualTo(8);
                    assertThat(e.actual()).isEqualTo(9);
                });
    }

    @Test
    void gapInADomainCountingFromZeroExpectsZeroFirst() {
        TrackingDecision d = new TrackingDecision(KEY, TrackingMode.STRICT, Verdict.GAP, 3, -1);
        assertThatThrownBy(d::requireInOrder)
                .isInstanceOfSatisfying(OutOfOrderEventException.class, e -> assertThat(e.expected()).isZero());
    }

    @Test
    void nullsAreRejected() {
        assertThatNullPointerException()
                .isThrownBy(() -> new TrackingDecision(null, TrackingMode.STRICT, Verdict.IN_ORDER, 1, 1))
                .withMessage("key");
        assertThatNullPointerException()
                .isThrownBy(() -> new TrackingDecision(KEY, null, Verdict.IN_ORDER, 1, 1))
                .withMessage("mode");
        assertThatNullPointerException()
                .isThrownBy(() -> new TrackingDecision(KEY, TrackingMode.STRICT, null, 1, 1))
                .withMessage("verdict");
    }
}
