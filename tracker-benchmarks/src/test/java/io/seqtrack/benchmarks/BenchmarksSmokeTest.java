package io.seqtrack.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.benchmarks.report.MemoryRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The CI smoke pass: one short measurement iteration of every benchmark, every store, layout and mode, in-process
 * (no fork), against a {@code redis-server} the benchmarks launch themselves (or {@code -Dseqtrack.redis.uri}). It
 * keeps the suite compiling and runnable; the numbers mean nothing. One batch size (16: several batches per
 * invocation) and one processor parallelism stand for the sweeps, and a second short run covers two threads.
 */
class BenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsAndScores(@TempDir Path tmp) throws Exception {
        Path memoryCsv = tmp.resolve("memory.csv");
        System.setProperty(MemoryFootprintBenchmark.CSV_PROPERTY, memoryCsv.toString());
        Collection<RunResult> results;
        try {
            Options options = new OptionsBuilder()
                    .include("^" + CheckAndAdvanceBenchmark.class.getName() + "\\.")
                    .include("^" + ClaimCommitBenchmark.class.getName() + "\\.")
                    .include("^" + ProcessorBenchmark.class.getName() + "\\.")
                    .include("^" + MemoryFootprintBenchmark.class.getName() + "\\.")
                    .forks(0)
                    .threads(1)
                    .warmupIterations(0)
                    .measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(200))
                    .param("aggregates", "1")
                    .param("batchSize", "16")
                    .param("parallelism", "2")
                    .shouldFailOnError(true)
                    .verbosity(VerboseMode.SILENT)
                    .build();
            results = new Runner(options).run();
        } finally {
            System.clearProperty(MemoryFootprintBenchmark.CSV_PROPERTY);
        }

        Map<String, Double> scores = scores(results);
        System.out.println("smoke scores: " + scores);

        // CheckAndAdvance: 8 stores x 2 modes; ClaimCommit: 2 stores x 2 modes; Processor: 2 stores; Memory: 4 layouts
        assertThat(scores).hasSize(8 * 2 + 2 * 2 + 2 + 4);
        assertThat(scores.keySet()).contains(
                "CheckAndAdvanceBenchmark.advance store=naive thrpt",
                "CheckAndAdvanceBenchmark.advance store=raw-lettuce thrpt",
                "CheckAndAdvanceBenchmark.advance store=redis-batch sample",
                "CheckAndAdvanceBenchmark.advance store=redis-autobatch thrpt",
                "ClaimCommitBenchmark.claimCommit store=redis-sync thrpt",
                "ProcessorBenchmark.process store=redis thrpt",
                "MemoryFootprintBenchmark.fill layout=seqtrack ss");
        assertThat(scores).allSatisfy((name, score) -> assertThat(score).as(name).isPositive());
        List<MemoryRow> memory = MemoryRow.parseCsv(Files.readString(memoryCsv));
        assertThat(memory).extracting(MemoryRow::layout)
                .containsExactlyInAnyOrder("seqtrack", "seqtrack-claimed", "set", "hset");
    }

    @Test
    void advanceRunsWithTwoThreadsSharingTheStore() throws Exception {
        Options options = new OptionsBuilder()
                .include("^" + CheckAndAdvanceBenchmark.class.getName() + "\\.advance")
                .forks(0)
                .threads(2)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .param("store", "inmemory", "redis-async")
                .param("aggregates", "1")
                .param("batchSize", "256")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Map<String, Double> scores = scores(new Runner(options).run());
        assertThat(scores).hasSize(2 * 2).allSatisfy((name, score) -> assertThat(score).as(name).isPositive());
    }

    @Test
    void theMemoryBenchmarkRefusesADeploymentItWasNotAllowedToFill() {
        System.setProperty(RedisTarget.URI_PROPERTY, "redis://127.0.0.1:1");
        try {
            MemoryFootprintBenchmark benchmark = new MemoryFootprintBenchmark();
            benchmark.layout = "seqtrack";
            benchmark.aggregates = 10;
            assertThatThrownBy(benchmark::setUp).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("database of its own").hasMessageContaining("--allow-destructive");
        } finally {
            System.clearProperty(RedisTarget.URI_PROPERTY);
        }
    }

    @Test
    void batchSizesThatDoNotDivideAnInvocationAreRejected() {
        CheckAndAdvanceBenchmark benchmark = new CheckAndAdvanceBenchmark();
        benchmark.store = "inmemory";
        benchmark.aggregates = 1;
        benchmark.batchSize = 48;
        assertThatThrownBy(benchmark::setUp).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize must divide 256");
    }

    private static Map<String, Double> scores(Collection<RunResult> results) {
        Map<String, Double> scores = new TreeMap<>();
        for (RunResult result : results) {
            var params = result.getParams();
            String benchmark = params.getBenchmark();
            String kind = params.getParam("store") != null ? " store=" + params.getParam("store")
                    : " layout=" + params.getParam("layout");
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1)
                    + kind + " " + params.getMode().shortLabel();
            scores.put(name, result.getPrimaryResult().getScore());
        }
        return scores;
    }
}
