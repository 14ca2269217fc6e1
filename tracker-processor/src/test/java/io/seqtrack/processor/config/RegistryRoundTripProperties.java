package io.seqtrack.processor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.registry.SequenceSource;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Registries written as YAML, with random values, spellings and omissions, load back to exactly the registrations the
 * builders make from the same values; and no edit of a valid file makes the loader fail with anything but a
 * {@link RegistryFileException} that points into the file.
 */
class RegistryRoundTripProperties {

    @Property(tries = 300)
    void writtenRegistriesLoadBackEqual(@ForAll("registries") List<DomainSpec> domains) {
        String yaml = write(domains);

        DomainRegistry loaded = RegistryLoader.parse(yaml, "generated.yaml");

        assertThat(loaded.registrations()).as(yaml)
                .containsExactlyElementsOf(domains.stream().map(DomainSpec::build).toList());
    }

    @Property(tries = 500)
    void editedFilesLoadOrFailWithALineInTheFile(@ForAll("registries") List<DomainSpec> domains,
            @ForAll("edits") Edit edit) {
        String yaml = edit.applyTo(write(domains));
        long lines = yaml.lines().count();

        try {
            RegistryLoader.parse(yaml, "edited.yaml");
        } catch (RegistryFileException e) {
            assertThat(e.file()).isEqualTo("edited.yaml");
            assertThat(e.line()).as(e.getMessage()).isBetween(1, (int) lines + 1);
            assertThat(e.getMessage()).startsWith("edited.yaml:" + e.line() + ": ");
        }
    }

    // ---- the model: each field is either omitted or written in one of its accepted spellings ----

    record Written<T>(T value, String text) {
    }

    record RetrySpec(Optional<Written<Integer>> maxAttempts, Optional<Written<Duration>> initialBackoff,
                     Optional<Written<Duration>> maxBackoff, Optional<Written<Double>> multiplier,
                     Optional<Written<Double>> jitter) {

        RetryPolicy build() {
            RetryPolicy.Builder b = RetryPolicy.builder();
            maxAttempts.ifPresent(w -> b.maxAttempts(w.value()));
            initialBackoff.ifPresent(w -> b.initialBackoff(w.value()));
            maxBackoff.ifPresent(w -> b.maxBackoff(w.value()));
            multiplier.ifPresent(w -> b.multiplier(w.value()));
            jitter.ifPresent(w -> b.jitter(w.value()));
            return b.build();
        }

        boolean valid() {
            Duration initial = initialBackoff.map(Written::value).orElse(RetryPolicy.defaults().initialBackoff());
            Duration max = maxBackoff.map(Written::value).orElse(RetryPolicy.defaults().maxBackoff());
            return max.compareTo(initial) >= 0;
        }
    }

    record Timing(Optional<Written<Duration>> leaseTtl, Optional<Written<Duration>> gapTimeout) {
    }

    record DomainSpec(String name, Optional<Written<TrackingMode>> mode,
                      Optional<Written<SequenceSource>> sequenceSource, Optional<Written<Long>> firstSequence,
                      Timing timing, Optional<Written<GapPolicy>> gapPolicy,
                      Optional<Written<Integer>> maxBufferedPerAggregate, Optional<RetrySpec> retry) {

        DomainRegistration build() {
            DomainRegistration.Builder b = DomainRegistration.builder(name);
            mode.ifPresent(w -> b.mode(w.value()));
            sequenceSource.ifPresent(w -> b.sequenceSource(w.value()));
            firstSequence.ifPresent(w -> b.firstSequence(w.value()));
            timing.leaseTtl().ifPresent(w -> b.leaseTtl(w.value()));
            timing.gapTimeout().ifPresent(w -> b.gapTimeout(w.value()));
            gapPolicy.ifPresent(w -> b.gapPolicy(w.value()));
            maxBufferedPerAggregate.ifPresent(w -> b.maxBufferedPerAggregate(w.value()));
            retry.ifPresent(r -> b.retryPolicy(r.build()));
            return b.build();
        }
    }

    record Edit(int position, int kind, char character) {

        String applyTo(String text) {
            int at = Math.floorMod(position, text.length() + 1);
            return switch (kind) {
                case 0 -> text.substring(0, at) + character + text.substring(at);
                case 1 -> at < text.length() ? text.substring(0, at) + text.substring(at + 1) : text;
                default -> { // duplicate the line the position falls in
                    int start = text.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
                    int end = text.indexOf('\n', at);
                    String line = text.substring(start, end < 0 ? text.length() : end + 1);
                    yield text.substring(0, start) + line + (line.endsWith("\n") ? "" : "\n") + text.substring(start);
                }
            };
        }
    }

    // ---- writing ----

