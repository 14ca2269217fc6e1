package io.seqtrack.benchmarks.report;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;

/** One results folder written by run.sh: jmh.json, ceiling.csv and meta.properties (the last two optional). */
public record RunResults(Path dir, String label, List<JmhResult> jmh, List<Ceiling> ceiling, Properties meta) {

    public static RunResults load(Path dir) throws IOException {
        Path json = dir.resolve("jmh.json");
        if (!Files.isRegularFile(json)) {
            throw new IOException("no jmh.json in " + dir);
        }
        List<JmhResult> jmh = JmhResult.parseAll(Files.readString(json, StandardCharsets.UTF_8));
        Path csv = dir.resolve("ceiling.csv");
        List<Ceiling> ceiling = Files.isRegularFile(csv)
                ? Ceiling.parseCsv(Files.readString(csv, StandardCharsets.UTF_8)) : List.of();
        Properties meta = new Properties();
        Path props = dir.resolve("meta.properties");
        if (Files.isRegularFile(props)) {
            meta.load(new StringReader(Files.readString(props, StandardCharsets.UTF_8)));
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new RunResults(dir, name == null ? dir.toString() : name.toString(), jmh, ceiling, meta);
    }

    /** The ceiling at a depth: the single-client line if there is one (the JMH benchmarks run one thread), else the first. */
    public Optional<Ceiling> ceiling(int pipeline) {
        return ceiling.stream().filter(c -> c.pipeline() == pipeline)
                .min(Comparator.comparingInt((Ceiling c) -> c.clients() == 1 ? 0 : 1));
    }

    /**
     * ops/s of {@code Class.method} for a store (and aggregates, if not null); throughput mode preferred over a
     * figure derived from time per op.
     */
    public OptionalDouble opsPerSecond(String benchmarkClass, String method, String store, String aggregates) {
        return jmh.stream()
                .filter(r -> r.benchmarkClass().equals(benchmarkClass) && (method == null || r.method().equals(method)))
                .filter(r -> store.equals(r.param("store")))
                .filter(r -> aggregates == null || aggregates.equals(r.param("aggregates")))
                .filter(r -> r.opsPerSecond().isPresent())
                .min(Comparator.comparingInt((JmhResult r) -> r.isThroughput() ? 0 : 1))
                .map(r -> r.opsPerSecond())
                .orElse(OptionalDouble.empty());
    }
}
