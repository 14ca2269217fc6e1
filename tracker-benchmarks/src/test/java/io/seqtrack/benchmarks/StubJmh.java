package io.seqtrack.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Stands in for {@code benchmarks.jar} in {@link RunnerScriptTest}: records the arguments it was started with next to
 * the result file JMH would write ({@code -rff}), and writes an empty JMH result there.
 */
public final class StubJmh {

    private StubJmh() {
    }

    public static void main(String[] args) throws IOException {
        List<String> list = List.of(args);
        Path result = Path.of(list.get(list.indexOf("-rff") + 1));
        Files.writeString(result.resolveSibling(result.getFileName() + ".args"), String.join(" ", list) + "\n");
        Files.writeString(result, "[]\n");
    }
}
