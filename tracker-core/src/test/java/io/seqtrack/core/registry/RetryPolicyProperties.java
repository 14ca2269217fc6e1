package io.seqtrack.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class RetryPolicyProperties {

    // boundaries (random 0, jitter 0 and 1, multiplier 1, huge retry numbers) are pinned in RetryPolicyTest; the
    // 1 200 combined edge cases of six parameters would only crowd out random samples here
    @Property(edgeCases = EdgeCasesMode.NONE)
    void backoffStaysWithinTheJitterBandBelowTheCapAndNeverShrinksWithMoreRetries(
            @ForAll @LongRange(min = 1, max = 5_000) long initialMillis,
            @ForAll @LongRange(min = 0, max = 120_000) long extraMaxMillis,
            @ForAll @DoubleRange(min = 1.0, max = 10.0) double multiplier,
            @ForAll @DoubleRange(min = 0.0, max = 1.0) double jitter,
            @ForAll @DoubleRange(min = 0.0, max = 1.0, maxIncluded = false) double random,
            @ForAll @IntRange(min = 1, max = 200) int retry) {
        Duration initial = Duration.ofMillis(initialMillis);
        Duration max = initial.plusMillis(extraMaxMillis);
        RetryPolicy p = RetryPolicy.builder()
                .initialBackoff(initial).maxBackoff(max).multiplier(multiplier).jitter(jitter).build();

        Duration delay = p.backoff(retry, random);

        double uncapped = initial.toNanos() * Math.pow(multiplier, retry - 1);
        double capped = Math.min(uncapped, max.toNanos());
        assertThat(delay).isLessThanOrEqualTo(max);
        assertThat((double) delay.toNanos()).isBetween(Math.floor(capped * (1 - jitter)) - 1, capped);
        assertThat(p.backoff(retry + 1, random)).isGreaterThanOrEqualTo(delay);
        assertThat(p.backoff(retry, 0.0)).isGreaterThanOrEqualTo(delay);
    }
}
