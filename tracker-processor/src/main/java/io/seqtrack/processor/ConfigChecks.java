package io.seqtrack.processor;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.port.out.StoreArguments;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;

/**
 * What the builders of this package accept, checked as each value is set: every rejected value names its field
 * ({@code processor.maxBatch}, {@code admin.timeout}) and says what was wrong with it.
 */
final class ConfigChecks {

    private ConfigChecks() {
    }

    static <T> T require(String field, T value) {
        if (value == null) {
            throw InvalidConfigurationException.of(field, "is required");
        }
        return value;
    }

    static Duration positive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw InvalidConfigurationException.of(field, "must be positive, was " + value);
        }
        return value;
    }

    static int within(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw InvalidConfigurationException.of(field, "must be within [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw InvalidConfigurationException.of(field, "must be >= " + min + ", was " + value);
        }
        return value;
    }

    /** A claim owner: 1-200 non-blank characters, and not an operator's hold. */
    static String workerId(String field, String workerId) {
        if (workerId == null || workerId.isBlank() || workerId.length() > 200) {
            throw InvalidConfigurationException.of(field, "must be 1-200 non-blank characters, was '" + workerId + "'");
        }
        if (workerId.startsWith(StoreArguments.OPERATOR_OWNER_PREFIX)) {
            throw InvalidConfigurationException.of(field, "must not start with '"
                    + StoreArguments.OPERATOR_OWNER_PREFIX + "' (reserved for an operator's hold), was '" + workerId
                    + "'");
        }
        return workerId;
    }

    /** Unique per process: host, pid and a random suffix. */
    static String defaultWorkerId() {
        String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        return jvm + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
