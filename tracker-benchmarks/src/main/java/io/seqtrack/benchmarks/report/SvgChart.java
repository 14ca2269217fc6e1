package io.seqtrack.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A hand-written SVG bar chart (no library): ops/s per store for {@code CheckAndAdvanceBenchmark.advance} and the
 * processor, one bar per run, on a log scale; the redis-benchmark ceilings (P1, P64) and the ConcurrentHashMap and
 * naive baselines drawn as horizontal lines per run.
 */
final class SvgChart {
    static final List<String> STORE_ORDER = List.of("inmemory", "chm", "redis-sync", "redis-async", "redis-batch", "raw-lettuce", "naive",
            "redis");
    private static final String[] RUN_COLORS = {"#4477aa", "#ee7733"};
    private static final String[] RUN_DASH = {"8,4", "3,3"};

    private record Line(String label, double value, String color, int run) {
    }

    private SvgChart() {
    }

    static String render(List<RunResults> runs) {
        // category -> per-run ops/s
        Map<String, double[]> bars = new LinkedHashMap<>();
        List<String> cats = categories(runs);
        for (String cat : cats) {
            double[] v = new double[runs.size()];
            for (int r = 0; r < runs.size(); r++) {
                v[r] = value(runs.get(r), cat).orElse(Double.NaN);
            }
            bars.put(cat, v);
        }
        List<Line> lines = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            RunResults run = runs.get(r);
            String tag = runs.size() > 1 ? (r == 0 ? "A " : "B ") : "";
            int ri = r;
            run.ceiling(1).ifPresent(c -> lines.add(new Line(tag + "ceiling P1", c.rps(), "#cc3311", ri)));
            run.ceiling(64).ifPresent(c -> lines.add(new Line(tag + "ceiling P64", c.rps(), "#cc3311", ri)));
            String agg = baselineAggregates(run);
            run.opsPerSecond(Goals.CAA, "advance", "chm", agg)
                    .ifPresent(v -> lines.add(new Line(tag + "chm", v, "#228833", ri)));
            run.opsPerSecond(Goals.CAA, "advance", "naive", agg)
                    .ifPresent(v -> lines.add(new Line(tag + "naive", v, "#777777", ri)));
        }

        double min = Double.MAX_VALUE;
        double max = 0;
        for (double[] v : bars.values()) {
            for (double d : v) {
                if (d > 0) {
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                }
            }
        }
        for (Line l : lines) {
            min = Math.min(min, l.value());
            max = Math.max(max, l.value());
        }
        if (max <= 0) {
            min = 1;
            max = 10;
        }
        int lo = (int) Math.floor(Math.log10(min));
        int hi = (int) Math.ceil(Math.log10(max));
        if (hi == lo) {
            hi++;
        }

