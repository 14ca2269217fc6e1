package io.seqtrack.cli;

import static io.seqtrack.cli.ReplayTestSupport.tracker;
import static io.seqtrack.cli.ReplayTestSupport.user;
import static io.seqtrack.cli.ReplayTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.cli.ReplayTestSupport.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, blocker 1: {@code replay --processed samples/events.jsonl} truncated its own input and reported "received
 * 0 line(s)" with exit 0; two outputs on one path lost lines. Every output that is the input, or another output, is
 * refused with exit 2 before anything is opened. Blocker 3: with {@code --summary missing-dir/s.json} every event was
 * committed and then the run failed; every output is checked up front.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplayOutputPathsTest {

    @TempDir
    Path dir;

    private Path events;
    private byte[] original;

    @BeforeEach
    void writeEvents() throws IOException {
        events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 2), user("u-1", 3));
        original = Files.readAllBytes(events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--processed", "--parked", "--rejected", "--summary"})
    void regressionBlocker1_anOutputOnTheEventsFileIsRefusedAndTheInputIsUnchanged(String option) throws IOException {
        Result result = tracker("replay", "--events", events.toString(), option, events.toString());

        assertRefused(result, option, "--events", events);
        assertThat(result.err()).contains("destroy the input");
        assertThat(Files.readAllBytes(events)).isEqualTo(original);
    }

    @Test
    void theSameFileReachedThroughDotDotIsRefused() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Path sameThroughDotDot = dir.resolve("sub").resolve("..").resolve("events.jsonl");

        Result result = tracker("replay", "--events", events.toString(), "--processed", sameThroughDotDot.toString());

        assertRefused(result, "--processed", "--events", sameThroughDotDot);
        assertThat(Files.readAllBytes(events)).isEqualTo(original);
    }

    @Test
    void theSameFileReachedThroughASymbolicLinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), events);

        Result result = tracker("replay", "--events", events.toString(), "--rejected", link.toString());

        assertRefused(result, "--rejected", "--events", link);
        assertThat(Files.readAllBytes(events)).isEqualTo(original);
    }

    @Test
    void theSameFileReachedThroughAHardLinkIsRefused() throws IOException {
        Path hardLink = Files.createLink(dir.resolve("hard.jsonl"), events);

        Result result = tracker("replay", "--events", hardLink.toString(), "--summary", events.toString());

        assertRefused(result, "--summary", "--events", events);
        assertThat(Files.readAllBytes(events)).isEqualTo(original);
    }

    @Test
    void twoOutputsOnOneNewPathAreRefusedAndNeitherIsCreated() {
        Path out = dir.resolve("out.jsonl");

        Result result = tracker("replay", "--events", events.toString(), "--processed", out.toString(),
                "--parked", out.toString());

        assertRefused(result, "--parked", "--processed", out);
        assertThat(result.err()).contains("overwrite each other");
        assertThat(out).doesNotExist();
    }

    @Test
    void twoOutputsOnOneNewFileThroughALinkedDirectoryAreRefused() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path linkedDir = Files.createSymbolicLink(dir.resolve("linked"), real);

        Result result = tracker("replay", "--events", events.toString(),
                "--processed", real.resolve("out.jsonl").toString(),
                "--summary", linkedDir.resolve("out.jsonl").toString());

        assertRefused(result, "--summary", "--processed", linkedDir.resolve("out.jsonl"));
        assertThat(real.resolve("out.jsonl")).doesNotExist();
    }

    @Test
    void aDanglingSymbolicLinkToAnotherOutputIsRefused() throws IOException {
        Path target = dir.resolve("parked.jsonl");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.jsonl"), target);

        Result result = tracker("replay", "--events", events.toString(), "--parked", target.toString(),
                "--rejected", dangling.toString());

        assertRefused(result, "--rejected", "--parked", dangling);
        assertThat(target).doesNotExist();
    }

    @Test
    void anOutputOnTheDomainsFileIsRefused() throws IOException {
        Path domains = write(dir, "domains.yaml", "domains:", "  user_account: {}");
        byte[] registry = Files.readAllBytes(domains);

        Result result = tracker("replay", "--events", events.toString(), "--domains", domains.toString(),
                "--processed", domains.toString());

        assertRefused(result, "--processed", "--domains", domains);
        assertThat(Files.readAllBytes(domains)).isEqualTo(registry);
    }

    @Test
    void parkedReplayRefusesAProcessedFileOnTheDomainsFileBeforeConnecting() throws IOException {
        Path domains = write(dir, "domains.yaml", "domains:", "  user_account: {}");
        byte[] registry = Files.readAllBytes(domains);

        // nothing listens there: the refusal comes before any connection attempt
        Result result = tracker("parked", "replay", "user_account", "u-1", "--store", "redis://127.0.0.1:1",
                "--domains", domains.toString(), "--processed", domains.toString());

        assertRefused(result, "--processed", "--domains", domains);
        assertThat(Files.readAllBytes(domains)).isEqualTo(registry);
    }

    // ------------------------------------------------------------------ blocker 3: unwritable outputs

    @ParameterizedTest
    @ValueSource(strings = {"--processed", "--parked", "--rejected", "--summary"})
    void regressionBlocker3_anOutputInAMissingDirectoryIsRefusedBeforeAnyEventIsProcessed(String option) {
        Path missing = dir.resolve("missing-dir").resolve("out.json");
        Path processed = dir.resolve(option.equals("--processed") ? "unused.jsonl" : "processed.jsonl");

        Result result = tracker("replay", "--events", events.toString(), option, missing.toString(),
                option.equals("--processed") ? "--parked" : "--processed", processed.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains(option + " " + missing)
                .contains("the directory " + dir.resolve("missing-dir") + " does not exist");
        assertThat(result.out()).doesNotContain("received");
        assertThat(processed).doesNotExist();
    }

    @Test
    void anOutputThatIsADirectoryIsRefused() {
        Result result = tracker("replay", "--events", events.toString(), "--summary", dir.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains("--summary " + dir + " is a directory");
    }

    @Test
    void anOutputUnderARegularFileIsRefused() {
        Path underFile = events.resolve("out.jsonl");

        Result result = tracker("replay", "--events", events.toString(), "--rejected", underFile.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains("--rejected " + underFile).contains(events + " is not a directory");
    }

    @Test
    void anOutputInAReadOnlyDirectoryIsRefused() throws IOException {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        assertThat(readOnly.toFile().setWritable(false, false)).isTrue();
        try {
            Assumptions.assumeFalse(Files.isWritable(readOnly), "running as root: every directory is writable");
            Result result = tracker("replay", "--events", events.toString(), "--processed",
                    readOnly.resolve("p.jsonl").toString());

            assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
            assertThat(result.err()).contains("the directory " + readOnly + " is not writable");
        } finally {
            readOnly.toFile().setWritable(true, false);
        }
    }

    @Test
    void distinctOutputsAreAccepted() {
        Result result = tracker("replay", "--events", events.toString(),
                "--processed", dir.resolve("p.jsonl").toString(), "--parked", dir.resolve("k.jsonl").toString(),
                "--rejected", dir.resolve("r.jsonl").toString(), "--summary", dir.resolve("s.json").toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(ReplayTestSupport.readLines(dir.resolve("p.jsonl"))).hasSize(3);
    }

    // ------------------------------------------------------------------ invariant 16: an earlier run's output is kept

    /**
     * Invariant 16: a second run with the same output path replaced the first run's lines, which may be the only
     * record of the events it committed. An existing, non-empty output is now refused with exit 2, byte for byte
     * unchanged, before the store is contacted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"--processed", "--parked", "--rejected", "--summary"})
    void invariant16_anExistingNonEmptyOutputIsRefusedAndKeptByteForByte(String option) throws IOException {
        Path earlier = Files.writeString(dir.resolve("earlier.out"), "{\"eventId\":\"from an earlier run\"}\n");
        byte[] before = Files.readAllBytes(earlier);

        Result result = tracker("replay", "--events", events.toString(), option, earlier.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains(option + " " + earlier + " exists and is not empty")
                .contains("--overwrite").contains("Usage: tracker replay");
        assertThat(result.out()).doesNotContain("received");
        assertThat(Files.readAllBytes(earlier)).isEqualTo(before);
    }

    @Test
    void invariant16_aSecondRunOnTheSameOutputsIsRefusedAndTheFirstRunsLinesSurvive() throws IOException {
        ReplayTestSupport.Outputs outputs = ReplayTestSupport.Outputs.in(dir);
        assertThat(ReplayTestSupport.replay(events, outputs).exitCode()).isZero();
        byte[] firstRun = Files.readAllBytes(outputs.processed());
        byte[] firstSummary = Files.readAllBytes(outputs.summary());
        assertThat(outputs.processedLines()).hasSize(3);

        Result again = ReplayTestSupport.replay(events, outputs);

        assertThat(again.exitCode()).as(again.err()).isEqualTo(2);
        assertThat(again.err()).contains("--processed " + outputs.processed() + " exists and is not empty");
        assertThat(Files.readAllBytes(outputs.processed())).isEqualTo(firstRun);
        assertThat(Files.readAllBytes(outputs.summary())).isEqualTo(firstSummary);
    }

    @Test
    void invariant16_overwriteReplacesTheOutputs() throws IOException {
        ReplayTestSupport.Outputs outputs = ReplayTestSupport.Outputs.in(dir);
        Files.writeString(outputs.processed(), "old line\n");
        Files.writeString(outputs.summary(), "{\"old\":true}");

        Result result = ReplayTestSupport.replay(events, outputs, "--overwrite");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-1#2", "user_account/u-1#3");
        assertThat(outputs.summaryJson().get("received").asLong()).isEqualTo(3);
    }

    @Test
    void invariant16_anExistingEmptyOutputIsUsed() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));

        Result result = tracker("replay", "--events", events.toString(), "--processed", empty.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(ReplayTestSupport.readLines(empty)).hasSize(3);
    }

    @Test
    void invariant16_parkedReplayKeepsAnExistingProcessedFileToo() throws IOException {
        Path earlier = Files.writeString(dir.resolve("earlier.jsonl"), "{}\n");

        // refused before the store is contacted: the port needs no server
        Result result = tracker("parked", "replay", "user_account", "u-1", "--store", "redis://127.0.0.1:1",
                "--processed", earlier.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains("--processed " + earlier + " exists and is not empty");
        assertThat(Files.readString(earlier)).isEqualTo("{}\n");
    }

    private static void assertRefused(Result result, String option, String other, Path path) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains(option + " and " + other + " are the same file").contains(path.toString());
        assertThat(result.out()).doesNotContain("received");
    }
}
