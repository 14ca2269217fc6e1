package io.seqtrack.benchmarks.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * One row of JMH's {@code -rf json} output: benchmark, mode, threads, params and the primary metric.
 *
 * @param benchmark   fully qualified {@code Class.method}
 * @param mode        thrpt, avgt, sample, ss
 * @param params      the {@code @Param} values, sorted by name
 * @param percentiles primary metric percentiles ("50.0" -> value) for sample mode, else empty
 */
public record JmhResult(String benchmark, String mode, int threads, Map<String, String> params, double score,
                        double scoreError, String unit, Map<String, Double> percentiles) {

    /** Parses a whole JMH JSON file (an array of results). */
    public static List<JmhResult> parseAll(String json) {
        List<JmhResult> out = new ArrayList<>();
        for (Object o : Json.array(Json.parse(json))) {
            Map<String, Object> r = Json.object(o);
            Map<String, String> params = new TreeMap<>();
            Json.object(r.get("params")).forEach((k, v) -> params.put(k, String.valueOf(v)));
            Map<String, Object> pm = Json.object(r.get("primaryMetric"));
            Map<String, Double> pct = new TreeMap<>((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)));
            Json.object(pm.get("scorePercentiles")).forEach((k, v) -> pct.put(k, Json.number(v)));
            double threads = Json.number(r.get("threads"));
            out.add(new JmhResult(String.valueOf(r.get("benchmark")), String.valueOf(r.get("mode")),
                    Double.isNaN(threads) ? 1 : (int) threads, Collections.unmodifiableMap(params),
                    Json.number(pm.get("score")), Json.number(pm.get("scoreError")),
                    String.valueOf(pm.get("scoreUnit")), Collections.unmodifiableMap(pct)));
        }
        return out;
    }

    /** {@code Class.method} without the package. */
    public String simpleName() {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    public String benchmarkClass() {
        String s = simpleName();
        int dot = s.indexOf('.');
        return dot < 0 ? s : s.substring(0, dot);
    }

    public String method() {
        String s = simpleName();
        return s.substring(s.indexOf('.') + 1);
    }

    public String param(String name) {
        return params.get(name);
    }

    /** Params other than {@code store}, as {@code k=v, k=v}. */
    public String otherParams() {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> {
            if (!k.equals("store")) {
                b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v);
            }
        });
        if (threads != 1) {
            b.append(b.length() == 0 ? "" : ", ").append("threads=").append(threads);
        }
        return b.toString();
    }

    /** Identity for matching the same measurement across two runs. */
    public String key() {
        return benchmark + "|" + mode + "|" + threads + "|" + params;
    }

    /** One thread and, where the benchmark has a batch size, the goals' {@value RunResults#GOAL_BATCH}. */
    public boolean atGoalConfiguration() {
        String batch = params.get("batchSize");
        return threads == 1 && (batch == null || batch.equals(RunResults.GOAL_BATCH));
    }

    public boolean isThroughput() {
        return unit.startsWith("ops/");
    }

    /**
     * Operations per second: a throughput score converted to ops/s; for time-per-op modes (avgt, sample) it is
     * derived as {@code threads / time-per-op}, which holds for closed-loop benchmarks.
     */
    public OptionalDouble opsPerSecond() {
        if (Double.isNaN(score) || score <= 0) {
            return OptionalDouble.empty();
        }
        if (isThroughput()) {
            double perUnit = secondsPer(unit.substring(4));
            return Double.isNaN(perUnit) ? OptionalDouble.empty() : OptionalDouble.of(score / perUnit);
        }
        if (unit.endsWith("/op")) {
            double sec = secondsPer(unit.substring(0, unit.length() - 3));
            return Double.isNaN(sec) ? OptionalDouble.empty() : OptionalDouble.of(threads / (score * sec));
        }
        return OptionalDouble.empty();
    }

    static double secondsPer(String unit) {
        switch (unit.toLowerCase(Locale.ROOT)) {
            case "ns": return 1e-9;
            case "us": return 1e-6;
            case "ms": return 1e-3;
            case "s": return 1;
            case "min": return 60;
            default: return Double.NaN;
        }
    }
}
