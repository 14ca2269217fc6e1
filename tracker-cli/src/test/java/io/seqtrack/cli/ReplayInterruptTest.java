package io.seqtrack.cli;

import static io.seqtrack.cli.ReplayTestSupport.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, blocker 2: Ctrl-C during {@code replay} exited 130 with no summary and a processed file cut mid-line. A
 * real {@code tracker} JVM on the in-memory store, with a slow handler, is signalled mid-run: it stops reading, writes
 * whole lines only and a summary marked interrupted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplayInterruptTest {

    private static final int AGGREGATES = 20;
    private static final int PER_AGGREGATE = 100;

    @TempDir
    Path dir;

    @Test
    void regressionBlocker2_sigintWritesWholeLinesAndASummaryMarkedInterrupted() throws IOException {
        try (TrackerProcess tracker = startSlowReplay()) {
            Assumptions.assumeFalse(tracker.ignoresSigint(), "this test's JVM was started with SIGINT ignored");
            awaitSomeProcessed(tracker);

            tracker.signal("INT");

            assertInterrupted(tracker, 130);
        }
    }

    @Test
    void sigtermWritesWholeLinesAndASummaryMarkedInterrupted() throws IOException {
        try (TrackerProcess tracker = startSlowReplay()) {
            awaitSomeProcessed(tracker);

            tracker.signal("TERM");

            assertInterrupted(tracker, 143);
        }
    }

    private TrackerProcess startSlowReplay() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(user("u-late", 2)); // waits in the buffer for #1, the file's last line, which an interrupted run never reads
        for (int seq = 1; seq <= PER_AGGREGATE; seq++) {
            for (int a = 0; a < AGGREGATES; a++) {
                lines.add(user("u-" + a, seq));
            }
        }
        lines.add(user("u-late", 1));
        Path events = Files.write(dir.resolve("events.jsonl"), lines, StandardCharsets.UTF_8);
        return TrackerProcess.start(dir, "replay", List.of("replay", "--events", events.toString(),
                "--handler-delay", "5ms", "--worker-id", "w-1",
                "--processed", dir.resolve("processed.jsonl").toString(),
                "--parked", dir.resolve("parked.jsonl").toString(),
                "--rejected", dir.resolve("rejected.jsonl").toString(),
                "--summary", dir.resolve("summary.json").toString()));
    }

    private void awaitSomeProcessed(TrackerProcess tracker) {
        tracker.awaitWhileRunning(() -> TrackerProcess.lineCount(dir.resolve("processed.jsonl")) >= 30,
                Duration.ofSeconds(60), "30 events processed");
    }

    private void assertInterrupted(TrackerProcess tracker, int exitCode) throws IOException {
        assertThat(tracker.awaitExit(Duration.ofSeconds(60))).as(tracker.err()).isEqualTo(exitCode);
        List<JsonNode> processed = TrackerProcess.wholeLines(dir.resolve("processed.jsonl"));
        assertThat(processed).allSatisfy(line -> {
            assertThat(line.get("workerId").asText()).isEqualTo("w-1");
            assertThat(line.get("fencingToken").asLong()).isPositive();
        });
        assertThat(Files.exists(dir.resolve("summary.json"))).as("summary written; stderr: %s", tracker.err()).isTrue();
        JsonNode summary = ReplayTestSupport.MAPPER.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("interrupted");
        assertThat(summary.get("received").asLong()).isLessThan((long) AGGREGATES * PER_AGGREGATE);
        // issue 15, item 9: an interrupted run's lines balance too; the early event is still buffered at the end
        Map<String, Long> fates = ReplayTestSupport.assertBalanced(summary);
        assertThat(fates.get("buffered")).isEqualTo(1);
        assertThat(fates.get("processed")).isEqualTo(processed.size());
        // on the in-memory store every handled event is committed before the next line is read
        assertThat(summary.get("processed").asLong()).isEqualTo(processed.size());
        assertThat(tracker.out()).contains("INTERRUPTED");
        assertThat(tracker.err()).contains("replay interrupted");
    }
}
