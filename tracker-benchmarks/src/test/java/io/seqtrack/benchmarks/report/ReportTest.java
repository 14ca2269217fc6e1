package io.seqtrack.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportTest {

    @Test
    void oneRunReportsGoalsHonestlyIncludingMisses() throws Exception {
        String md = Report.markdown(List.of(RunResults.load(ParsingTest.A)));
        // 110k / 120k, 100k / 120k, 9M / 10M, 100k / 8k
        assertThat(md).contains("| redis-batch advance / redis-benchmark ceiling P64 (aggregates=100000) | ≥ 0.85× | 0.92× | yes |");
        assertThat(md).contains("| redis-async advance / redis-benchmark ceiling P64 (aggregates=100000) | ≥ 0.85× | 0.83× | **NO** |");
        assertThat(md).contains("| redis-async advance / naive GET-compare-SET (aggregates=100000) | ≥ 5.00× | 12.50× | yes |");
        assertThat(md).contains("| inmemory advance / ConcurrentHashMap.compute (aggregates=100000) | ≥ 0.80× | 0.90× | yes |");
        assertThat(md).contains("| redis-sync advance / redis-benchmark ceiling P1 (aggregates=100000) | (info) | 0.86× |  |");
        assertThat(md).contains("| processor end-to-end, inmemory | ≥ 1.00 M ops/s | 800 k ops/s | **NO** |");
        assertThat(md).contains("| processor end-to-end, redis / redis-benchmark ceiling P64 | ≥ 0.50× | 0.42× | **NO** |");
        // aggregates=1 has only the sample-mode redis-sync row: the others are missing, not guessed
        assertThat(md).contains("| inmemory advance / ConcurrentHashMap.compute (aggregates=1) | ≥ 0.80× | n/a | n/a |");
        assertThat(md).contains("| 64 | 1 | 120 k |");
        assertThat(md).contains("| CheckAndAdvanceBenchmark.advance | thrpt | inmemory | aggregates=100000, batchSize=64 | 9,000 ± 450 | ops/ms | 9.00 M |");
        assertThat(md).contains("| CheckAndAdvanceBenchmark.advance | sample | redis-sync | aggregates=1, batchSize=64 | 62.5 ± 1.50 | us/op | 16.0 k | 55.0 / 140 us/op |");
        assertThat(md).contains("topology=standalone").contains("![throughput per store](throughput.svg)");
    }

    @Test
    void batchSizesAndThreadsArePairedWithTheCeilingAtTheSameDepthAndClients() throws Exception {
        String md = Report.markdown(List.of(RunResults.load(ParsingTest.A)));
        // jmh-batch.json: redis-batch 90 ops/ms at batch 16 over the P16 ceiling 100 k; redis-async with 2 threads at
        // batch 64 (150 k) over the 2-client P64 ceiling (200 k); the main pass's batch-64 rows over P64/1 client
        assertThat(md).contains("## Batch size and threads against the ceiling at the same depth");
        assertThat(md).contains("| redis-batch | 100000 | 1 | 16 | 16 | 90.0 k | 100 k | 0.90× |");
        assertThat(md).contains("| redis-async | 100000 | 2 | 64 | 64 | 150 k | 200 k | 0.75× |");
        assertThat(md).contains("| redis-batch | 100000 | 1 | 64 | 64 | 110 k | 120 k | 0.92× |");
        // one call at a time is depth 1, whatever the loop's batch size
        assertThat(md).contains("| redis-sync | 100000 | 1 | 64 | 1 | 15.0 k | 17.5 k | 0.86× |");
        // no ceiling measured at that depth: said, not borrowed from another depth
        assertThat(md).contains("| redis-async | 100000 | 1 | 256 | 256 | 45.0 k | n/a | n/a |");
        // the goals stay at one thread and batch 64: the extra rows do not leak into them
        assertThat(md).contains("| redis-async advance / redis-benchmark ceiling P64 (aggregates=100000) | ≥ 0.85× | 0.83× | **NO** |");
    }

    @Test
    void memoryPerAggregateIsShownAgainstPlainSet() throws Exception {
        String md = Report.markdown(List.of(RunResults.load(ParsingTest.A)));
        assertThat(md).contains("## Memory per aggregate")
                .contains("| seqtrack | 1,000,000 | 30.8 | 0.30× |")
                .contains("| set | 1,000,000 | 104.4 | 1.00× |")
                .contains("| hset | 1,000,000 | 136.4 | 1.31× |");
        // the cluster fixture has no memory.csv: shown as missing, not as zero
        String two = Report.markdown(List.of(RunResults.load(ParsingTest.A), RunResults.load(ParsingTest.B)));
        assertThat(two).contains("| seqtrack | 1,000,000 | 30.8 | 0.30× | n/a | n/a |");
    }

    @Test
    void twoRunsGetABOverAColumn() throws Exception {
        String md = Report.markdown(List.of(RunResults.load(ParsingTest.A), RunResults.load(ParsingTest.B)));
        assertThat(md).contains("* **A**: `standalone-20250101-1200`").contains("* **B**: `cluster-20250101-1300`");
        assertThat(md).contains("| goal | target | A | met | B | met |");
        // B's redis-batch is 55k vs its own ceiling 100k
        assertThat(md).contains("| redis-batch advance / redis-benchmark ceiling P64 (aggregates=100000) | ≥ 0.85× | 0.92× | yes | 0.55× | **NO** |");
        assertThat(md).contains("| 64 | 1 | 120 k | 100 k | 0.83× |");
        assertThat(md).contains("| CheckAndAdvanceBenchmark.advance | thrpt | naive | aggregates=100000, batchSize=64 | 8.00 ± 0.400 | ops/ms | 8.00 k | 4.00 ± 0.200 | 4.00 k | 0.50× |");
    }

    @Test
    void writesReportAndAWellFormedSvgWithBarsAndLines(@TempDir Path out) throws Exception {
        List<Path> written = Report.write(List.of(ParsingTest.A, ParsingTest.B), out);
        assertThat(written).containsExactly(out.resolve("report.md"), out.resolve("throughput.svg"));
        String svg = Files.readString(out.resolve("throughput.svg"));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        // 7 categories (6 stores at 100000 + redis-sync at 1) + 2 processor stores, 2 runs each, + background + 2 legend
        assertThat(doc.getElementsByTagName("rect").getLength()).isEqualTo(1 + 9 * 2 + 2);
        assertThat(svg).contains("A ceiling P64 120 k").contains("B ceiling P64 100 k")
                .contains("A chm 10.0 M").contains("B naive 4.00 k");
        assertThat(SvgChart.categories(List.of(RunResults.load(ParsingTest.A)))).containsExactly(
                "inmemory agg=100000", "chm agg=100000", "redis-sync agg=1", "redis-sync agg=100000",
                "redis-async agg=100000", "redis-batch agg=100000", "naive agg=100000",
                "processor inmemory", "processor redis");
    }

    @Test
    void mainDefaultsTheOutputToTheLastFolder(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("standalone-x");
        Files.createDirectories(copy);
        for (String f : List.of("jmh.json", "ceiling.csv")) {
            Files.copy(ParsingTest.A.resolve(f), copy.resolve(f));
        }
        Report.main(new String[] {copy.toString()});
        assertThat(copy.resolve("report.md")).exists();
        assertThat(Files.readString(copy.resolve("report.md"))).contains("* Run: `standalone-x`");
    }
}
