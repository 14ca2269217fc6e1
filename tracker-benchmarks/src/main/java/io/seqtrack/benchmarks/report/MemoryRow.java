package io.seqtrack.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/** One line of memory.csv (MemoryFootprintBenchmark): bytes of {@code used_memory} per aggregate for a layout. */
public record MemoryRow(String layout, long aggregates, double bytesPerAggregate) {

    /** Parses {@code layout,aggregates,bytes_per_aggregate[,...]} with a header line; malformed lines are skipped. */
    public static List<MemoryRow> parseCsv(String csv) {
        List<MemoryRow> out = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.trim().split(",");
            if (f.length < 3 || !f[1].trim().matches("\\d+")) {
                continue;
            }
            try {
                out.add(new MemoryRow(f[0].trim(), Long.parseLong(f[1].trim()), Double.parseDouble(f[2].trim())));
            } catch (NumberFormatException e) {
                // a partial line from an interrupted run: ignore it
            }
        }
        return out;
    }
}
