package io.seqtrack.benchmarks.report;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * One results folder written by run.sh: jmh.json and the other passes' jmh-*.json (batch sweep, two threads, memory),
 * ceiling.csv, memory.csv and meta.properties (all but one JMH file optional).
 */
public record RunResults(Path dir, String label, List<JmhResult> jmh, List<Ceiling> ceiling, Properties meta,
                         List<MemoryRow> memory) {

    /** The batch size the goals are stated at (the main pass's), and the one thread they assume. */
    public static final String GOAL_BATCH = "64";

    public RunResults(Path dir, String label, List<JmhResult> jmh, List<Ceiling> ceiling, Properties meta) {
        this(dir, label, jmh, ceiling, meta, List.of());
    }

    public static RunResults load(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve("jmh.json"))) {
            files.add(dir.resolve("jmh.json"));
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> p.getFileName().toString().matches("jmh-.+\\.json")).sorted().forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no jmh.json in " + dir);
        }
        List<JmhResult> jmh = new ArrayList<>();
        for (Path f : files) {
            jmh.addAll(JmhResult.parseAll(Files.readString(f, StandardCharsets.UTF_8)));
        }
        Path csv = dir.resolve("ceiling.csv");
        List<Ceiling> ceiling = Files.isRegularFile(csv)
                ? Ceiling.parseCsv(Files.readString(csv, StandardCharsets.UTF_8)) : List.of();
        Properties meta = new Properties();
        Path props = dir.resolve("meta.properties");
        if (Files.isRegularFile(props)) {
            meta.load(new StringReader(Files.readString(props, StandardCharsets.UTF_8)));
        }
        Path mem = dir.resolve("memory.csv");
        List<MemoryRow> memory = Files.isRegularFile(mem)
                ? MemoryRow.parseCsv(Files.readString(mem, StandardCharsets.UTF_8)) : List.of();
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new RunResults(dir, name == null ? dir.toString() : name.toString(), List.copyOf(jmh), ceiling, meta,
                memory);
    }

    /** The ceiling at a depth: the single-client line if there is one (the JMH benchmarks run one thread), else the first. */
    public Optional<Ceiling> ceiling(int pipeline) {
        return ceiling.stream().filter(c -> c.pipeline() == pipeline)
                .min(Comparator.comparingInt((Ceiling c) -> c.clients() == 1 ? 0 : 1));
    }

    /** The ceiling at exactly this depth and client count. */
    public Optional<Ceiling> ceiling(int pipeline, int clients) {
        return ceiling.stream().filter(c -> c.pipeline() == pipeline && c.clients() == clients).findFirst();
    }

    /**
     * ops/s of {@code Class.method} for a store (and aggregates, if not null) at the goals' configuration (one thread,
     * batch size {@value #GOAL_BATCH} where the benchmark has one); throughput mode preferred over a figure derived
     * from time per op.
     */
    public OptionalDouble opsPerSecond(String benchmarkClass, String method, String store, String aggregates) {
        return opsPerSecondWith(benchmarkClass, method, store,
                aggregates == null ? Map.of() : Map.of("aggregates", aggregates));
    }

    /** As above, with any params that must match ({@code name -> value}). */
    public OptionalDouble opsPerSecondWith(String benchmarkClass, String method, String store,
            Map<String, String> params) {
        return jmh.stream()
                .filter(r -> r.benchmarkClass().equals(benchmarkClass) && (method == null || r.method().equals(method)))
                .filter(r -> store.equals(r.param("store")))
                .filter(JmhResult::atGoalConfiguration)
                .filter(r -> params.entrySet().stream().allMatch(e -> e.getValue().equals(r.param(e.getKey()))))
                .filter(r -> r.opsPerSecond().isPresent())
                .min(Comparator.comparingInt((JmhResult r) -> r.isThroughput() ? 0 : 1))
                .map(r -> r.opsPerSecond())
                .orElse(OptionalDouble.empty());
    }
}
