package io.seqtrack.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The CI smoke pass: one short measurement iteration of every benchmark, every store and every mode, in-process
 * (no fork), against a {@code redis-server} the benchmarks launch themselves (or {@code -Dseqtrack.redis.uri}). It
 * keeps the suite compiling and runnable; the numbers mean nothing.
 */
class BenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsAndScores() throws Exception {
        Options options = new OptionsBuilder()
                .include("^" + CheckAndAdvanceBenchmark.class.getName() + "\\.")
                .include("^" + ClaimCommitBenchmark.class.getName() + "\\.")
                .include("^" + ProcessorBenchmark.class.getName() + "\\.")
                .forks(0)
                .threads(1)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .param("aggregates", "1")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        Map<String, Double> scores = new TreeMap<>();
        for (RunResult result : results) {
            var params = result.getParams();
            String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', 
                    params.getBenchmark().lastIndexOf('.') - 1) + 1)
                    + " store=" + params.getParam("store") + " " + params.getMode().shortLabel();
            scores.put(name, result.getPrimaryResult().getScore());
        }
        System.out.println("smoke scores: " + scores);

        // CheckAndAdvance: 6 stores x 2 modes; ClaimCommit: 2 stores x 2 modes; Processor: 2 stores x throughput
        assertThat(scores).hasSize(6 * 2 + 2 * 2 + 2);
        assertThat(scores.keySet()).contains(
                "CheckAndAdvanceBenchmark.advance store=naive thrpt",
                "CheckAndAdvanceBenchmark.advance store=redis-batch sample",
                "ClaimCommitBenchmark.claimCommit store=redis-sync thrpt",
                "ProcessorBenchmark.process store=redis thrpt");
        assertThat(scores).allSatisfy((name, score) -> assertThat(score).as(name).isPositive());
    }
}
