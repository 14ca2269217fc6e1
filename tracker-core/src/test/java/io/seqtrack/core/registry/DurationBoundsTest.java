package io.seqtrack.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Absurdly long durations are rejected by name instead of overflowing later; -0.0 jitter equals 0.0 jitter. */
class DurationBoundsTest {

    @Test
    void durationsAboveAYearAreRejectedNamingTheField() {
        assertThatThrownBy(() -> DomainRegistration.builder("orders").gapTimeout(Duration.ofDays(366)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("orders.gapTimeout")
                .hasMessageContaining("365 days");
        assertThatThrownBy(() -> DomainRegistration.builder("orders").leaseTtl(Duration.ofDays(1_000_000)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("orders.leaseTtl");
        assertThatThrownBy(() -> RetryPolicy.builder().maxBackoff(Duration.ofDays(400)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("retryPolicy.maxBackoff");
        assertThat(DomainRegistration.builder("orders").gapTimeout(Duration.ofDays(365)).build().gapTimeout())
                .isEqualTo(Duration.ofDays(365));
    }

    @Test
    void negativeZeroJitterEqualsZeroJitterAndHashesTheSame() {
        RetryPolicy negative = RetryPolicy.builder().jitter(-0.0).build();
        RetryPolicy zero = RetryPolicy.builder().jitter(0.0).build();
        assertThat(negative).isEqualTo(zero).hasSameHashCodeAs(zero);
    }
}
