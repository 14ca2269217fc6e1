package io.seqtrack.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.processor.Outcome;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the embedding example the way docs/embedding.md tells a reader to, on both stores, and checks its report. */
@Timeout(120)
class EmbeddingExampleTest {

    private static final Path SAMPLE_DOMAINS = Path.of("..", "samples", "domains.yaml");

    @Test
    void mainOnTheInMemoryStore_handlesEveryEventOnceInOrder_andAcknowledgesBufferedEventsOnlyAfterRedelivery()
            throws Exception {
        String output = runMain();

        assertThat(output)
                .contains("store memory (in-memory buffer), registry DomainRegistry.seedDefaults()")
                .contains("unacknowledged 0")
                .contains("in order per account: yes");
        assertThat(line(output, "outcomes")).contains("PROCESSED", "DUPLICATE", "BUFFERED");
        assertThat(line(output, "redelivered")).as("BUFFERED is held back from the broker with the in-memory buffer")
                .doesNotStartWith("redelivered    0 ")
                .contains("DUPLICATE").doesNotContain("PROCESSED");
    }

    @Test
    void theReportCountsAddUp() throws Exception {
        EmbeddingExample.Report report = EmbeddingExample.run(EmbeddingExample.Options.parse(new String[0]));

        int buffered = report.firstDelivery().getOrDefault(Outcome.BUFFERED, 0);
        assertThat(report.firstDelivery().values().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(report.messages());
        assertThat(report.redeliveries()).as("exactly the BUFFERED deliveries come back").isEqualTo(buffered);
        assertThat(report.redelivery()).containsOnlyKeys(Outcome.DUPLICATE);
        assertThat(report.drainedFromBuffer()).isPositive().isLessThanOrEqualTo(buffered);
        assertThat(report.complete()).isTrue();
    }

    @Test
    void onRedisWithTheRegistryFile_bufferedEventsAreAcknowledgedAtOnce() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            String output = runMain("--store", redis.uri(), "--domains", SAMPLE_DOMAINS.toString(), "--seed", "7");

            assertThat(output)
                    .contains("store " + redis.uri() + " (durable buffer), registry " + SAMPLE_DOMAINS)
                    .contains("redelivered    0 not acknowledged at first")
                    .contains("unacknowledged 0")
                    .contains("in order per account: yes");
            assertThat(line(output, "outcomes")).contains("BUFFERED");
        }
    }

    @Test
    void acknowledgingFollowsTheBuffersDurability() {
        // the truth in Outcome: BUFFERED and PARKED count as safe, because the processor holds them in its buffer
        assertThat(Outcome.BUFFERED.safeToAcknowledge()).isTrue();
        assertThat(Outcome.PARKED.safeToAcknowledge()).isTrue();

        assertThat(EmbeddingExample.mayAcknowledge(Outcome.BUFFERED, false)).isFalse();
        assertThat(EmbeddingExample.mayAcknowledge(Outcome.PARKED, false)).isFalse();
        assertThat(EmbeddingExample.mayAcknowledge(Outcome.BUFFERED, true)).isTrue();
        assertThat(EmbeddingExample.mayAcknowledge(Outcome.PARKED, true)).isTrue();
        for (boolean durable : new boolean[] {false, true}) {
            assertThat(EmbeddingExample.mayAcknowledge(Outcome.PROCESSED, durable)).isTrue();
            assertThat(EmbeddingExample.mayAcknowledge(Outcome.DUPLICATE, durable)).isTrue();
            assertThat(EmbeddingExample.mayAcknowledge(Outcome.REJECTED, durable)).isTrue();
            assertThat(EmbeddingExample.mayAcknowledge(Outcome.BUFFER_FULL, durable)).isFalse();
        }
    }

    private static String runMain(String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EmbeddingExample.main(args);
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static String line(String output, String label) {
        return output.lines().map(String::strip).filter(l -> l.startsWith(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + label + "' in:\n" + output));
    }
}
