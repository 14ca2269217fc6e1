package io.seqtrack.core.domain;

import static io.seqtrack.core.domain.TrackingMode.DISABLED;
import static io.seqtrack.core.domain.TrackingMode.MONOTONIC;
import static io.seqtrack.core.domain.TrackingMode.STRICT;
import static io.seqtrack.core.domain.Verdict.DUPLICATE;
import static io.seqtrack.core.domain.Verdict.GAP;
import static io.seqtrack.core.domain.Verdict.IN_ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SequenceRulesTest {

    private static final long MAX = Long.MAX_VALUE;

    @ParameterizedTest(name = "STRICT last={0} seq={1} -> {2}")
    @CsvSource({
            // nothing committed yet
            "0, 1, IN_ORDER",
            "0, 2, GAP",
            "0, 9223372036854775807, GAP",
            // in the middle
            "5, 1, DUPLICATE",
            "5, 4, DUPLICATE",
            "5, 5, DUPLICATE",
            "5, 6, IN_ORDER",
            "5, 7, GAP",
            "5, 1000, GAP",
            // at the top of the range: no overflow in last + 1
            "9223372036854775806, 9223372036854775807, IN_ORDER",
            "9223372036854775807, 9223372036854775807, DUPLICATE",
            "9223372036854775807, 1, DUPLICATE",
            "9223372036854775805, 9223372036854775807, GAP",
    })
    void strict(long last, long seq, Verdict expected) {
        assertThat(SequenceRules.classify(last, seq, STRICT)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "MONOTONIC last={0} seq={1} -> {2}")
    @CsvSource({
            "0, 1, IN_ORDER",
            "0, 2, IN_ORDER",
            "0, 9223372036854775807, IN_ORDER",
            "5, 1, DUPLICATE",
            "5, 5, DUPLICATE",
            "5, 6, IN_ORDER",
            "5, 7, IN_ORDER",
            "5, 1000, IN_ORDER",
            "9223372036854775806, 9223372036854775807, IN_ORDER",
            "9223372036854775807, 9223372036854775807, DUPLICATE",
            "9223372036854775807, 9223372036854775806, DUPLICATE",
    })
    void monotonic(long last, long seq, Verdict expected) {
        assertThat(SequenceRules.classify(last, seq, MONOTONIC)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "DISABLED last={0} seq={1} -> IN_ORDER")
    @CsvSource({
            "0, 1",
            "0, 2",
            "5, 1",
            "5, 5",
            "5, 6",
            "5, 1000",
            "9223372036854775807, 1",
            "9223372036854775807, 9223372036854775807",
    })
    void disabledIsAlwaysInOrder(long last, long seq) {
        assertThat(SequenceRules.classify(last, seq, DISABLED)).isEqualTo(IN_ORDER);
    }

    @Test
    void strictAndMonotonicDifferOnlyOnGaps() {
        assertThat(SequenceRules.classify(3, 5, STRICT)).isEqualTo(GAP);
        assertThat(SequenceRules.classify(3, 5, MONOTONIC)).isEqualTo(IN_ORDER);
        assertThat(SequenceRules.classify(3, 3, STRICT)).isEqualTo(DUPLICATE);
        assertThat(SequenceRules.classify(3, 3, MONOTONIC)).isEqualTo(DUPLICATE);
    }

    @ParameterizedTest
    @EnumSource(TrackingMode.class)
    void negativeLastIsRejectedNamingLast(TrackingMode mode) {
        assertThatThrownBy(() -> SequenceRules.classify(-1, 1, mode))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("last")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> SequenceRules.classify(Long.MIN_VALUE, 1, mode))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("last");
    }

    @ParameterizedTest
    @EnumSource(TrackingMode.class)
    void sequenceBelowOneIsRejectedNamingSeq(TrackingMode mode) {
        assertThatThrownBy(() -> SequenceRules.classify(0, 0, mode))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("seq ")
                .hasMessageContaining("was 0");
        assertThatThrownBy(() -> SequenceRules.classify(5, -3, mode))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("seq ")
                .hasMessageContaining("-3");
        assertThatThrownBy(() -> SequenceRules.classify(5, Long.MIN_VALUE, mode))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("seq ");
    }

    @Test
    void disabledModeStillValidatesItsArguments() {
        // DISABLED short-circuits to IN_ORDER, but only after the arguments were checked
        assertThatThrownBy(() -> SequenceRules.classify(0, 0, DISABLED)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SequenceRules.classify(-1, 1, DISABLED)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullModeIsRejectedNamingMode() {
        assertThatNullPointerException()
                .isThrownBy(() -> SequenceRules.classify(0, 1, null))
                .withMessage("mode");
    }

    @Test
    void onlyDisabledSkipsTheStore() {
        assertThat(STRICT.usesStore()).isTrue();
        assertThat(MONOTONIC.usesStore()).isTrue();
        assertThat(DISABLED.usesStore()).isFalse();
    }

    @Test
    void maxValueBoundaries() {
        assertThat(SequenceRules.classify(MAX - 1, MAX, STRICT)).isEqualTo(IN_ORDER);
        assertThat(SequenceRules.classify(MAX, MAX, STRICT)).isEqualTo(DUPLICATE);
        assertThat(SequenceRules.classify(0, MAX, STRICT)).isEqualTo(GAP);
        assertThat(SequenceRules.classify(0, MAX, MONOTONIC)).isEqualTo(IN_ORDER);
    }
}
