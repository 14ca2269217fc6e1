package io.seqtrack.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeSet;

/**
 * Turns one or two run.sh results folders into {@code report.md} and {@code throughput.svg}.
 *
 * <pre>
 * java -cp tracker-benchmarks/target/benchmarks.jar io.seqtrack.benchmarks.report.Report \
 *     tracker-benchmarks/results/standalone-20250101-1200 [tracker-benchmarks/results/cluster-20250101-1300] --out DIR
 * </pre>
 *
 * With two folders A and B every figure gets a "B / A" column: what moving from A to B costs or gains.
 */
public final class Report {

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        List<Path> dirs = new ArrayList<>();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            } else if (args[i].startsWith("--out=")) {
                out = Path.of(args[i].substring(6));
            } else if (args[i].startsWith("-")) {
                usage("unknown option " + args[i]);
                return;
            } else {
                dirs.add(Path.of(args[i]));
            }
        }
        if (dirs.isEmpty() || dirs.size() > 2) {
            usage("give one or two results folders");
            return;
        }
        if (out == null) {
            out = dirs.get(dirs.size() - 1);
        }
        List<Path> written = write(dirs, out);
        written.forEach(p -> System.out.println("wrote " + p));
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: Report <resultsDirA> [<resultsDirB>] [--out <dir>]   (default out: the last folder)");
        System.exit(2);
    }

    /** Loads the folders, writes report.md and throughput.svg into {@code out}, returns their paths. */
    public static List<Path> write(List<Path> dirs, Path out) throws IOException {
        List<RunResults> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(RunResults.load(d));
        }
        Files.createDirectories(out);
        Path md = out.resolve("report.md");
        Path svg = out.resolve("throughput.svg");
        Files.writeString(md, markdown(runs), StandardCharsets.UTF_8);
        Files.writeString(svg, SvgChart.render(runs), StandardCharsets.UTF_8);
        return List.of(md, svg);
    }

    static String markdown(List<RunResults> runs) {
        boolean two = runs.size() == 2;
        RunResults a = runs.get(0);
        RunResults b = two ? runs.get(1) : null;
        StringBuilder s = new StringBuilder();
        s.append("# seqtrack benchmark report\n\n");
        for (int i = 0; i < runs.size(); i++) {
            RunResults r = runs.get(i);
            s.append(two ? (i == 0 ? "* **A**: " : "* **B**: ") : "* Run: ").append('`').append(r.label()).append('`');
            String meta = metaLine(r);
            s.append(meta.isEmpty() ? "" : " — " + meta).append('\n');
            if ("1".equals(r.meta().getProperty("wait"))) {
                s.append("  * replicated: the benchmark JVM was given `-Dseqtrack.redis.wait=1`: every store write waited"
                        + " for one replica (`WAIT 1`); the redis-benchmark ceiling did not.\n");
            }
        }
        s.append("\nThe machine is shared and noisy: compare ratios within one run, not absolute figures across runs.\n\n");
        s.append("![throughput per store](throughput.svg)\n\n");

        s.append("## Goals (ratios within one run)\n\n");
        s.append(two ? "| goal | target | A | met | B | met |\n|---|---|---:|---|---:|---|\n"
                : "| goal | target | measured | met |\n|---|---|---:|---|\n");
        for (Goals.Goal g : Goals.all(runs)) {
            OptionalDouble va = g.measure().apply(a);
            s.append("| ").append(g.name()).append(" | ").append(g.targetText()).append(" | ")
                    .append(g.valueText(va)).append(" | ").append(g.verdict(va)).append(" |");
            if (two) {
                OptionalDouble vb = g.measure().apply(b);
                s.append(' ').append(g.valueText(vb)).append(" | ").append(g.verdict(vb)).append(" |");
            }
            s.append('\n');
        }

        s.append("\n## Redis ceiling (redis-benchmark EVALSHA of the advance script)\n\n");
        TreeSet<String> depths = new TreeSet<>((x, y) -> {
            String[] px = x.split("/");
            String[] py = y.split("/");
            int c = Integer.compare(Integer.parseInt(px[0]), Integer.parseInt(py[0]));
            return c != 0 ? c : Integer.compare(Integer.parseInt(px[1]), Integer.parseInt(py[1]));
        });
        runs.forEach(r -> r.ceiling().forEach(c -> depths.add(c.pipeline() + "/" + c.clients())));
        if (depths.isEmpty()) {
            s.append("No ceiling.csv.\n");
        } else {
            s.append(two ? "| pipeline | clients | A requests/s | B requests/s | B / A |\n|---:|---:|---:|---:|---:|\n"
                    : "| pipeline | clients | requests/s |\n|---:|---:|---:|\n");
            for (String d : depths) {
                String[] p = d.split("/");
                OptionalDouble ca = ceilingAt(a, p);
                s.append("| ").append(p[0]).append(" | ").append(p[1]).append(" | ").append(ops(ca)).append(" |");
                if (two) {
                    OptionalDouble cb = ceilingAt(b, p);
                    s.append(' ').append(ops(cb)).append(" | ").append(ratio(Goals.ratio(cb, ca))).append(" |");
                }
                s.append('\n');
            }
        }

        s.append(sweep(runs));
        s.append(memory(runs));

        s.append("\n## JMH results\n\n");
        s.append("Scores as JMH reports them (± is JMH's 99.9 % error); ops/s is the score converted, or for time-per-op"
                + " modes derived as threads / time-per-op.\n\n");
        s.append(two
                ? "| benchmark | mode | store | params | A score ± error | unit | A ops/s | B score ± error | B ops/s | B / A |\n"
                + "|---|---|---|---|---:|---|---:|---:|---:|---:|\n"
                : "| benchmark | mode | store | params | score ± error | unit | ops/s | p50 / p99 |\n"
                + "|---|---|---|---|---:|---|---:|---|\n");
        Map<String, JmhResult[]> rows = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            for (JmhResult j : runs.get(i).jmh()) {
                rows.computeIfAbsent(j.key(), k -> new JmhResult[runs.size()])[i] = j;
            }
        }
        for (JmhResult[] row : rows.values()) {
            JmhResult any = row[0] != null ? row[0] : row[1];
            s.append("| ").append(any.simpleName()).append(" | ").append(any.mode()).append(" | ")
                    .append(Optional.ofNullable(any.param("store")).orElse("")).append(" | ").append(any.otherParams())
                    .append(" | ").append(scoreText(row[0])).append(" | ").append(any.unit()).append(" | ")
                    .append(row[0] == null ? "" : ops(row[0].opsPerSecond())).append(" |");
            if (two) {
                s.append(' ').append(scoreText(row[1])).append(" | ")
                        .append(row[1] == null ? "" : ops(row[1].opsPerSecond())).append(" | ");
                s.append(row[0] == null || row[1] == null ? "n/a"
                        : ratio(Goals.ratio(row[1].opsPerSecond(), row[0].opsPerSecond()))).append(" |");
            } else {
                s.append(' ').append(percentiles(any)).append(" |");
            }
            s.append('\n');
        }
        if (rows.isEmpty()) {
            s.append("| (jmh.json holds no results) | | | | | | | |\n");
        }
        return s.toString();
    }

    /**
     * Every check-and-advance row of the Redis stores next to the redis-benchmark ceiling at the same pipeline depth
     * (= batch size) and client count (= JMH threads): the batch-size and thread-count dimensions.
     */
    static String sweep(List<RunResults> runs) {
        StringBuilder s = new StringBuilder("\n## Batch size and threads against the ceiling at the same depth\n\n");
        s.append("Check-and-advance of the Redis stores per batch size (the pipeline depth of `redis-async`, the size of"
                + " one `advanceAll`) and JMH thread count, each over the redis-benchmark ceiling measured at that"
                + " pipeline depth with as many clients as threads (`redis-sync` makes one call at a time: depth 1,"
                + " whatever its batch size). Throughput mode where present; n/a = not measured, never borrowed from"
                + " another depth.\n\n");
        boolean two = runs.size() == 2;
        s.append(two ? "| store | aggregates | threads | batch | ceiling depth | A ops/s | A ceiling | A / ceiling | B ops/s"
                + " | B ceiling | B / ceiling |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                : "| store | aggregates | threads | batch | ceiling depth | ops/s | ceiling | / ceiling |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        java.util.TreeMap<String, String[]> rows = new java.util.TreeMap<>();
        for (RunResults r : runs) {
            for (JmhResult j : r.jmh()) {
                String store = j.param("store");
                if (!j.benchmarkClass().equals(Goals.CAA) || !j.method().equals("advance") || store == null
                        || !(store.startsWith("redis") || store.equals("raw-lettuce")) || j.param("batchSize") == null) {
                    continue;
                }
                String[] k = {store, j.param("aggregates"), Integer.toString(j.threads()), j.param("batchSize")};
                rows.putIfAbsent(String.format(Locale.ROOT, "%d|%12s|%3s|%6s", SvgChart.STORE_ORDER.indexOf(store),
                        k[1], k[2], k[3]), k);
            }
        }
        if (rows.isEmpty()) {
            return s.append("No batch-size rows.\n").toString();
        }
        for (String[] k : rows.values()) {
            int depth = k[0].equals("redis-sync") ? 1 : Integer.parseInt(k[3]);
            s.append("| ").append(k[0]).append(" | ").append(k[1]).append(" | ").append(k[2]).append(" | ").append(k[3])
                    .append(" | ").append(depth).append(" |");
            for (RunResults r : runs) {
                OptionalDouble v = sweepOps(r, k);
                OptionalDouble c = r.ceiling(depth, Integer.parseInt(k[2]))
                        .map(x -> OptionalDouble.of(x.rps())).orElse(OptionalDouble.empty());
                s.append(' ').append(ops(v)).append(" | ").append(ops(c)).append(" | ")
                        .append(ratio(Goals.ratio(v, c))).append(" |");
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static OptionalDouble sweepOps(RunResults r, String[] k) {
        return r.jmh().stream()
                .filter(j -> j.benchmarkClass().equals(Goals.CAA) && j.method().equals("advance"))
                .filter(j -> k[0].equals(j.param("store")) && java.util.Objects.equals(k[1], j.param("aggregates"))
                        && Integer.toString(j.threads()).equals(k[2]) && k[3].equals(j.param("batchSize")))
                .filter(j -> j.opsPerSecond().isPresent())
                .min(java.util.Comparator.comparingInt((JmhResult j) -> j.isThroughput() ? 0 : 1))
                .map(JmhResult::opsPerSecond).orElse(OptionalDouble.empty());
    }

    /** memory.csv: bytes of used_memory per aggregate per layout, and each layout against plain SET. */
    static String memory(List<RunResults> runs) {
        if (runs.stream().allMatch(r -> r.memory().isEmpty())) {
            return "";
        }
        boolean two = runs.size() == 2;
        StringBuilder s = new StringBuilder("\n## Memory per aggregate (INFO memory, MemoryFootprintBenchmark)\n\n");
        s.append(two ? "| layout | aggregates | A bytes / aggregate | A / SET | B bytes / aggregate | B / SET |\n"
                + "|---|---:|---:|---:|---:|---:|\n"
                : "| layout | aggregates | bytes / aggregate | / plain SET |\n|---|---:|---:|---:|\n");
        java.util.LinkedHashMap<String, Long> layouts = new java.util.LinkedHashMap<>();
        runs.forEach(r -> r.memory().forEach(m -> layouts.putIfAbsent(m.layout(), m.aggregates())));
        for (Map.Entry<String, Long> l : layouts.entrySet()) {
            s.append("| ").append(l.getKey()).append(" | ").append(String.format(Locale.ROOT, "%,d", l.getValue()))
                    .append(" |");
            for (RunResults r : runs) {
                OptionalDouble b = memoryOf(r, l.getKey());
                s.append(' ').append(b.isPresent() ? String.format(Locale.ROOT, "%.1f", b.getAsDouble()) : "n/a")
                        .append(" | ").append(ratio(Goals.ratio(b, memoryOf(r, "set")))).append(" |");
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static OptionalDouble memoryOf(RunResults r, String layout) {
        return r.memory().stream().filter(m -> m.layout().equals(layout)).mapToDouble(MemoryRow::bytesPerAggregate)
                .findFirst();
    }

    private static OptionalDouble ceilingAt(RunResults r, String[] p) {
        return r.ceiling().stream()
                .filter(c -> c.pipeline() == Integer.parseInt(p[0]) && c.clients() == Integer.parseInt(p[1]))
                .mapToDouble(Ceiling::rps).findFirst();
    }

    private static String metaLine(RunResults r) {
        List<String> parts = new ArrayList<>();
        for (String k : List.of("topology", "date", "git", "quick", "started", "cpus", "redis", "java")) {
            String v = r.meta().getProperty(k);
            if (v != null && !v.isBlank()) {
                parts.add(k + "=" + v);
            }
        }
        return String.join(", ", parts);
    }

    private static String scoreText(JmhResult j) {
        if (j == null) {
            return "";
        }
        return Double.isNaN(j.scoreError()) ? num(j.score()) : num(j.score()) + " ± " + num(j.scoreError());
    }

    private static String percentiles(JmhResult j) {
        Double p50 = j.percentiles().get("50.0");
        Double p99 = j.percentiles().get("99.0");
        if (!j.mode().equals("sample") || p50 == null || p99 == null) {
            return "";
        }
        return num(p50) + " / " + num(p99) + " " + j.unit();
    }

    private static String ops(OptionalDouble v) {
        return v.isPresent() ? fmtOps(v.getAsDouble()) : "n/a";
    }

    private static String ratio(OptionalDouble v) {
        return v.isPresent() ? fmtRatio(v.getAsDouble()) : "n/a";
    }

    /** 1234567 -> "1.23 M", 45600 -> "45.6 k". */
    static String fmtOps(double v) {
        if (v >= 1e9) {
            return String.format(Locale.ROOT, "%.3g G", v / 1e9);
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.3g M", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.3g k", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String fmtRatio(double v) {
        return String.format(Locale.ROOT, "%.2f×", v);
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
