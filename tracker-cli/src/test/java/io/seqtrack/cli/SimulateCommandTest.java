package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code tracker simulate} run in-process through {@link TrackerCli#run}. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulateCommandTest {

    private static final String[] SMALL = {"--aggregates", "200", "--events-per-aggregate", "20",
        "--gap-timeout", "100ms"};

    @Test
    void aSmallRunPassesVerificationAndPrintsTheTable() {
        Result result = simulate(SMALL);

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.out)
                .contains("seqtrack simulate: 200 aggregates x 20 events of user_account, seed 42")
                .contains("store memory", "gap policy SKIP after 100ms")
                .containsPattern("events generated\\s+4,000")
                .contains("duplicate copies recognised, not handled", "events sent out of order",
                        "held back for a predecessor, then handled", "missing events skipped after the gap timeout",
                        "  skip records (one per run of missing events)", "handled exactly once, in order", "parked",
                        "still buffered at the end", "elapsed", "throughput (events sent per second)")
                .contains("expected: what the generator made and sent (the truth); observed: what the processor "
                        + "reported")
                .doesNotContain("unseen", "(ranges)", "deliveries");
        assertThat(row(result.out, "parked")).endsWith(" 0               0");
        assertThat(row(result.out, "still buffered at the end")).endsWith(" 0               0");
        assertThat(lastLine(result.out)).isEqualTo("verification: PASSED");
        assertThat(result.err).isEmpty(); // no progress bar without a terminal
    }

    @Test
    void theGeneratorAndProcessorColumnsAgreeOnEveryCountTheGroundTruthFixes() {
        Result result = simulate(SMALL);

        for (String label : List.of("events sent, duplicate copies included",
                "duplicate copies recognised, not handled", "handled exactly once, in order",
                "missing events skipped after the gap timeout")) {
            String[] columns = row(result.out, label).substring(label.length()).trim().split("\\s+");
            assertThat(columns).as(label).hasSize(2);
            assertThat(columns[0]).as(label).isEqualTo(columns[1]);
        }
    }

    @Test
    void theSameSeedGeneratesTheSameStreamAndAnotherSeedAnotherOne() {
        List<String> first = generatedColumn(simulate(with(SMALL, "--seed", "7")).out);
        List<String> again = generatedColumn(simulate(with(SMALL, "--seed", "7")).out);
        List<String> other = generatedColumn(simulate(with(SMALL, "--seed", "8")).out);

        assertThat(first).hasSize(8).isEqualTo(again);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void extremeRatesStillVerify() {
        assertThat(simulate(with(SMALL, "--gap-rate", "1")).exitCode).isZero();
        assertThat(simulate(with(SMALL, "--duplicate-rate", "1", "--reorder-rate", "1", "--gap-rate", "0")).exitCode)
                .isZero();
        Result nothingOdd = simulate(with(SMALL, "--duplicate-rate", "0", "--reorder-rate", "0", "--gap-rate", "0"));
        assertThat(nothingOdd.exitCode).isZero();
        assertThat(row(nothingOdd.out, "held back for a predecessor, then handled")).endsWith(" 0");
    }

    @Test
    void aDomainFromAFileWithFirstSequenceZeroAndAggregateVersionsVerifies(@TempDir Path dir) throws IOException {
        Path domains = dir.resolve("domains.yaml");
        Files.writeString(domains, String.join("\n", "domains:", "  order_book:", "    mode: strict",
                "    firstSequence: 0", "    sequenceSource: aggregate_version", ""));

        Result result = simulate(with(SMALL, "--domains", domains.toString(), "--domain", "order_book",
                "--parallelism", "3"));

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.out).contains("events of order_book", "3 lanes");
        assertThat(lastLine(result.out)).isEqualTo("verification: PASSED");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--aggregates, 0, --aggregates must be at least 1",
        "--events-per-aggregate, -3, --events-per-aggregate must be at least 1",
        "--duplicate-rate, 1.5, --duplicate-rate must be within [0, 1]",
        "--reorder-rate, -0.1, --reorder-rate must be within [0, 1]",
        "--gap-rate, NaN, --gap-rate must be within [0, 1]",
        "--parallelism, 0, --parallelism must be within [1, 4096]",
        "--gap-timeout, 0ms, --gap-timeout must be positive",
        "--gap-timeout, soon, --gap-timeout",
        "--seed, x, --seed",
        "--events-per-aggregate, 100000, --aggregates x --events-per-aggregate must be at most 5,000,000",
        "--domain, nope, --domain: unknown domain 'nope'",
        "--domain, chat, --domain: 'chat' is DISABLED",
    })
    void badOptionsExitWithTwoAndNameTheOption(String option, String value, String message) {
        Result result = simulate(replacing(SMALL, option, value));

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.err).contains(message);
        assertThat(result.out).doesNotContain("verification");
    }

    @Test
    void anUnreachableRedisIsAFailureNotAVerdict() {
        Result result = simulate(with(SMALL, "--store", "redis://127.0.0.1:1", "--timeout", "500ms"));

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).startsWith("tracker: ");
        assertThat(result.out).doesNotContain("verification");
    }

    @Test
    void runsOnARealRedisAndVerifies() {
        try (RedisProcess redis = RedisProcess.start()) {
            String[] args = {"--store", redis.uri(), "--aggregates", "100", "--events-per-aggregate", "20",
                "--gap-timeout", "500ms", "--parallelism", "4"};

            Result first = simulate(args);
            // aggregate ids are unique per run, so a second run on the same store is not mistaken for redelivery
            Result second = simulate(args);

            assertThat(first.exitCode).as(first.toString()).isZero();
            assertThat(first.out).contains("store " + redis.uri(), "4 lanes");
            assertThat(lastLine(first.out)).isEqualTo("verification: PASSED");
            assertThat(second.exitCode).as(second.toString()).isZero();
            assertThat(generatedColumn(second.out)).isEqualTo(generatedColumn(first.out));
        }
    }

    /**
     * Issue 15, blocker 4: {@code simulate --store redis://…} adopted events other runs had buffered, fed them to its
     * synthetic handler, failed ("handler was given an event of an unknown aggregate") and had consumed them. It now
     * works under a key prefix of its own and adopts nothing.
     */
    @Test
    void regressionBlocker4_simulateOnRedisLeavesBufferedEventsOfOtherRunsUntouched() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisStoreConfig theirs = RedisStoreConfig.builder().uri(redis.uri())
                    .keyPrefix(StoreOptions.DEFAULT_KEY_PREFIX).build();
            AggregateKey other = AggregateKey.of("user_account", "someone-else");
            List<BufferedEvent> left = List.of(
                    new BufferedEvent(3, "theirs-3", "Changed", new byte[] {1}, Instant.parse("2026-01-01T00:00:00Z")),
                    new BufferedEvent(4, "theirs-4", "Changed", new byte[] {2}, Instant.parse("2026-01-01T00:00:01Z")));
            try (RedisEventBuffer buffer = RedisEventBuffer.create(theirs)) {
                left.forEach(e -> buffer.add(other, e, 1000));
            }

            Result result = simulate("--store", redis.uri(), "--aggregates", "50", "--events-per-aggregate", "10",
                    "--gap-timeout", "100ms", "--parallelism", "2");

            assertThat(result.exitCode).as(result.toString()).isZero();
            assertThat(lastLine(result.out)).isEqualTo("verification: PASSED");
            assertThat(result.out).contains("key prefix seqtrack-sim-");
            try (RedisEventBuffer buffer = RedisEventBuffer.create(theirs);
                    RedisSequenceStore store = RedisSequenceStore.create(theirs)) {
                assertThat(buffer.pending(other)).isEqualTo(left);
                assertThat(store.skippedRanges(other)).isEmpty();
                assertThat(buffer.parked(other)).isEmpty();
                assertThat(store.read(other).lastCommitted()).isZero();
            }
            assertThat(redis.cli("--scan", "--pattern", StoreOptions.DEFAULT_KEY_PREFIX + ":*"))
                    .as("the simulation wrote nothing under the default prefix").doesNotContain("sim-");
        }
    }

    /**
     * docs/cli.md: under a prefix {@code --key-prefix} names — one an earlier run or an application still uses — simulate
     * still never adopts buffered events it did not write. Its own key space no longer protects them there: only its
     * processor's {@code adoptOrphanedBuffers(false)} does (without it, the sweep at start finds them, the simulation's
     * gap policy SKIP skips what they wait for, and the synthetic handler consumes them).
     */
    @Test
    void simulateUnderANamedKeyPrefixLeavesBufferedEventsItDidNotWriteUntouched() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisStoreConfig shared = RedisStoreConfig.builder().uri(redis.uri()).keyPrefix("shared-sim").build();
            AggregateKey other = AggregateKey.of("user_account", "earlier-run");
            List<BufferedEvent> left = List.of(
                    new BufferedEvent(3, "theirs-3", "Changed", new byte[] {1}, Instant.parse("2026-01-01T00:00:00Z")));
            try (RedisEventBuffer buffer = RedisEventBuffer.create(shared)) {
                left.forEach(e -> buffer.add(other, e, 1000));
            }

            Result result = simulate("--store", redis.uri(), "--key-prefix", "shared-sim", "--aggregates", "20",
                    "--events-per-aggregate", "10", "--gap-timeout", "100ms", "--parallelism", "2");

            assertThat(result.exitCode).as(result.toString()).isZero();
            assertThat(lastLine(result.out)).isEqualTo("verification: PASSED");
            assertThat(result.out).contains("key prefix shared-sim");
            try (RedisEventBuffer buffer = RedisEventBuffer.create(shared);
                    RedisSequenceStore store = RedisSequenceStore.create(shared)) {
                assertThat(buffer.pending(other)).isEqualTo(left);
                assertThat(store.skippedRanges(other)).isEmpty();
                assertThat(buffer.parked(other)).isEmpty();
                assertThat(store.read(other).lastCommitted()).isZero();
            }
        }
    }

    @Test
    void helpDescribesTheOptions() {
        Result result = simulate("--help");

        assertThat(result.exitCode).isZero();
        assertThat(result.out).contains("--aggregates", "--events-per-aggregate", "--duplicate-rate",
                "--reorder-rate", "--gap-rate", "--seed", "--parallelism", "--store", "--domains", "--domain",
                "--gap-timeout");
    }

    // ------------------------------------------------------------------ helpers

    private record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n" + out + "\n" + err;
        }
    }

    private static Result simulate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = Stream.concat(Stream.of("simulate"), Arrays.stream(args)).toArray(String[]::new);
        int code = TrackerCli.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(Arrays.asList(base));
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    /** {@code base} with {@code option} set to {@code value}, replacing the value it had there. */
    private static String[] replacing(String[] base, String option, String value) {
        List<String> all = new ArrayList<>(Arrays.asList(base));
        int at = all.indexOf(option);
        if (at >= 0) {
            all.set(at + 1, value);
            return all.toArray(String[]::new);
        }
        return with(base, option, value);
    }

    private static String row(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + label + "' in\n" + out));
    }

    private static String lastLine(String out) {
        List<String> lines = out.lines().collect(Collectors.toList());
        return lines.get(lines.size() - 1);
    }

    /** The ground-truth rows (the generated column never depends on timing). */
    private static List<String> generatedColumn(String out) {
        return Stream.of("events generated", "  never sent (gaps that never fill)",
                "events sent, duplicate copies included", "duplicate copies recognised, not handled",
                "events sent out of order", "missing events skipped after the gap timeout",
                "missing at an aggregate's end (no later event)", "handled exactly once, in order")
                .map(label -> row(out, label).substring(0, 58))
                .collect(Collectors.toList());
    }
}
