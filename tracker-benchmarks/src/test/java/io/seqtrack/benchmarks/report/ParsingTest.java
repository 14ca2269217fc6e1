package io.seqtrack.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParsingTest {
    static final Path A = Path.of("src/test/resources/report/standalone-20250101-1200");
    static final Path B = Path.of("src/test/resources/report/cluster-20250101-1300");

    @Test
    void loadsAJmhJsonFolder() throws Exception {
        RunResults run = RunResults.load(A);
        assertThat(run.label()).isEqualTo("standalone-20250101-1200");
        // jmh.json (15) and the other passes' jmh-batch.json (3: batch sizes 16 and 256, two threads) and
        // jmh-memory.json (1 single-shot row without a store: the chart must skip it, not fail on it)
        assertThat(run.jmh()).hasSize(15 + 3 + 1);
        assertThat(run.memory()).hasSize(3);
        assertThat(run.meta().getProperty("topology")).isEqualTo("standalone");

        JmhResult first = run.jmh().get(0);
        assertThat(first.simpleName()).isEqualTo("CheckAndAdvanceBenchmark.advance");
        assertThat(first.benchmarkClass()).isEqualTo("CheckAndAdvanceBenchmark");
        assertThat(first.method()).isEqualTo("advance");
        assertThat(first.param("store")).isEqualTo("inmemory");
        assertThat(first.otherParams()).isEqualTo("aggregates=100000, batchSize=64");
        assertThat(first.unit()).isEqualTo("ops/ms");
        assertThat(first.opsPerSecond().getAsDouble()).isCloseTo(9.0e6, within(1.0));

        JmhResult noError = run.jmh().get(1);
        assertThat(noError.method()).isEqualTo("claimCommit");
        assertThat(noError.scoreError()).isNaN();
    }

    @Test
    void derivesThroughputFromSampleTimeAndPrefersThroughputMode() throws Exception {
        RunResults run = RunResults.load(A);
        JmhResult sample = run.jmh().stream().filter(j -> j.mode().equals("sample")).findFirst().orElseThrow();
        assertThat(sample.percentiles()).containsEntry("50.0", 55.0).containsEntry("99.0", 140.0);
        assertThat(sample.opsPerSecond().getAsDouble()).isCloseTo(16_000, within(0.01)); // 1 thread / 62.5 us
        assertThat(run.opsPerSecond("CheckAndAdvanceBenchmark", "advance", "redis-sync", "100000").getAsDouble())
                .isCloseTo(15_000, within(0.01));
        assertThat(run.opsPerSecond("CheckAndAdvanceBenchmark", "advance", "redis-sync", "1").getAsDouble())
                .isCloseTo(16_000, within(0.01));
        assertThat(run.opsPerSecond("CheckAndAdvanceBenchmark", "advance", "missing", null)).isEmpty();
        assertThat(run.opsPerSecond("ProcessorBenchmark", null, "inmemory", null).getAsDouble()).isEqualTo(800_000);
    }

    @Test
    void unitConversions() {
        JmhResult perUs = new JmhResult("x.C.m", "thrpt", 1, java.util.Map.of(), 2, 0, "ops/us", java.util.Map.of());
        assertThat(perUs.opsPerSecond().getAsDouble()).isCloseTo(2e6, within(1e-3));
        JmhResult avgt = new JmhResult("x.C.m", "avgt", 4, java.util.Map.of(), 2, 0, "ms/op", java.util.Map.of());
        assertThat(avgt.opsPerSecond().getAsDouble()).isCloseTo(2000, within(1e-9));
        JmhResult odd = new JmhResult("x.C.m", "ss", 1, java.util.Map.of(), 2, 0, "bytes", java.util.Map.of());
        assertThat(odd.opsPerSecond()).isEmpty();
    }

    @Test
    void parsesCeilingCsvSkippingHeaderAndPartialLines() {
        List<Ceiling> c = Ceiling.parseCsv("pipeline,clients,requests,rps,p50_ms,p99_ms\n"
                + "1,1,20000,17777.78,0.039,0.151\n\n64,1,200000,121432.91\n64,1,20\n");
        assertThat(c).containsExactly(new Ceiling(1, 1, 20000, 17777.78), new Ceiling(64, 1, 200000, 121432.91));
    }

    @Test
    void ceilingPrefersTheSingleClientLine() throws Exception {
        RunResults run = RunResults.load(A);
        RunResults more = new RunResults(run.dir(), run.label(), run.jmh(),
                List.of(new Ceiling(64, 8, 1, 999_999), new Ceiling(64, 1, 1, 120_000)), run.meta());
        assertThat(more.ceiling(64).orElseThrow().rps()).isEqualTo(120_000);
        assertThat(more.ceiling(1)).isEmpty();
    }
}
