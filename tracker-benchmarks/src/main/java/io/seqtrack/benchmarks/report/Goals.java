package io.seqtrack.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;

/** The goals of issue 6, as ratios computed within one run (the machine is noisy; ratios are what count). */
final class Goals {
    static final String CAA = "CheckAndAdvanceBenchmark";
    static final String PROC = "ProcessorBenchmark";

    /**
     * @param name    what is compared, e.g. "redis-batch advance / ceiling P64 (aggregates=100000)"
     * @param target  the goal: a minimum ratio, or a minimum absolute ops/s when {@code absolute}; NaN = informational
     * @param measure the figure for one run
     */
    record Goal(String name, double target, boolean absolute, Function<RunResults, OptionalDouble> measure) {
        String targetText() {
            if (Double.isNaN(target)) {
                return "(info)";
            }
            return absolute ? "≥ " + Report.fmtOps(target) + " ops/s" : "≥ " + Report.fmtRatio(target);
        }

        /** "yes", "**NO**", or "n/a" (missing data) / "" (informational). */
        String verdict(OptionalDouble v) {
            if (v.isEmpty()) {
                return "n/a";
            }
            if (Double.isNaN(target)) {
                return "";
            }
            return v.getAsDouble() >= target ? "yes" : "**NO**";
        }

        String valueText(OptionalDouble v) {
            if (v.isEmpty()) {
                return "n/a";
            }
            return absolute ? Report.fmtOps(v.getAsDouble()) + " ops/s" : Report.fmtRatio(v.getAsDouble());
        }
    }

    private Goals() {
    }

    /** The goals for the aggregates values present in the runs (1 hot aggregate and 100 000, normally). */
    static List<Goal> all(List<RunResults> runs) {
        Set<String> aggregates = new LinkedHashSet<>();
        runs.forEach(r -> r.jmh().stream().filter(j -> j.benchmarkClass().equals(CAA))
                .map(j -> j.param("aggregates")).filter(a -> a != null).sorted((a, b) -> Long.compare(parse(b), parse(a)))
                .forEach(aggregates::add));
        if (aggregates.isEmpty()) {
            aggregates.add(null);
        }
        List<Goal> goals = new ArrayList<>();
        for (String agg : aggregates) {
            String suffix = agg == null ? "" : " (aggregates=" + agg + ")";
            for (String store : List.of("redis-batch", "redis-async")) {
                goals.add(new Goal(store + " advance / redis-benchmark ceiling P64" + suffix, 0.85, false,
                        run -> ratio(run.opsPerSecond(CAA, "advance", store, agg), ceiling(run, 64))));
            }
            for (String store : List.of("redis-batch", "redis-async")) {
                // issue 13: every seqtrack path against hand-written Lettuce doing the same pipelined script calls
                goals.add(new Goal(store + " advance / raw-lettuce (same pipelined EVALSHAs)" + suffix, 0.9, false,
                        run -> ratio(run.opsPerSecond(CAA, "advance", store, agg),
                                run.opsPerSecond(CAA, "advance", "raw-lettuce", agg))));
            }
            goals.add(new Goal("redis-sync advance / redis-benchmark ceiling P1" + suffix, Double.NaN, false,
                    run -> ratio(run.opsPerSecond(CAA, "advance", "redis-sync", agg), ceiling(run, 1))));
            for (String store : List.of("redis-async", "redis-batch")) {
                goals.add(new Goal(store + " advance / naive GET-compare-SET" + suffix, 5.0, false,
                        run -> ratio(run.opsPerSecond(CAA, "advance", store, agg),
                                run.opsPerSecond(CAA, "advance", "naive", agg))));
            }
            goals.add(new Goal("inmemory advance / ConcurrentHashMap.compute" + suffix, 0.8, false,
                    run -> ratio(run.opsPerSecond(CAA, "advance", "inmemory", agg),
                            run.opsPerSecond(CAA, "advance", "chm", agg))));
        }
        Set<String> parallelism = new java.util.TreeSet<>((a, b) -> Long.compare(parse(a), parse(b)));
        runs.forEach(r -> r.jmh().stream().filter(j -> j.benchmarkClass().equals(PROC))
                .map(j -> j.param("parallelism")).filter(p -> p != null).forEach(parallelism::add));
        if (parallelism.isEmpty()) {
            parallelism.add(null);
        }
        for (String p : parallelism) {
            String suffix = p == null ? "" : " (parallelism=" + p + ")";
            java.util.Map<String, String> params = p == null ? java.util.Map.of() : java.util.Map.of("parallelism", p);
            goals.add(new Goal("processor end-to-end, inmemory" + suffix, 1_000_000, true,
                    run -> run.opsPerSecondWith(PROC, null, "inmemory", params)));
            goals.add(new Goal("processor end-to-end, redis / redis-benchmark ceiling P64" + suffix, 0.5, false,
                    run -> ratio(run.opsPerSecondWith(PROC, null, "redis", params), ceiling(run, 64))));
        }
        return goals;
    }

    private static OptionalDouble ceiling(RunResults run, int depth) {
        return run.ceiling(depth).map(c -> OptionalDouble.of(c.rps())).orElse(OptionalDouble.empty());
    }

    static OptionalDouble ratio(OptionalDouble a, OptionalDouble b) {
        if (a.isEmpty() || b.isEmpty() || b.getAsDouble() <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(a.getAsDouble() / b.getAsDouble());
    }

    static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
