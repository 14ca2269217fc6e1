package io.seqtrack.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT30S}). */
final class DurationParser {

    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    private DurationParser() {
    }

    static Duration parse(String option, String text) {
        Matcher m = SHORT.matcher(text == null ? "" : text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": return Duration.ofMillis(n);
                case "s": return Duration.ofSeconds(n);
                case "m": return Duration.ofMinutes(n);
                default: return Duration.ofHours(n);
            }
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new CommandLine.TypeConversionException(option + ": '" + text
                    + "' is not a duration (use 500ms, 30s, 5m, 1h or ISO-8601 like PT30S)");
        }
    }

    /** For picocli {@code converter = DurationParser.Converter.class}. */
    static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse("duration", value);
        }
    }
}
