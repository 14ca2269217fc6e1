package io.seqtrack.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/embedding.md promises that every Java snippet in it is code from the example, which this module compiles and
 * {@link EmbeddingExampleTest} runs. This test keeps the promise: each snippet must appear, line for line (indentation
 * aside), in one of the example's sources.
 */
class EmbeddingGuideTest {

    private static final Path GUIDE = Path.of("..", "docs", "embedding.md");
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "seqtrack", "examples", "embedding");

    @Test
    void everyJavaSnippetInTheGuideIsAnExcerptOfTheExample() throws IOException {
        List<List<String>> snippets = javaSnippets(Files.readString(GUIDE));
        Map<Path, List<String>> sources = sources();

        assertThat(snippets).as("the guide's java snippets (a broken fence would hide them)").hasSizeGreaterThanOrEqualTo(8);
        for (List<String> snippet : snippets) {
            assertThat(sources.values()).as("a source containing this snippet of %s:%n%s", GUIDE, String.join("\n", snippet))
                    .anyMatch(source -> Collections.indexOfSubList(source, snippet) >= 0);
        }
    }

    @Test
    void theOutputShownInTheGuideIsWhatTheExamplePrints() throws Exception {
        String guide = Files.readString(GUIDE);
        String shown = guide.substring(guide.indexOf("```\nseqtrack embedded with Guice") + 4);
        shown = shown.substring(0, shown.indexOf("```"));

        EmbeddingExample.Report report = EmbeddingExample.run(EmbeddingExample.Options.parse(new String[0]));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        report.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        // how many events wait in the buffer depends on timing: the processor's lanes put events back in order while
        // they wait there together (docs/processor.md), so the counts are compared as shapes, the verdicts exactly
        assertThat(timingFree(printed.toString(StandardCharsets.UTF_8))).isEqualTo(timingFree(shown));
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("each once, in order per account: yes")
                .contains("unacknowledged 0");
    }

    /** The report with the numbers of its timing-dependent lines replaced by {@code N}. */
    static String timingFree(String report) {
        StringBuilder out = new StringBuilder();
        for (String line : report.split("\n", -1)) {
            boolean timing = line.strip().startsWith("outcomes") || line.strip().startsWith("redelivered")
                    || line.strip().startsWith("handled");
            out.append(timing ? line.replaceAll("\\d+", "N") : line).append('\n');
        }
        return out.toString();
    }

    @Test
    void aChangedSnippetIsCaught() throws IOException {
        List<String> edited = new ArrayList<>(javaSnippets(Files.readString(GUIDE)).get(0));
        edited.set(0, edited.get(0) + " // edited");
        assertThat(sources().values()).noneMatch(source -> Collections.indexOfSubList(source, edited) >= 0);
    }

    /** The bodies of the ```java fences, each line stripped, blank lines dropped. */
    static List<List<String>> javaSnippets(String markdown) {
        List<List<String>> snippets = new ArrayList<>();
        List<String> current = null;
        for (String line : markdown.split("\n", -1)) {
            if (current == null && line.strip().equals("```java")) {
                current = new ArrayList<>();
            } else if (current != null && line.strip().equals("```")) {
                snippets.add(current);
                current = null;
            } else if (current != null && !line.isBlank()) {
                current.add(line.strip());
            }
        }
        assertThat(current).as("an unclosed ```java fence in " + GUIDE).isNull();
        return snippets;
    }

    private static Map<Path, List<String>> sources() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toMap(f -> f, f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(String::strip).toList();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
    }
}
