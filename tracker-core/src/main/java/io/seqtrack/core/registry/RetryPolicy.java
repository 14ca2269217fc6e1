package io.seqtrack.core.registry;

import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;
import java.util.Objects;

/**
 * How often and how fast a failed handler is retried before its event is parked: exponential backoff with jitter,
 * capped, for at most {@link #maxAttempts()} attempts in total (the first run included).
 *
 * <p>Immutable. Build with {@link #builder()}; {@link #toBuilder()} starts a new builder from this policy.
 */
public final class RetryPolicy {

    private static final RetryPolicy DEFAULTS = builder().build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.multiplier = b.multiplier;
        this.jitter = b.jitter;
    }

    /** 5 attempts, 100 ms doubling up to 10 s, 20 % jitter. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff)
                .multiplier(multiplier).jitter(jitter);
    }

    /** Attempts in total, the first run included; {@code 1} means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public double multiplier() {
        return multiplier;
    }

    /** The fraction ({@code 0..1}) by which a delay may randomly shrink, to spread retries of many aggregates. */
    public double jitter() {
        return jitter;
    }

    /**
     * The delay before retry number {@code retry} (1 for the first retry): {@code initialBackoff * multiplier^(retry-1)},
     * capped at {@code maxBackoff}, then reduced by up to {@code jitter} of itself.
     *
     * @param retry  the retry number, {@code >= 1}
     * @param random a uniformly distributed value in {@code [0, 1)}, supplied by the caller so tests are exact
     */
    public Duration backoff(int retry, double random) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be >= 1, was " + retry);
        }
        if (!(random >= 0 && random < 1)) { // written so that NaN is rejected too
            throw new IllegalArgumentException("random must be in [0, 1), was " + random);
        }
        double base = initialBackoff.toNanos() * Math.pow(multiplier, retry - 1);
        double capped = Math.min(base, maxBackoff.toNanos());
        double jittered = capped * (1 - jitter * random);
        return Duration.ofNanos((long) jittered);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && maxAttempts == p.maxAttempts && initialBackoff.equals(p.initialBackoff)
                && maxBackoff.equals(p.maxBackoff) && multiplier == p.multiplier && jitter == p.jitter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter);
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", maxBackoff="
                + maxBackoff + ", multiplier=" + multiplier + ", jitter=" + jitter + "]";
    }

    /** Validates each value as it is set; {@link #build()} copies, so reusing a builder never changes a built policy. */
    public static final class Builder {
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private double multiplier = 2.0;
        private double jitter = 0.2;

        private Builder() {
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Checks.atLeast("retryPolicy.maxAttempts", maxAttempts, 1);
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = Checks.positive("retryPolicy.initialBackoff", initialBackoff);
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = Checks.positive("retryPolicy.maxBackoff", maxBackoff);
            return this;
        }

        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw InvalidConfigurationException.of("retryPolicy.multiplier", "must be a finite number >= 1, was " + multiplier);
            }
            this.multiplier = multiplier;
            return this;
        }

        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                throw InvalidConfigurationException.of("retryPolicy.jitter", "must be within [0, 1], was " + jitter);
            }
            this.jitter = jitter + 0.0; // -0.0 becomes 0.0, so equal policies hash equally
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws InvalidConfigurationException naming {@code retryPolicy.maxBackoff} if it is below the initial backoff
         */
        public RetryPolicy build() {
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw InvalidConfigurationException.of("retryPolicy.maxBackoff",
                        "must not be below initialBackoff " + initialBackoff + ", was " + maxBackoff);
            }
            return new RetryPolicy(this);
        }
    }
}
