package io.seqtrack.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                invalid("maxAttempts", b -> b.maxAttempts(0)),
                invalid("maxAttempts", b -> b.maxAttempts(-1)),
                invalid("initialBackoff", b -> b.initialBackoff(null)),
                invalid("initialBackoff", b -> b.initialBackoff(Duration.ZERO)),
                invalid("initialBackoff", b -> b.initialBackoff(Duration.ofMillis(-1))),
                invalid("maxBackoff", b -> b.maxBackoff(null)),
                invalid("maxBackoff", b -> b.maxBackoff(Duration.ZERO)),
                invalid("maxBackoff", b -> b.maxBackoff(Duration.ofSeconds(-10))),
                invalid("multiplier", b -> b.multiplier(0.999)),
                invalid("multiplier", b -> b.multiplier(0)),
                invalid("multiplier", b -> b.multiplier(-2)),
                invalid("multiplier", b -> b.multiplier(Double.NaN)),
                invalid("multiplier", b -> b.multiplier(Double.POSITIVE_INFINITY)),
                invalid("multiplier", b -> b.multiplier(Double.NEGATIVE_INFINITY)),
                invalid("jitter", b -> b.jitter(-0.01)),
                invalid("jitter", b -> b.jitter(1.01)),
                invalid("jitter", b -> b.jitter(Double.NaN)),
                invalid("jitter", b -> b.jitter(Double.POSITIVE_INFINITY)),
                invalid("jitter", b -> b.jitter(Double.NEGATIVE_INFINITY)));
    }

    private static Arguments invalid(String field, Consumer<RetryPolicy.Builder> setter) {
        return Arguments.of(field, setter);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidValues")
    void invalidValuesAreRejectedNamingTheField(String field, Consumer<RetryPolicy.Builder> setter) {
        RetryPolicy.Builder builder = RetryPolicy.builder();
        assertThatThrownBy(() -> setter.accept(builder))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("retryPolicy." + field);
                    assertThat(e.getMessage()).contains("retryPolicy." + field);
                });
        assertThat(builder.build()).isEqualTo(RetryPolicy.defaults());
    }

    @Test
    void maxBackoffBelowInitialBackoffIsRejectedAtBuild() {
        RetryPolicy.Builder builder = RetryPolicy.builder()
                .initialBackoff(Duration.ofSeconds(2))
                .maxBackoff(Duration.ofSeconds(1));
        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("retryPolicy.maxBackoff");
                    assertThat(e.getMessage()).contains("initialBackoff").contains("PT2S").contains("PT1S");
                });
        // the order of the setters does not matter, only the final values
        assertThat(builder.maxBackoff(Duration.ofSeconds(2)).build().maxBackoff()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void boundaryValuesAreAccepted() {
        RetryPolicy p = RetryPolicy.builder()
                .maxAttempts(1)
                .initialBackoff(Duration.ofNanos(1))
                .maxBackoff(Duration.ofNanos(1))
                .multiplier(1.0)
                .jitter(0.0)
                .build();
        assertThat(p.maxAttempts()).isEqualTo(1);
        assertThat(p.multiplier()).isEqualTo(1.0);
        assertThat(p.jitter()).isZero();
        assertThat(RetryPolicy.builder().jitter(1.0).build().jitter()).isEqualTo(1.0);
    }

    @Test
    void defaults() {
        RetryPolicy p = RetryPolicy.defaults();
        assertThat(p.maxAttempts()).isEqualTo(5);
        assertThat(p.initialBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.multiplier()).isEqualTo(2.0);
        assertThat(p.jitter()).isEqualTo(0.2);
        assertThat(RetryPolicy.builder().build()).isEqualTo(p).hasSameHashCodeAs(p);
        assertThat(RetryPolicy.defaults()).isSameAs(p);
    }

    private static RetryPolicy nonDefault() {
        return RetryPolicy.builder()
                .maxAttempts(8)
                .initialBackoff(Duration.ofMillis(250))
                .maxBackoff(Duration.ofMinutes(1))
                .multiplier(3.5)
                .jitter(0.75)
                .build();
    }

    @Test
    void toBuilderRoundTrips() {
        RetryPolicy original = nonDefault();
        RetryPolicy copy = original.toBuilder().build();
        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original).isNotSameAs(original);
        assertThat(copy).hasToString(original.toString());
        assertThat(original.toBuilder().maxAttempts(2).build().maxAttempts()).isEqualTo(2);
        assertThat(original.maxAttempts()).isEqualTo(8);
    }

    @Test
    void buildingTwiceGivesIndependentEqualPolicies() {
        RetryPolicy.Builder builder = RetryPolicy.builder().maxAttempts(3);
        RetryPolicy first = builder.build();
        RetryPolicy second = builder.build();
        assertThat(second).isEqualTo(first).hasSameHashCodeAs(first).isNotSameAs(first);

        builder.maxAttempts(4).jitter(0.5);
        assertThat(first.maxAttempts()).isEqualTo(3);
        assertThat(first.jitter()).isEqualTo(0.2);
    }

    static Stream<Arguments> singleFieldChanges() {
        return Stream.<UnaryOperator<RetryPolicy.Builder>>of(
                b -> b.maxAttempts(9),
                b -> b.initialBackoff(Duration.ofMillis(251)),
                b -> b.maxBackoff(Duration.ofSeconds(61)),
                b -> b.multiplier(3.6),
                b -> b.jitter(0.7)).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("singleFieldChanges")
    void equalityCoversEveryField(UnaryOperator<RetryPolicy.Builder> change) {
        RetryPolicy original = nonDefault();
        RetryPolicy changed = change.apply(original.toBuilder()).build();
        assertThat(changed).isNotEqualTo(original);
        assertThat(changed.toString()).isNotEqualTo(original.toString());
    }

    // ------------------------------------------------------------------------------------------------ backoff

    @ParameterizedTest(name = "defaults: retry {0}, random {1} -> {2} ms")
    @CsvSource({
            // random 0: no jitter; 100 ms doubling
            "1, 0.0, 100",
            "2, 0.0, 200",
            "3, 0.0, 400",
            "4, 0.0, 800",
            "7, 0.0, 6400",
            // 12 800 ms is above the cap of 10 s
            "8, 0.0, 10000",
            "9, 0.0, 10000",
            "100, 0.0, 10000",
            "2147483647, 0.0, 10000",
            // random 0.5 with 20 % jitter: 10 % shorter
            "1, 0.5, 90",
            "2, 0.5, 180",
            "3, 0.5, 360",
            "7, 0.5, 5760",
            "8, 0.5, 9000",
            "2147483647, 0.5, 9000",
    })
    void backoffOfTheDefaults(int retry, double random, long expectedMillis) {
        assertThat(RetryPolicy.defaults().backoff(retry, random)).isEqualTo(Duration.ofMillis(expectedMillis));
    }

    @Test
    void backoffWithCustomPolicy() {
        RetryPolicy p = RetryPolicy.builder()
                .initialBackoff(Duration.ofSeconds(1))
                .maxBackoff(Duration.ofSeconds(30))
                .multiplier(3)
                .jitter(1.0)
                .build();
        assertThat(p.backoff(1, 0.0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(2, 0.0)).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.backoff(3, 0.0)).isEqualTo(Duration.ofSeconds(9));
        assertThat(p.backoff(4, 0.0)).isEqualTo(Duration.ofSeconds(27));
        assertThat(p.backoff(5, 0.0)).isEqualTo(Duration.ofSeconds(30));
        // full jitter: random 0.5 halves the delay
        assertThat(p.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backoff(5, 0.5)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void withoutJitterTheRandomValueDoesNotMatter() {
        RetryPolicy p = RetryPolicy.builder().jitter(0).build();
        assertThat(p.backoff(3, 0.0)).isEqualTo(Duration.ofMillis(400));
        assertThat(p.backoff(3, 0.5)).isEqualTo(Duration.ofMillis(400));
        assertThat(p.backoff(3, 0.999)).isEqualTo(Duration.ofMillis(400));
    }

    @Test
    void multiplierOneGivesAConstantDelay() {
        RetryPolicy p = RetryPolicy.builder().multiplier(1).jitter(0).initialBackoff(Duration.ofMillis(70)).build();
        assertThat(p.backoff(1, 0)).isEqualTo(Duration.ofMillis(70));
        assertThat(p.backoff(50, 0)).isEqualTo(Duration.ofMillis(70));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void backoffRejectsRetryBelowOne(int retry) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RetryPolicy.defaults().backoff(retry, 0.0))
                .withMessageStartingWith("retry ")
                .withMessageContaining(String.valueOf(retry));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.0001, -1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void backoffRejectsRandomOutsideTheUnitInterval(double random) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RetryPolicy.defaults().backoff(1, random))
                .withMessageStartingWith("random ");
    }
}
