package io.seqtrack.core.registry;

import io.seqtrack.core.domain.InvalidConfigurationException;
import java.time.Duration;

/** Validation shared by the builders of this package; every message names the field. */
final class Checks {

    private Checks() {
    }

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw InvalidConfigurationException.of(field, "must not be null");
        }
        return value;
    }

    /** The longest duration any setting accepts: beyond it arithmetic on nanoseconds would overflow. */
    static final Duration MAX = Duration.ofDays(365);

    static Duration positive(String field, Duration value) {
        notNull(field, value);
        if (value.isNegative() || value.isZero()) {
            throw InvalidConfigurationException.of(field, "must be positive, was " + value);
        }
        if (value.compareTo(MAX) > 0) {
            throw InvalidConfigurationException.of(field, "must be at most 365 days, was " + value);
        }
        return value;
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw InvalidConfigurationException.of(field, "must be >= " + min + ", was " + value);
        }
        return value;
    }
}
