package io.seqtrack.benchmarks;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.AdvanceRequest;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.CommitRequest;
import io.seqtrack.redis.RedisSequenceStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memory per tracked aggregate in Redis: {@code used_memory} from {@code INFO memory} (summed over the masters of a
 * Cluster) before and after writing {@code aggregates} aggregates with random UUID ids, divided by their number, for
 * seqtrack's layout and the plain layouts it replaces, each in its own trial on the same deployment:
 *
 * <table>
 *   <tr><th>layout</th><th>what is written per aggregate</th></tr>
 *   <tr><td>{@code seqtrack}</td><td>{@code RedisSequenceStore.advanceAll} (MONOTONIC, last = 17)</td></tr>
 *   <tr><td>{@code seqtrack-claimed}</td><td>{@code claimAll} + {@code commitAll} (last and fencing token at rest)</td></tr>
 *   <tr><td>{@code set}</td><td>{@code SET <prefix>:set:<id> 17}: one string key per aggregate</td></tr>
 *   <tr><td>{@code hset}</td><td>{@code HSET <prefix>:hset:<id> last 17}: one small hash per aggregate</td></tr>
 * </table>
 *
 * <p>The JMH score is the fill time (single shot, run it with {@code -wi 0 -i 1}); the figure that matters is the
 * bytes per aggregate, printed and, with {@code -Dseqtrack.bench.memory.csv=FILE}, appended to that CSV
 * ({@code layout,aggregates,bytes_per_aggregate,used_before,used_after}; run.sh writes {@code memory.csv}).
 *
 * <p><b>Destructive.</b> The figure is only meaningful on a database nobody else writes to, and it adds up to
 * {@code aggregates} keys per layout (deleted again when the trial ends). Against an existing deployment
 * ({@code -Dseqtrack.redis.uri}) it refuses to run unless {@code -Dseqtrack.bench.allowDestructive=true}; run.sh passes
 * that only for a topology it started itself or with {@code --allow-destructive}, and otherwise excludes the benchmark
 * ({@code -e Memory}). Without a URI it launches its own {@code redis-server} per trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(1)
@Threads(1)
public class MemoryFootprintBenchmark {

    static final String ALLOW_PROPERTY = "seqtrack.bench.allowDestructive";
    static final String CSV_PROPERTY = "seqtrack.bench.memory.csv";
    static final String CSV_HEADER = "layout,aggregates,bytes_per_aggregate,used_before,used_after";
    private static final int BATCH = 2_000;

    @Param({"seqtrack", "seqtrack-claimed", "set", "hset"})
    public String layout;

    @Param({"1000000"})
    public int aggregates;

    private RedisTarget redis;
    private RedisSequenceStore store;
    private List<String> ids;
    private long before;
    private long after;

    @Setup(Level.Trial)
    public void setUp() {
        if (!System.getProperty(RedisTarget.URI_PROPERTY, "").isBlank() && !Boolean.getBoolean(ALLOW_PROPERTY)) {
            throw new IllegalStateException("the memory benchmark writes " + aggregates + " aggregates and measures "
                    + "the whole server's used_memory: it needs a database of its own. Refusing to run against "
                    + System.getProperty(RedisTarget.URI_PROPERTY) + " without -D" + ALLOW_PROPERTY + "=true "
                    + "(run.sh: --allow-destructive)");
        }
        if (aggregates < 1) {
            throw new IllegalArgumentException("aggregates must be >= 1, was " + aggregates);
        }
        redis = RedisTarget.open();
        if (layout.startsWith("seqtrack")) {
            store = RedisSequenceStore.create(redis.storeConfig());
        } else if (!layout.equals("set") && !layout.equals("hset")) {
            throw new IllegalArgumentException("unknown layout '" + layout + "'; expected seqtrack, "
                    + "seqtrack-claimed, set or hset");
        }
        Random random = new Random(20261127L);
        ids = new ArrayList<>(aggregates);
        for (int i = 0; i < aggregates; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
    }

    @Benchmark
    public double fill() throws Exception {
        before = redis.usedMemory();
        switch (layout) {
            case "seqtrack" -> advanceAll();
            case "seqtrack-claimed" -> claimAndCommitAll();
            case "set" -> pipelined(id -> redis.async().set(redis.keyPrefix() + ":set:" + id, "17"));
            default -> pipelined(id -> redis.async().hset(redis.keyPrefix() + ":hset:" + id, "last", "17"));
        }
        after = redis.usedMemory();
        return bytesPerAggregate();
    }

    double bytesPerAggregate() {
        return (after - before) / (double) aggregates;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            String line = String.format(Locale.ROOT, "%s,%d,%.1f,%d,%d", layout, aggregates, bytesPerAggregate(),
                    before, after);
            System.out.printf(Locale.ROOT, "%n[memory] %-16s %,d aggregates: %.1f bytes per aggregate%n", layout,
                    aggregates, bytesPerAggregate());
            String csv = System.getProperty(CSV_PROPERTY, "");
            if (!csv.isBlank()) {
                Path file = Path.of(csv);
                if (!Files.exists(file) || Files.size(file) == 0) {
                    Files.writeString(file, CSV_HEADER + "\n", StandardCharsets.UTF_8);
                }
                Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
        } finally {
            try {
                if (store != null) {
                    store.close();
                }
            } finally {
                redis.close(); // a launched server is destroyed; on a deployment our prefix's keys are unlinked
            }
        }
    }

    private void advanceAll() {
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<AdvanceRequest> batch = new ArrayList<>(BATCH);
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                batch.add(new AdvanceRequest(AggregateKey.of("user_account", id), 17, TrackingMode.MONOTONIC));
            }
            store.advanceAll(batch);
        }
    }

    private void claimAndCommitAll() {
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<ClaimRequest> claims = new ArrayList<>(BATCH);
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                claims.add(new ClaimRequest(AggregateKey.of("user_account", id), 1, TrackingMode.STRICT, "worker-1",
                        Duration.ofSeconds(30)));
            }
            List<ClaimResult> results = store.claimAll(claims);
            List<CommitRequest> commits = new ArrayList<>(claims.size());
            for (int i = 0; i < claims.size(); i++) {
                commits.add(new CommitRequest(claims.get(i).key(), 1, results.get(i).fencingToken()));
            }
            store.commitAll(commits);
        }
    }

    private void pipelined(Function<String, RedisFuture<?>> command) throws Exception {
        StatefulConnection<String, String> connection = redis.connection();
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<RedisFuture<?>> futures = new ArrayList<>(BATCH);
            connection.setAutoFlushCommands(false);
            try {
                for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
                    futures.add(command.apply(id));
                }
                connection.flushCommands();
            } finally {
                connection.setAutoFlushCommands(true);
            }
            for (RedisFuture<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
