package io.seqtrack.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class AggregateKeyTest {

    static Stream<Arguments> badComponents() {
        String longDomain = "d".repeat(AggregateKey.MAX_DOMAIN_LENGTH + 1);
        String longId = "i".repeat(AggregateKey.MAX_AGGREGATE_ID_LENGTH + 1);
        return Stream.of(
                Arguments.of(null, "u-1", "domain", "missing"),
                Arguments.of("", "u-1", "domain", "blank"),
                Arguments.of("   ", "u-1", "domain", "blank"),
                Arguments.of("\t\n", "u-1", "domain", "blank"),
                Arguments.of(longDomain, "u-1", "domain", "65 characters"),
                Arguments.of("user_account", null, "aggregateId", "missing"),
                Arguments.of("user_account", "", "aggregateId", "blank"),
                Arguments.of("user_account", "  ", "aggregateId", "blank"),
                Arguments.of("user_account", longId, "aggregateId", "1025 characters"));
    }

    @ParameterizedTest(name = "[{index}] ({0}, {1}) -> {2} {3}")
    @MethodSource("badComponents")
    void rejectsMissingBlankOrOversizedComponentsNamingTheField(String domain, String id, String field,
            String reason) {
        assertThatThrownBy(() -> new AggregateKey(domain, id))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(field).contains(reason);
                })
                .isInstanceOf(SequenceTrackingException.class);
        assertThatThrownBy(() -> AggregateKey.of(domain, id))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void domainIsCheckedBeforeAggregateId() {
        assertThatThrownBy(() -> new AggregateKey(null, null))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("domain"));
    }

    @Test
    void lengthLimitsAreInclusive() {
        String domain = "d".repeat(AggregateKey.MAX_DOMAIN_LENGTH);
        String id = "i".repeat(AggregateKey.MAX_AGGREGATE_ID_LENGTH);
        AggregateKey key = new AggregateKey(domain, id);
        assertThat(key.domain()).hasSize(64);
        assertThat(key.aggregateId()).hasSize(1024);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{user}", "a}b{c", "tenant:42:user:7", "100%", "%s%n%d", "with space", " leading", "trailing ",
            "Zoë Ångström", "用户-42", "пользователь", "emoji-\uD83D\uDE00", "line\nbreak", "quote'\"", "a/b\\c", "*",
            "x"})
    void anyCharactersAreAcceptedInTheAggregateId(String id) {
        AggregateKey key = AggregateKey.of("user_account", id);
        assertThat(key.aggregateId()).isEqualTo(id);
        assertThat(key.domain()).isEqualTo("user_account");
    }

    @Test
    void aThousandCharacterIdIsAccepted() {
        String id = "x{:}% é".repeat(1000 / 7) + "123456";
        assertThat(id).hasSize(1000);
        assertThat(AggregateKey.of("chat", id).aggregateId()).isEqualTo(id);
    }

    @Test
    void anyCharactersAreAcceptedInTheDomain() {
        // the key does not restrict domain characters; the registry does (lower_snake_case)
        assertThat(AggregateKey.of("a:b{c}%d é", "1").domain()).isEqualTo("a:b{c}%d é");
    }

    @Test
    void equalityIsComponentwise() {
        AggregateKey left = AggregateKey.of("a", "b:c");
        AggregateKey right = AggregateKey.of("a:b", "c");
        assertThat(left).isNotEqualTo(right);
        assertThat(left.toString()).isNotEqualTo(right.toString());

        AggregateKey slashLeft = AggregateKey.of("a", "b/c");
        AggregateKey slashRight = AggregateKey.of("a/b", "c");
        assertThat(slashLeft).isNotEqualTo(slashRight);

        assertThat(AggregateKey.of("a", "b:c")).isEqualTo(left).hasSameHashCodeAs(left);
        assertThat(AggregateKey.of("a", "B:c")).isNotEqualTo(left);
        assertThat(AggregateKey.of("A", "b:c")).isNotEqualTo(left);
        assertThat(AggregateKey.of("user_account", "1")).isNotEqualTo(AggregateKey.of("company", "1"));
    }

    @Test
    void componentsAreKeptVerbatimNotTrimmedOrNormalized() {
        assertThat(AggregateKey.of("d", " x ")).isNotEqualTo(AggregateKey.of("d", "x"));
        // "é" precomposed vs. e + combining accent: different strings, different aggregates
        assertThat(AggregateKey.of("d", "\u00e9")).isNotEqualTo(AggregateKey.of("d", "e\u0301"));
    }

    @Test
    void toStringShowsBothComponents() {
        assertThat(AggregateKey.of("user_account", "u-1")).hasToString("user_account/u-1");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " "})
    void exceptionMessageSaysInvalidEvent(String id) {
        assertThatThrownBy(() -> AggregateKey.of("d", id)).hasMessageStartingWith("invalid event: aggregateId ");
    }
}
