package io.seqtrack.processor.config;

import static io.seqtrack.processor.config.RegistryLoaderTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.SequenceTrackingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every way a registry file can be wrong: each names the file, the line and the field, and loads nothing. */
class RegistryFileErrorsTest {

    // ---- the message format ----

    @Test
    void messageNamesFileLineAndField() {
        String yaml = """
                # A lease must be positive.
                domains:
                  user_account:
                    mode: strict
                    sequenceSource: sequence_number
                    firstSequence: 1
                    leaseTtl: -1s
                """;

        RegistryFileException e = fails(() -> RegistryLoader.parse(yaml, "registry.yaml"));

        assertThat(e).hasMessage("registry.yaml:7: domains.user_account.leaseTtl: must be positive, was PT-1S");
        assertThat(e.file()).isEqualTo("registry.yaml");
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.field()).isEqualTo("domains.user_account.leaseTtl");
        assertThat(e.reason()).isEqualTo("must be positive, was PT-1S");
        assertThat(e).isInstanceOf(SequenceTrackingException.class)
                .hasCauseInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void aLoadedFileIsNamedByItsPath() {
        Path file = resource("negative-lease-ttl.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 7, "domains.user_account.leaseTtl", "must be positive, was PT-1S");
    }

    // ---- unknown keys ----

    @Test
    void unknownDomainKeyIsNamedWithTheAllowedKeys() {
        Path file = resource("unknown-key.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 6, "domains.company.leaseTTL", "unknown key 'leaseTTL' (did you mean 'leaseTtl'?); "
                + "allowed keys: mode, sequenceSource, firstSequence, leaseTtl, gapTimeout, gapPolicy, "
                + "maxBufferedPerAggregate, retry");
    }

    @Test
    void unknownRetryKeyIsNamedWithTheAllowedKeys() {
        Path file = resource("unknown-retry-key.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 5, "domains.user_account.retry.backoff",
                "unknown key 'backoff'; allowed keys: maxAttempts, initialBackoff, maxBackoff, multiplier, jitter");
    }

    @Test
    void unknownTopLevelKeySuggestsTheNearestOne() {
        Path file = resource("missing-domains.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 1, "domain", "unknown key 'domain' (did you mean 'domains'?); allowed keys: domains");
    }

    @Test
    void snakeCaseSpellingOfAKeySuggestsTheCamelCaseOne() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    retry:
                      max_attempts: 3
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.max_attempts", "(did you mean 'maxAttempts'?)");
    }

    @Test
    void unknownKeyAfterAMergeIsStillAnUnknownKey() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: &base
                    mode: strict
                  b:
                    <<: *base
                    colour: blue
                """, "r.yaml"));

        assertError(e, "r.yaml", 6, "domains.b.colour", "unknown key 'colour'");
    }

    @Test
    void mergeOfSomethingOtherThanAMapNamesItsLine() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    <<: 5
                    mode: strict
                  b:
                    mode: strict
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.<<", "must be a map or a list of maps (such as *defaults), was '5'");
    }

    /** Regression: SnakeYAML's own merge-on-compose never returns on this file. */
    @Test
    @Timeout(10)
    void mapThatMergesItselfIsRejected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: &a
                    mode: strict
                    <<: *a
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.<<", "merges a map that contains it");
    }

    // ---- wrong types ----

    @Test
    void listWhereAMapIsExpected() {
        Path file = resource("list-for-map.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 5, "domains.user_account.retry", "must be a map, was a list");
    }

    @Test
    void textWhereANumberIsExpected() {
        Path file = resource("text-for-number.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 4, "domains.user_account.retry.maxAttempts",
                "must be a whole number, was 'five'");
    }

    @Test
    void fractionWhereAWholeNumberIsExpected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    maxBufferedPerAggregate: 10.5
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.maxBufferedPerAggregate", "must be a whole number, was '10.5'");
    }

    @Test
    void numberTooLargeForTheField() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    maxBufferedPerAggregate: 3000000000
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.maxBufferedPerAggregate", "must be at most 2147483647, was 3000000000");
    }

    @Test
    void aMegabyteOfDigitsIsOutOfRangeAndAbbreviated() {
        String digits = "9".repeat(500_000);

        RegistryFileException e = fails(() -> RegistryLoader.parse(
                "domains:\n  a:\n    retry:\n      maxAttempts: " + digits + "\n", "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.maxAttempts", "must be at most 2147483647, was 999");
        assertThat(e.reason()).hasSizeLessThan(100).endsWith("...");
    }

    @Test
    void textWhereADecimalIsExpected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    retry:
                      multiplier: .inf
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.multiplier", "must be a number, was '.inf'");
    }

    @Test
    void mapWhereAValueIsExpected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    mode:
                      name: strict
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.mode", "must be one of strict, monotonic, disabled, was a map");
    }

    @Test
    void textWhereADomainMapIsExpected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  user_account: strict
                """, "r.yaml"));

        assertError(e, "r.yaml", 2, "domains.user_account", "must be a map, was 'strict'");
    }

    @Test
    void listOfDomainsInsteadOfAMap() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  - user_account
                  - company
                """, "r.yaml"));

        assertError(e, "r.yaml", 2, "domains", "must be a map, was a list");
    }

    @Test
    void keyThatIsNotText() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  ? [user_account, company]
                  : { mode: strict }
                """, "r.yaml"));

        assertError(e, "r.yaml", 2, "domains", "keys must be plain text, found a list");
    }

    @Test
    void emptyValueIsNotTheDefault() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    leaseTtl:
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.leaseTtl", "has no value; write a duration such as 500ms, 30s, 5m, "
                + "1h or PT30S, or remove the key to take the default");
    }

    @Test
    void applicationTagsAreRejected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    mode: !custom strict
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.mode", "unsupported YAML tag !custom");
    }

    /** SnakeYAML's safe defaults: a global tag naming a Java or Python type never gets near a constructor. */
    @Test
    void globalTypeTagsAreRejected() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: !!javax.script.ScriptEngineManager [ ]
                """, "r.yaml"));

        assertThat(e.file()).isEqualTo("r.yaml");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).contains("tag");
    }

    // ---- bad values, mapped from the registration builders ----

    @Test
    void badEnumValueListsTheChoices() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    gapPolicy: drop
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.gapPolicy", "must be one of park, skip, fail, was 'drop'");
    }

    @Test
    void badDurationShowsTheSyntax() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    gapTimeout: 30
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.gapTimeout",
                "must be a duration such as 500ms, 30s, 5m, 1h or PT30S, was '30'");
    }

    @Test
    void firstSequenceOutsideZeroOrOne() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    firstSequence: 2
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.firstSequence", "must be 0 or 1, was 2");
    }

    @Test
    void zeroGapTimeout() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    gapTimeout: 0s
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.gapTimeout", "must be positive, was PT0S");
    }

    @Test
    void bufferLimitBelowOne() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    maxBufferedPerAggregate: 0
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains.a.maxBufferedPerAggregate", "must be >= 1, was 0");
    }

    @Test
    void jitterAboveOne() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    retry:
                      jitter: 1.5
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.jitter", "must be within [0, 1], was 1.5");
    }

    @Test
    void maxBackoffBelowInitialBackoffBlamesMaxBackoff() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    retry:
                      maxBackoff: 1s
                      initialBackoff: 2s
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.maxBackoff", "must not be below initialBackoff PT2S, was PT1S");
    }

    @Test
    void initialBackoffAboveTheDefaultMaxBackoffBlamesInitialBackoff() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a:
                    retry:
                      initialBackoff: 20s
                """, "r.yaml"));

        assertError(e, "r.yaml", 4, "domains.a.retry.initialBackoff",
                "must not be above maxBackoff PT10S (the default; set maxBackoff too)");
    }

    // ---- duplicates and names ----

    @Test
    void duplicateDomainNamesBothLines() {
        Path file = resource("duplicate-domain.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 8, "domains.company", "is defined twice, first at line 4");
    }

    @Test
    void duplicateKeyInADomainNamesBothLines() {
        Path file = resource("duplicate-key.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 5, "domains.user_account.mode", "is defined twice, first at line 3");
    }

    @Test
    void duplicateTopLevelKey() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: {}
                domains:
                  b: {}
                """, "r.yaml"));

        assertError(e, "r.yaml", 3, "domains", "is defined twice, first at line 1");
    }

    @Test
    void invalidDomainName() {
        Path file = resource("invalid-domain-name.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 4, "domains.UserAccount", "invalid domain name: must be lower_snake_case "
                + "starting with a letter (e.g. user_account), was 'UserAccount'");
    }

    @Test
    void domainNameTooLong() {
        String name = "a".repeat(65);

        RegistryFileException e = fails(() -> RegistryLoader.parse("domains:\n  " + name + ": {}\n", "r.yaml"));

        assertError(e, "r.yaml", 2, "domains." + name, "invalid domain name: must be at most 64 characters, was 65");
    }

    // ---- empty and missing ----

    @Test
    void emptyFile() {
        Path file = resource("empty.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 1, "domains", "is missing (the file is empty)");
    }

    @Test
    void fileWithOnlyComments() {
        Path file = resource("comments-only.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertError(e, file.toString(), 1, "domains", "is missing (the file is empty)");
    }

    @Test
    void missingDomainsKey() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("{}\n", "r.yaml"));

        assertError(e, "r.yaml", 1, "domains", "is missing");
    }

    @Test
    void domainsWithoutAnyDomain() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("# header\ndomains:\n", "r.yaml"));
        RegistryFileException emptyMap = fails(() -> RegistryLoader.parse("domains: {}\n", "r.yaml"));

        assertError(e, "r.yaml", 2, "domains", "must register at least one domain");
        assertError(emptyMap, "r.yaml", 1, "domains", "must register at least one domain");
    }

    @Test
    void rootThatIsNotAMap() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("- user_account\n- company\n", "r.yaml"));

        assertThat(e).hasMessage("r.yaml:1: the file must hold a map with the key 'domains', was a list");
        assertThat(e.field()).isEmpty();
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        Path file = dir.resolve("nowhere/registry.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isZero();
        assertThat(e.field()).isEmpty();
        assertThat(e).hasMessage(file + ": file not found (" + file.toAbsolutePath() + ")");
    }

    @Test
    void directoryInsteadOfAFile(@TempDir Path dir) {
        RegistryFileException e = fails(() -> RegistryLoader.load(dir));

        assertThat(e).hasMessage(dir + ": is a directory, not a registry file");
    }

    @Test
    void fileThatIsNotUtf8(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "domains:\n  caf\u00e9: {}\n".getBytes(StandardCharsets.ISO_8859_1));

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertThat(e).hasMessage(file + ": is not UTF-8 text");
    }

    // ---- YAML syntax ----

    @Test
    void malformedYamlNamesTheLine() {
        Path file = resource("malformed.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.field()).isEmpty();
        assertThat(e.reason()).startsWith("invalid YAML: ").contains("while parsing a flow sequence at line 5");
        assertThat(e.getMessage()).startsWith(file + ":6: invalid YAML: ");
    }

    @Test
    void badIndentationNamesTheLine() {
        Path file = resource("bad-indentation.yaml");

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertThat(e.line()).isEqualTo(4);
        assertThat(e.reason()).startsWith("invalid YAML: ");
    }

    @Test
    void tabIndentation() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("domains:\n\tchat: {}\n", "r.yaml"));

        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).startsWith("invalid YAML: ");
    }

    @Test
    void moreThanOneDocument() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: {}
                ---
                domains:
                  b: {}
                """, "r.yaml"));

        assertThat(e).hasMessage("r.yaml:3: holds more than one YAML document; expected one");
    }

    @Test
    void controlCharacterNamesItsLine() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("domains:\n  a:\n    mode: st\u0007rict\n", "r.yaml"));

        assertThat(e).hasMessage("r.yaml:3: invalid YAML: character U+0007 is not allowed");
    }

    @Test
    void undefinedAlias() {
        RegistryFileException e = fails(() -> RegistryLoader.parse("""
                domains:
                  a: *nowhere
                """, "r.yaml"));

        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).contains("nowhere");
    }

    // ---- limits ----

    @Test
    void aliasBombIsCutShort() {
        StringBuilder yaml = new StringBuilder("domains:\n  a: &x [1, 2]\n");
        for (int i = 0; i < 100; i++) {
            yaml.append("  b").append(i).append(": [*x, *x, *x, *x, *x, *x, *x, *x, *x]\n");
        }

        RegistryFileException e = fails(() -> RegistryLoader.parse(yaml.toString(), "r.yaml"));

        assertThat(e.reason()).contains("aliases");
    }

    @Test
    @Timeout(10)
    void mergeBombIsCutShort() {
        StringBuilder yaml = new StringBuilder("domains:\n  a0: &a0 {mode: strict}\n");
        for (int level = 1; level <= 24; level++) { // 48 aliases, under the alias limit, but 2^24 merges
            yaml.append("  a").append(level).append(": &a").append(level)
                    .append(" {<<: [*a").append(level - 1).append(", *a").append(level - 1).append("]}\n");
        }

        RegistryFileException e = fails(() -> RegistryLoader.parse(yaml.toString(), "r.yaml"));

        assertThat(e.reason()).isEqualTo("too many merges (more than " + RegistryNodes.MAX_MERGES + ")");
        assertThat(e.line()).isBetween(3, 26);
    }

    @Test
    void deepNestingIsCutShort() {
        String yaml = "domains: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";

        RegistryFileException e = fails(() -> RegistryLoader.parse(yaml, "r.yaml"));

        assertThat(e.reason()).contains("Nesting");
    }

    @Test
    void hugeTextIsCutShort() {
        String yaml = "# " + "x".repeat(RegistryYaml.MAX_CODE_POINTS) + "\ndomains:\n  a: {}\n";

        RegistryFileException e = fails(() -> RegistryLoader.parse(yaml, "r.yaml"));

        assertThat(e.reason()).startsWith("invalid YAML: ").contains("limit");
    }

    @Test
    void hugeFileIsNotRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.yaml");
        Files.write(file, new byte[(int) RegistryLoader.MAX_FILE_BYTES + 1]);

        RegistryFileException e = fails(() -> RegistryLoader.load(file));

        assertThat(e.reason()).startsWith("is too large for a registry file");
    }

    private static RegistryFileException fails(ThrowingCallable load) {
        RegistryFileException e = catchThrowableOfType(RegistryFileException.class, load);
        assertThat(e).as("expected a RegistryFileException").isNotNull();
        return e;
    }

    private static void assertError(RegistryFileException e, String file, int line, String field, String reason) {
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.line()).isEqualTo(line);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.reason()).contains(reason);
        assertThat(e).hasMessage(file + ":" + line + ": " + field + ": " + e.reason());
    }
}