        int left = 70;
        int top = 40;
        int plotH = 300;
        int barW = 18;
        int group = runs.size() * barW + 16;
        int plotW = Math.max(300, cats.size() * group);
        int right = 130;
        int bottom = 110;
        int width = left + plotW + right;
        int height = top + plotH + bottom;
        final int flo = lo;
        final int fhi = hi;
        java.util.function.DoubleUnaryOperator y = v -> top + plotH - (Math.log10(v) - flo) / (fhi - flo) * plotH;

        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", left,
                esc("seqtrack throughput, ops/s (log scale)"
                        + (runs.size() > 1 ? ": A = " + runs.get(0).label() + ", B = " + runs.get(1).label()
                        : ": " + runs.get(0).label()))));
        for (int e = lo; e <= hi; e++) {
            double yy = y.applyAsDouble(Math.pow(10, e));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    left, yy, left + plotW, yy));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    left - 6, yy + 4, esc(Report.fmtOps(Math.pow(10, e)))));
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top, left, top + plotH));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top + plotH, left + plotW, top + plotH));

        int gi = 0;
        for (Map.Entry<String, double[]> bar : bars.entrySet()) {
            int gx = left + 8 + gi * group;
            double[] v = bar.getValue();
            for (int r = 0; r < v.length; r++) {
                if (!(v[r] > 0)) {
                    continue;
                }
                double yy = Math.max(top, y.applyAsDouble(v[r]));
                s.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>%n",
                        gx + r * barW, yy, barW - 2, top + plotH - yy, RUN_COLORS[r % 2],
                        esc(bar.getKey() + ": " + Report.fmtOps(v[r]) + " ops/s")));
            }
            double cx = gx + v.length * barW / 2.0;
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-40 %.1f %d)\">%s</text>%n",
                    cx, top + plotH + 14, cx, top + plotH + 14, esc(bar.getKey())));
            gi++;
        }
        for (Line l : lines) {
            double yy = y.applyAsDouble(l.value());
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                            + "stroke-width=\"1.5\" stroke-dasharray=\"%s\"><title>%s</title></line>%n",
                    left, yy, left + plotW, yy, l.color(), RUN_DASH[l.run() % 2],
                    esc(l.label() + ": " + Report.fmtOps(l.value()) + " ops/s")));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" fill=\"%s\">%s</text>%n",
                    left + plotW + 4, yy + 4, l.color(), esc(l.label() + " " + Report.fmtOps(l.value()))));
        }
        for (int r = 0; r < runs.size() && runs.size() > 1; r++) {
            int lx = left + r * 160;
            int ly = height - 14;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    lx, ly - 10, RUN_COLORS[r % 2]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 16, ly,
                    esc((r == 0 ? "A " : "B ") + runs.get(r).label())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** "advance inmemory agg=100000", ..., then "processor inmemory", in store order; union over the runs. */
    static List<String> categories(List<RunResults> runs) {
        List<String> out = new ArrayList<>();
        List<JmhResult> all = new ArrayList<>();
        runs.forEach(r -> all.addAll(r.jmh()));
        all.sort((a, b) -> {
            int c = Integer.compare(a.benchmarkClass().equals(Goals.CAA) ? 0 : 1, b.benchmarkClass().equals(Goals.CAA) ? 0 : 1);
            if (c == 0) {
                c = Integer.compare(storeRank(a.param("store")), storeRank(b.param("store")));
            }
            if (c == 0) {
                c = String.valueOf(a.param("aggregates")).compareTo(String.valueOf(b.param("aggregates")));
            }
            return c;
        });
        for (JmhResult j : all) {
            String cat = category(j);
            if (cat != null && !out.contains(cat)) {
                out.add(cat);
            }
        }
        return out;
    }

    private static String category(JmhResult j) {
        String store = j.param("store");
        if (store == null || !j.atGoalConfiguration()) {
            return null; // the chart shows the goals' configuration; the sweeps are tables in report.md
        }
        if (j.benchmarkClass().equals(Goals.CAA) && j.method().equals("advance")) {
            return store + (j.param("aggregates") == null ? "" : " agg=" + j.param("aggregates"));
        }
        if (j.benchmarkClass().equals(Goals.PROC)) {
            return "processor " + store + (j.param("parallelism") == null ? "" : " p=" + j.param("parallelism"));
        }
        return null;
    }

    private static OptionalDouble value(RunResults run, String cat) {
        return run.jmh().stream().filter(j -> cat.equals(category(j)) && j.opsPerSecond().isPresent())
                .min((a, b) -> Integer.compare(a.isThroughput() ? 0 : 1, b.isThroughput() ? 0 : 1))
                .map(JmhResult::opsPerSecond).orElse(OptionalDouble.empty());
    }

    /** The baselines are drawn for the largest aggregates value (100 000: the same key spread as the ceiling). */
    private static String baselineAggregates(RunResults run) {
        return run.jmh().stream().filter(j -> j.benchmarkClass().equals(Goals.CAA) && j.param("aggregates") != null)
                .map(j -> j.param("aggregates"))
                .max((a, b) -> Long.compare(Goals.parse(a), Goals.parse(b))).orElse(null);
    }

    private static int storeRank(String store) {
        int i = store == null ? -1 : STORE_ORDER.indexOf(store); // List.of(...).indexOf(null) throws
        return i < 0 ? STORE_ORDER.size() : i;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
