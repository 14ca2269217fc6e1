package io.seqtrack.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/** One line of the runner's ceiling.csv: redis-benchmark EVALSHA of the advance script at a pipeline depth. */
public record Ceiling(int pipeline, int clients, long requests, double rps) {

    /** Parses {@code pipeline,clients,requests,rps[,...]} with a header line; blank and malformed lines are skipped. */
    public static List<Ceiling> parseCsv(String csv) {
        List<Ceiling> out = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.trim().split(",");
            if (f.length < 4 || !f[0].trim().matches("\\d+")) {
                continue;
            }
            try {
                out.add(new Ceiling(Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()),
                        Long.parseLong(f[2].trim()), Double.parseDouble(f[3].trim().replace("\"", ""))));
            } catch (NumberFormatException e) {
                // a partial line from an interrupted run: ignore it
            }
        }
        return out;
    }
}
