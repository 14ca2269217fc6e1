package io.seqtrack.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainRegistrationTest {

    // ------------------------------------------------------------------------------------------------ name

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "User_account", "USER", "1user", "_user", "user_", "user__account", "user-account",
            "user account", "user.account", "user:account", "üser", "user_Account"})
    void invalidNamesAreRejectedNamingName(String name) {
        assertThatThrownBy(() -> DomainRegistration.builder(name))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("name");
                    assertThat(e.getMessage()).contains("name");
                    if (name != null) {
                        assertThat(e.getMessage()).contains("'" + name + "'");
                    }
                });
    }

    @Test
    void nameLongerThanTheDomainLimitIsRejected() {
        String tooLong = "a".repeat(65);
        assertThatThrownBy(() -> DomainRegistration.builder(tooLong))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("name");
                    assertThat(e.getMessage()).contains("64").contains("65");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat", "user_account", "company", "a", "a1", "v2_events", "a_1_b", "x0_0"})
    void validNamesAreAccepted(String name) {
        assertThat(DomainRegistration.builder(name).build().name()).isEqualTo(name);
    }

    @Test
    void nameOfExactlySixtyFourCharactersIsAccepted() {
        String name = "a".repeat(64);
        assertThat(DomainRegistration.builder(name).build().name()).isEqualTo(name);
    }

    // ------------------------------------------------------------------------------------------------ other fields

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                invalid("mode", b -> b.mode(null)),
                invalid("sequenceSource", b -> b.sequenceSource(null)),
                invalid("firstSequence", b -> b.firstSequence(2)),
                invalid("firstSequence", b -> b.firstSequence(-1)),
                invalid("firstSequence", b -> b.firstSequence(Long.MAX_VALUE)),
                invalid("leaseTtl", b -> b.leaseTtl(null)),
                invalid("leaseTtl", b -> b.leaseTtl(Duration.ZERO)),
                invalid("leaseTtl", b -> b.leaseTtl(Duration.ofSeconds(-1))),
                invalid("leaseTtl", b -> b.leaseTtl(Duration.ofNanos(999_999))),
                invalid("retryPolicy", b -> b.retryPolicy(null)),
                invalid("gapTimeout", b -> b.gapTimeout(null)),
                invalid("gapTimeout", b -> b.gapTimeout(Duration.ZERO)),
                invalid("gapTimeout", b -> b.gapTimeout(Duration.ofMillis(-5))),
                invalid("gapPolicy", b -> b.gapPolicy(null)),
                invalid("maxBufferedPerAggregate", b -> b.maxBufferedPerAggregate(0)),
                invalid("maxBufferedPerAggregate", b -> b.maxBufferedPerAggregate(-1)),
                invalid("maxBufferedPerAggregate", b -> b.maxBufferedPerAggregate(Integer.MIN_VALUE)));
    }

    private static Arguments invalid(String field, Consumer<DomainRegistration.Builder> setter) {
        return Arguments.of(field, setter);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidValues")
    void invalidValuesAreRejectedNamingDomainAndField(String field, Consumer<DomainRegistration.Builder> setter) {
        DomainRegistration.Builder builder = DomainRegistration.builder("user_account");
        assertThatThrownBy(() -> setter.accept(builder))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("user_account." + field);
                    assertThat(e.getMessage()).contains("user_account." + field);
                });
        // a rejected value leaves the builder as it was
        assertThat(builder.build()).isEqualTo(DomainRegistration.builder("user_account").build());
    }

    @Test
    void rejectionMessagesNameTheRejectedValue() {
        DomainRegistration.Builder b = DomainRegistration.builder("chat");
        assertThatThrownBy(() -> b.firstSequence(7)).hasMessageContaining("was 7");
        assertThatThrownBy(() -> b.leaseTtl(Duration.ofSeconds(-3))).hasMessageContaining("PT-3S");
        assertThatThrownBy(() -> b.leaseTtl(Duration.ofNanos(500))).hasMessageContaining("1 ms");
        assertThatThrownBy(() -> b.maxBufferedPerAggregate(0)).hasMessageContaining("was 0");
    }

    @Test
    void smallestValidValuesAreAccepted() {
        DomainRegistration r = DomainRegistration.builder("chat")
                .firstSequence(0)
                .leaseTtl(Duration.ofMillis(1))
                .gapTimeout(Duration.ofNanos(1))
                .maxBufferedPerAggregate(1)
                .build();
        assertThat(r.firstSequence()).isZero();
        assertThat(r.leaseTtl()).isEqualTo(Duration.ofMillis(1));
        assertThat(r.gapTimeout()).isEqualTo(Duration.ofNanos(1));
        assertThat(r.maxBufferedPerAggregate()).isEqualTo(1);
    }

    @Test
    void rejectedValueKeepsThePreviousValidOne() {
        DomainRegistration.Builder b = DomainRegistration.builder("chat").leaseTtl(Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.leaseTtl(Duration.ZERO)).isInstanceOf(InvalidConfigurationException.class);
        assertThat(b.build().leaseTtl()).isEqualTo(Duration.ofSeconds(5));
    }

    // ------------------------------------------------------------------------------------------------ defaults

    @Test
    void defaults() {
        DomainRegistration r = DomainRegistration.builder("user_account").build();
        assertThat(r.name()).isEqualTo("user_account");
        assertThat(r.mode()).isEqualTo(TrackingMode.STRICT);
        assertThat(r.sequenceSource()).isEqualTo(SequenceSource.SEQUENCE_NUMBER);
        assertThat(r.firstSequence()).isEqualTo(1);
        assertThat(r.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.retryPolicy()).isEqualTo(RetryPolicy.defaults());
        assertThat(r.gapTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.gapPolicy()).isEqualTo(GapPolicy.PARK);
        assertThat(r.maxBufferedPerAggregate()).isEqualTo(1_000);
    }

    // ------------------------------------------------------------------------------------------------ copying

    private static DomainRegistration nonDefault() {
        return DomainRegistration.builder("ledger")
                .mode(TrackingMode.MONOTONIC)
                .sequenceSource(SequenceSource.AGGREGATE_VERSION)
                .firstSequence(0)
                .leaseTtl(Duration.ofSeconds(7))
                .retryPolicy(RetryPolicy.builder().maxAttempts(9).jitter(0).build())
                .gapTimeout(Duration.ofMinutes(2))
                .gapPolicy(GapPolicy.SKIP)
                .maxBufferedPerAggregate(17)
                .build();
    }

    @Test
    void setValuesAreReadBack() {
        DomainRegistration r = nonDefault();
        assertThat(r.mode()).isEqualTo(TrackingMode.MONOTONIC);
        assertThat(r.sequenceSource()).isEqualTo(SequenceSource.AGGREGATE_VERSION);
        assertThat(r.firstSequence()).isZero();
        assertThat(r.leaseTtl()).isEqualTo(Duration.ofSeconds(7));
        assertThat(r.retryPolicy().maxAttempts()).isEqualTo(9);
        assertThat(r.gapTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(r.gapPolicy()).isEqualTo(GapPolicy.SKIP);
        assertThat(r.maxBufferedPerAggregate()).isEqualTo(17);
    }

    @Test
    void toBuilderRoundTrips() {
        DomainRegistration original = nonDefault();
        DomainRegistration copy = original.toBuilder().build();
        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original).isNotSameAs(original);
        assertThat(copy).hasToString(original.toString());

        DomainRegistration defaults = DomainRegistration.builder("chat").build();
        assertThat(defaults.toBuilder().build()).isEqualTo(defaults);
    }

    @Test
    void toBuilderDerivesAVariantWithoutChangingTheOriginal() {
        DomainRegistration original = nonDefault();
        DomainRegistration variant = original.toBuilder().gapPolicy(GapPolicy.FAIL).build();
        assertThat(variant.gapPolicy()).isEqualTo(GapPolicy.FAIL);
        assertThat(original.gapPolicy()).isEqualTo(GapPolicy.SKIP);
        assertThat(variant).isNotEqualTo(original);
        assertThat(variant.toBuilder().gapPolicy(GapPolicy.SKIP).build()).isEqualTo(original);
    }

    @Test
    void buildingTwiceGivesIndependentEqualRegistrations() {
        DomainRegistration.Builder builder = DomainRegistration.builder("company").leaseTtl(Duration.ofSeconds(3));
        DomainRegistration first = builder.build();
        DomainRegistration second = builder.build();
        assertThat(second).isEqualTo(first).hasSameHashCodeAs(first).isNotSameAs(first);

        builder.leaseTtl(Duration.ofSeconds(99)).mode(TrackingMode.DISABLED);
        assertThat(first.leaseTtl()).isEqualTo(Duration.ofSeconds(3));
        assertThat(first.mode()).isEqualTo(TrackingMode.STRICT);
        assertThat(builder.build().leaseTtl()).isEqualTo(Duration.ofSeconds(99));
    }

    static Stream<Arguments> singleFieldChanges() {
        return Stream.<UnaryOperator<DomainRegistration.Builder>>of(
                b -> b.mode(TrackingMode.STRICT),
                b -> b.sequenceSource(SequenceSource.SEQUENCE_NUMBER),
                b -> b.firstSequence(1),
                b -> b.leaseTtl(Duration.ofSeconds(8)),
                b -> b.retryPolicy(RetryPolicy.defaults()),
                b -> b.gapTimeout(Duration.ofMinutes(3)),
                b -> b.gapPolicy(GapPolicy.PARK),
                b -> b.maxBufferedPerAggregate(18)).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("singleFieldChanges")
    void equalityCoversEveryField(UnaryOperator<DomainRegistration.Builder> change) {
        DomainRegistration original = nonDefault();
        DomainRegistration changed = change.apply(original.toBuilder()).build();
        assertThat(changed).isNotEqualTo(original);
        assertThat(changed.toString()).isNotEqualTo(original.toString());
    }

    @Test
    void differentNamesAreDifferentRegistrations() {
        assertThat(DomainRegistration.builder("chat").build()).isNotEqualTo(DomainRegistration.builder("company").build());
        assertThat(DomainRegistration.builder("chat").build()).isNotEqualTo("chat");
    }

    @Test
    void toStringNamesTheDomainAndItsSettings() {
        assertThat(nonDefault().toString())
                .contains("ledger").contains("MONOTONIC").contains("AGGREGATE_VERSION").contains("SKIP")
                .contains("maxAttempts=9");
    }
}