    static String write(List<DomainSpec> domains) {
        StringBuilder yaml = new StringBuilder("domains:\n");
        for (DomainSpec d : domains) {
            StringBuilder fields = new StringBuilder();
            d.mode().ifPresent(w -> field(fields, 4, "mode", w.text()));
            d.sequenceSource().ifPresent(w -> field(fields, 4, "sequenceSource", w.text()));
            d.firstSequence().ifPresent(w -> field(fields, 4, "firstSequence", w.text()));
            d.timing().leaseTtl().ifPresent(w -> field(fields, 4, "leaseTtl", w.text()));
            d.timing().gapTimeout().ifPresent(w -> field(fields, 4, "gapTimeout", w.text()));
            d.gapPolicy().ifPresent(w -> field(fields, 4, "gapPolicy", w.text()));
            d.maxBufferedPerAggregate().ifPresent(w -> field(fields, 4, "maxBufferedPerAggregate", w.text()));
            d.retry().ifPresent(r -> {
                StringBuilder retry = new StringBuilder();
                r.maxAttempts().ifPresent(w -> field(retry, 6, "maxAttempts", w.text()));
                r.initialBackoff().ifPresent(w -> field(retry, 6, "initialBackoff", w.text()));
                r.maxBackoff().ifPresent(w -> field(retry, 6, "maxBackoff", w.text()));
                r.multiplier().ifPresent(w -> field(retry, 6, "multiplier", w.text()));
                r.jitter().ifPresent(w -> field(retry, 6, "jitter", w.text()));
                fields.append("    retry:").append(retry.length() == 0 ? " {}\n" : "\n" + retry);
            });
            yaml.append("  ").append(d.name()).append(':').append(fields.length() == 0 ? "\n" : "\n" + fields);
        }
        return yaml.toString();
    }

    private static void field(StringBuilder out, int indent, String key, String text) {
        out.append(" ".repeat(indent)).append(key).append(": ").append(text).append('\n');
    }

    // ---- generators ----

    @Provide
    Arbitrary<List<DomainSpec>> registries() {
        return domain().list().ofMinSize(1).ofMaxSize(6).uniqueElements(DomainSpec::name);
    }

    @Provide
    Arbitrary<Edit> edits() {
        return Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 2),
                Arbitraries.of(':', '-', ' ', '\n', '\t', '[', ']', '{', '}', '&', '*', '!', '#', '"', '\'', '|',
                        '>', '%', '@', '?', ',', 'x', '0', '<'))
                .as(Edit::new);
    }

    private Arbitrary<DomainSpec> domain() {
        Arbitrary<Timing> timing = Combinators.combine(duration().optional(0.5), duration().optional(0.5))
                .as(Timing::new);
        return Combinators.combine(name(), choice(TrackingMode.values()).optional(0.5),
                        choice(SequenceSource.values()).optional(0.3),
                        Arbitraries.longs().between(0, 1).map(n -> new Written<>(n, n.toString())).optional(0.3),
                        timing, choice(GapPolicy.values()).optional(0.3),
                        wholeNumber().optional(0.3), retry().optional(0.4))
                .as(DomainSpec::new);
    }

    private Arbitrary<RetrySpec> retry() {
        return Combinators.combine(wholeNumber().optional(0.5), duration().optional(0.5), duration().optional(0.5),
                        decimal(1.0, 100.0).optional(0.5), decimal(0.0, 1.0).optional(0.5))
                .as(RetrySpec::new)
                .filter(RetrySpec::valid);
    }

    /** lower_snake_case names, plus words YAML 1.1 would read as booleans or null if keys were not taken as text. */
    private Arbitrary<String> name() {
        Arbitrary<String> head = Arbitraries.strings().withCharRange('a', 'z').ofLength(1);
        Arbitrary<String> tail = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofMaxLength(8);
        Arbitrary<List<String>> segments = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                .ofMinLength(1).ofMaxLength(5).list().ofMaxSize(3);
        Arbitrary<String> snake = Combinators.combine(head, tail, segments)
                .as((h, t, s) -> h + t + s.stream().map(x -> "_" + x).collect(Collectors.joining()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, snake),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("on", "off", "yes", "no", "y", "n", "true", "null", "nan")));
    }

    /** Enum values in lower, upper or capitalised case, sometimes quoted. */
    private static <E extends Enum<E>> Arbitrary<Written<E>> choice(E[] values) {
        return Combinators.combine(Arbitraries.of(values), Arbitraries.integers().between(0, 3)).as((value, style) -> {
            String lower = value.name().toLowerCase(Locale.ROOT);
            String text = switch (style) {
                case 0 -> lower;
                case 1 -> value.name();
                case 2 -> Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
                default -> "\"" + lower + "\"";
            };
            return new Written<>(value, text);
        });
    }

    /** A positive duration with a unit, written short ({@code 250ms}) or as ISO-8601 ({@code PT0.25S}). */
    private static Arbitrary<Written<Duration>> duration() {
        return Combinators.combine(Arbitraries.longs().between(1, 5_000),
                        Arbitraries.of(ChronoUnit.MILLIS, ChronoUnit.SECONDS, ChronoUnit.MINUTES, ChronoUnit.HOURS),
                        Arbitraries.of(true, false))
                .as((amount, unit, iso) -> {
                    Duration value = Duration.of(amount, unit);
                    String suffix = switch (unit) {
                        case MILLIS -> "ms";
                        case SECONDS -> "s";
                        case MINUTES -> "m";
                        default -> "h";
                    };
                    return new Written<>(value, iso ? value.toString() : amount + suffix);
                });
    }

    private static Arbitrary<Written<Integer>> wholeNumber() {
        return Arbitraries.integers().between(1, Integer.MAX_VALUE).map(n -> new Written<>(n, n.toString()));
    }

    private static Arbitrary<Written<Double>> decimal(double min, double max) {
        return Arbitraries.doubles().between(min, max).ofScale(6)
                .map(d -> new Written<>(d, Double.toString(d)));
    }
}
