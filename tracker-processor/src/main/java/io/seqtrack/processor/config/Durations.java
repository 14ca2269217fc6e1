package io.seqtrack.processor.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the durations of a registry file: a whole number with a unit ({@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 1h}) or ISO-8601 ({@code PT30S}, {@code PT0.5S}, {@code P1D}). Signs are read, not judged: {@code -1s} is
 * returned as a negative duration so that the registration builder rejects it with its own message.
 */
final class Durations {

    static final String SYNTAX = "a duration such as 500ms, 30s, 5m, 1h or PT30S";

    private static final Pattern SHORT = Pattern.compile("([-+]?[0-9]+)(ms|s|m|h)");

    private Durations() {
    }

    /** The duration {@code text} denotes, or empty if it is not a duration (or too large for {@link Duration}). */
    static Optional<Duration> parse(String text) {
        Matcher shortForm = SHORT.matcher(text);
        try {
            if (shortForm.matches()) {
                long amount = Long.parseLong(shortForm.group(1));
                return Optional.of(switch (shortForm.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                });
            }
            // Duration.parse accepts a sign before the P; a bare number or "30 s" fails here, as it should
            return Optional.of(Duration.parse(text));
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
