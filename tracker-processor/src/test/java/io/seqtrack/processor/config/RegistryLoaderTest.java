package io.seqtrack.processor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.registry.SequenceSource;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RegistryLoaderTest {

    @Test
    void loadsEveryFieldOfAFullFile() {
        DomainRegistry registry = RegistryLoader.load(resource("full.yaml"));

        assertThat(registry.registrations()).containsExactly(
                DomainRegistration.builder("user_account")
                        .mode(TrackingMode.STRICT)
                        .sequenceSource(SequenceSource.AGGREGATE_VERSION)
                        .firstSequence(0)
                        .leaseTtl(Duration.ofSeconds(45))
                        .gapTimeout(Duration.ofMinutes(2))
                        .gapPolicy(GapPolicy.SKIP)
                        .maxBufferedPerAggregate(250)
                        .retryPolicy(RetryPolicy.builder()
                                .maxAttempts(7)
                                .initialBackoff(Duration.ofMillis(250))
                                .maxBackoff(Duration.ofMinutes(1))
                                .multiplier(1.5)
                                .jitter(0.1)
                                .build())
                        .build(),
                DomainRegistration.builder("company")
                        .mode(TrackingMode.MONOTONIC)
                        .leaseTtl(Duration.ofHours(1))
                        .gapPolicy(GapPolicy.FAIL)
                        .build(),
                DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build());
    }

    @Test
    void seedFileIsTheSeedRegistry() {
        assertThat(RegistryLoader.load(resource("seed.yaml")).registrations())
                .isEqualTo(DomainRegistry.seedDefaults().registrations());
    }

    @Test
    void omittedFieldsTakeTheRegistrationDefaults() {
        DomainRegistry registry = RegistryLoader.load(resource("defaults.yaml"));

        assertThat(registry.registrations()).containsExactly(
                DomainRegistration.builder("company").build(),
                DomainRegistration.builder("audit").build(),
                DomainRegistration.builder("billing").build(),
                DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build());
        DomainRegistration company = registry.lookup("company");
        assertThat(company.mode()).isEqualTo(TrackingMode.STRICT);
        assertThat(company.sequenceSource()).isEqualTo(SequenceSource.SEQUENCE_NUMBER);
        assertThat(company.firstSequence()).isEqualTo(1);
        assertThat(company.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(company.gapTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(company.gapPolicy()).isEqualTo(GapPolicy.PARK);
        assertThat(company.maxBufferedPerAggregate()).isEqualTo(1_000);
        assertThat(company.retryPolicy()).isEqualTo(RetryPolicy.defaults());
    }

    @Test
    void omittedRetryFieldsTakeTheRetryDefaults() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  user_account:
                    retry:
                      maxAttempts: 3
                """, "inline.yaml");

        assertThat(registry.lookup("user_account").retryPolicy())
                .isEqualTo(RetryPolicy.builder().maxAttempts(3).build());
    }

    @Test
    void anchorsAndMergeKeysShareSettings() {
        DomainRegistry registry = RegistryLoader.load(resource("shared-settings.yaml"));

        RetryPolicy patient = RetryPolicy.builder().maxAttempts(10).maxBackoff(Duration.ofMinutes(1)).build();
        DomainRegistration userAccount = DomainRegistration.builder("user_account").leaseTtl(Duration.ofSeconds(10))
                .gapPolicy(GapPolicy.SKIP).retryPolicy(patient).build();
        assertThat(registry.registrations()).containsExactly(
                userAccount,
                DomainRegistration.builder("billing").leaseTtl(Duration.ofSeconds(10)).gapPolicy(GapPolicy.FAIL)
                        .retryPolicy(patient).build(),
                DomainRegistration.builder("reports").mode(TrackingMode.MONOTONIC).retryPolicy(patient).build());
    }

    @Test
    void keysSetInTheMapWinOverMergedOnesAndTheFirstMergedMapWins() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  fast: &fast
                    leaseTtl: 5s
                    gapTimeout: 5s
                  lenient: &lenient
                    gapTimeout: 5m
                    gapPolicy: skip
                  mixed:
                    <<: [*fast, *lenient]
                    leaseTtl: 1m
                """, "inline.yaml");

        assertThat(registry.lookup("mixed")).isEqualTo(DomainRegistration.builder("mixed")
                .leaseTtl(Duration.ofMinutes(1)).gapTimeout(Duration.ofSeconds(5)).gapPolicy(GapPolicy.SKIP).build());
    }

    @Test
    void keepsTheOrderOfTheFile() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  zeta: {}
                  alpha: {}
                  mid: {}
                """, "inline.yaml");

        assertThat(registry.registrations()).extracting(DomainRegistration::name)
                .containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void enumValuesIgnoreCase() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  a: { mode: Monotonic, sequenceSource: AGGREGATE_VERSION, gapPolicy: Skip }
                  b: { mode: "DISABLED", sequenceSource: Sequence_Number, gapPolicy: park }
                """, "inline.yaml");

        assertThat(registry.lookup("a")).isEqualTo(DomainRegistration.builder("a").mode(TrackingMode.MONOTONIC)
                .sequenceSource(SequenceSource.AGGREGATE_VERSION).gapPolicy(GapPolicy.SKIP).build());
        assertThat(registry.lookup("b")).isEqualTo(DomainRegistration.builder("b").mode(TrackingMode.DISABLED).build());
    }

    @Test
    void numbersMayBeQuotedOrUseUnderscores() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  a:
                    maxBufferedPerAggregate: 10_000
                    firstSequence: "0"
                    retry: { maxAttempts: +3, multiplier: 2, jitter: .5 }
                """, "inline.yaml");

        assertThat(registry.lookup("a")).isEqualTo(DomainRegistration.builder("a").maxBufferedPerAggregate(10_000)
                .firstSequence(0).retryPolicy(RetryPolicy.builder().maxAttempts(3).multiplier(2).jitter(0.5).build())
                .build());
    }

    /** RetryPolicy compares doubles with == but hashes their bits; the loader must not hand it a -0.0. */
    @Test
    void negativeZeroJitterLoadsAsZero() {
        RetryPolicy loaded = RegistryLoader.parse("""
                domains:
                  a:
                    retry: { jitter: -0.0 }
                """, "inline.yaml").lookup("a").retryPolicy();

        RetryPolicy zero = RetryPolicy.builder().jitter(0.0).build();
        assertThat(loaded).isEqualTo(zero);
        assertThat(loaded.hashCode()).isEqualTo(zero.hashCode());
    }

    /** Keys are read as text, so YAML 1.1 booleans and nulls are ordinary domain names (no "Norway problem"). */
    @Test
    void domainNamesAreTakenLiterally() {
        DomainRegistry registry = RegistryLoader.parse("""
                domains:
                  on:
                  no:
                  null:
                  y: { mode: disabled }
                """, "inline.yaml");

        assertThat(registry.registrations()).extracting(DomainRegistration::name)
                .containsExactly("on", "no", "null", "y");
    }

    @Test
    void acceptsAByteOrderMarkAndTheExplicitDocumentMarkers() {
        DomainRegistry registry = RegistryLoader.parse("\uFEFF---\ndomains:\n  chat: { mode: disabled }\n...\n",
                "inline.yaml");

        assertThat(registry.lookup("chat").mode()).isEqualTo(TrackingMode.DISABLED);
    }

    static Path resource(String name) {
        try {
            return Path.of(RegistryLoaderTest.class.getResource("/registry/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("missing test resource registry/" + name, e);
        }
    }
}
