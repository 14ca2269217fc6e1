package io.seqtrack.cli;

import static io.seqtrack.cli.ReplayTestSupport.user;
import static io.seqtrack.cli.ReplayTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 10: {@code replay} shows the progress bar {@code simulate} has — on a terminal only. A real tracker
 * JVM, once with its output in files (no bar: no carriage return, nothing progress-like) and once on a
 * pseudo-terminal made by {@code script(1)} (the bar is drawn, then erased).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplayProgressTest {

    @TempDir
    Path dir;

    @Test
    void regressionItem10_withoutATerminalNothingProgressLikeIsWritten() throws IOException {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-1", 2), user("u-2", 1));

        try (TrackerProcess tracker = TrackerProcess.start(dir, "replay", List.of("replay", "--events",
                events.toString(), "--processed", dir.resolve("processed.jsonl").toString()))) {
            assertThat(tracker.awaitExit(Duration.ofSeconds(60))).as(tracker.err()).isZero();

            for (String output : List.of(tracker.out(), tracker.err())) {
                assertThat(output).doesNotContain("\r").doesNotContain("lines read").doesNotContain("%]")
                        .doesNotContainPattern("\\[[#-]{30}\\]");
            }
            assertThat(tracker.out()).contains("received").contains("processed");
        }
    }

    @Test
    void regressionItem10_onATerminalTheBarIsDrawnAndErased() throws Exception {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 2));
        Path script = Path.of("/usr/bin/script");
        Assumptions.assumeTrue(Files.isExecutable(script), "script(1) makes the pseudo-terminal");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> tracker = List.of(java, "-cp", System.getProperty("java.class.path"), TrackerCli.class.getName(),
                "replay", "--events", events.toString());
        Path typescript = dir.resolve("typescript.txt");
        List<String> command = new ArrayList<>(List.of(script.toString(), "-q", "-e", "-c", shellQuoted(tracker),
                "/dev/null"));
        Process process = new ProcessBuilder(command).redirectOutput(typescript.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String seen = Files.readString(typescript, StandardCharsets.UTF_8);
        Assumptions.assumeFalse(process.exitValue() != 0 && seen.contains("script:"),
                "no pseudo-terminal here: " + seen);

        assertThat(process.exitValue()).as(seen).isZero();
        assertThat(seen).containsPattern("\r\\[[#-]{30}\\] +\\d+%  \\d+ lines read, \\d+ events handled")
                .contains("received");
    }

    private static String shellQuoted(List<String> words) {
        StringBuilder line = new StringBuilder();
        for (String word : words) {
            line.append(line.length() == 0 ? "" : " ").append('\'').append(word.replace("'", "'\\''")).append('\'');
        }
        return line.toString();
    }
}
