package io.seqtrack.benchmarks;

import io.seqtrack.core.domain.AggregateKey;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Check-and-advance ({@code SequenceStore.advance}) throughput and latency, every implementation behind one facade
 * ({@link AdvanceDriver}, selected by {@code @Param store}):
 *
 * <table>
 *   <tr><th>store</th><th>what one invocation does with its {@value #EVENTS} events</th></tr>
 *   <tr><td>{@code inmemory}</td><td>{@code InMemorySequenceStore.advance}, one after the other</td></tr>
 *   <tr><td>{@code chm}</td><td>{@code ConcurrentHashMap.compute} with the same rule: the in-memory ceiling</td></tr>
 *   <tr><td>{@code redis-sync}</td><td>{@code RedisSequenceStore.advance}, one round trip at a time</td></tr>
 *   <tr><td>{@code redis-async}</td><td>per batch: {@code advanceAsync} for each event (pipelined, all in flight), then join</td></tr>
 *   <tr><td>{@code redis-autobatch}</td><td>the same loop on a store with {@code autoBatch(256)}: the calls in flight
 *       are coalesced into batch calls</td></tr>
 *   <tr><td>{@code redis-batch}</td><td>one {@code advanceAll} per batch</td></tr>
 *   <tr><td>{@code raw-lettuce}</td><td>per batch: the same {@code EVALSHA}s of the advance script as the store,
 *       hand-written on a Lettuce connection with auto-flush off, one flush, then joined (one {@code WAIT} per
 *       batch under {@code -Dseqtrack.redis.wait}): the baseline every seqtrack Redis path is a ratio of
 *       ({@link RawLettuce})</td></tr>
 *   <tr><td>{@code naive}</td><td>the replaced system: {@code GET}, compare in Java, {@code SET} (Lettuce sync)</td></tr>
 * </table>
 *
 * <p><b>Units and batch size.</b> JMH fixes {@code @OperationsPerInvocation} at compile time, so it cannot follow the
 * {@code batchSize} parameter. Instead every invocation handles the same {@value #EVENTS} events for every store and
 * every batch size, as {@code EVENTS / batchSize} consecutive batches of {@code batchSize} (each batch is one
 * {@code advanceAll}, or {@code batchSize} pipelined {@code advanceAsync} calls joined before the next batch), and the
 * method is annotated {@code @OperationsPerInvocation(}{@value #EVENTS}{@code )}: every score is <em>per event</em>.
 * Throughput is events/s; SampleTime is seconds per event (the invocation's time divided by {@value #EVENTS}: for the
 * sync stores the mean of consecutive calls, for async/batch the batch latency divided by its size, averaged over the
 * invocation's batches). {@code batchSize} must divide {@value #EVENTS}: 1, 16, 64 and 256 are the defaults. For the
 * one-call-at-a-time stores ({@code inmemory}, {@code chm}, {@code redis-sync}, {@code naive}) the batch size changes
 * nothing but the loop shape; run.sh sweeps it only for {@code redis-async}, {@code redis-batch} and
 * {@code raw-lettuce}. (JMH prints
 * sub-microsecond seconds as {@code ≈ 10⁻⁷}; the JSON keeps full precision, or pass {@code -tu us} to read latencies.)
 *
 * <p><b>Threads.</b> JMH's {@code -t N} runs N benchmark threads against the one shared store (one Redis connection
 * for the Redis stores, as an application would share it); each thread owns its aggregates. run.sh runs
 * {@code -t 1} and {@code -t 2} and measures the ceiling with as many redis-benchmark clients.
 *
 * <p>Each event is the next sequence of an aggregate owned by the calling thread, so every answer must be
 * {@code IN_ORDER}; the benchmark fails loudly otherwise. Redis: see {@link RedisTarget} ({@code -Dseqtrack.redis.uri}
 * or a launched {@code redis-server}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckAndAdvanceBenchmark {

    /** Events per invocation, whatever the batch size: a multiple of every {@code batchSize}. */
    public static final int EVENTS = 256;

    @Param({AdvanceDriver.INMEMORY, AdvanceDriver.CHM, AdvanceDriver.REDIS_SYNC, AdvanceDriver.REDIS_ASYNC,
            AdvanceDriver.REDIS_BATCH, AdvanceDriver.REDIS_AUTOBATCH, AdvanceDriver.RAW_LETTUCE, AdvanceDriver.NAIVE})
    public String store;

    /** Aggregates per thread: 1 (one hot aggregate) or many (cold, spread). */
    @Param({"1", "100000"})
    public int aggregates;

    /** Events per batch: the pipeline depth of {@code redis-async}, the size of one {@code advanceAll}. */
    @Param({"1", "16", "64", "256"})
    public int batchSize;

    private RedisTarget redis;
    private AdvanceDriver driver;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        if (batchSize < 1 || batchSize > EVENTS || EVENTS % batchSize != 0) {
            throw new IllegalArgumentException("batchSize must divide " + EVENTS + " (the events of one invocation, "
                    + "its @OperationsPerInvocation, so scores stay per event), was " + batchSize);
        }
        threads.set(0);
        redis = AdvanceDriver.needsRedis(store) ? RedisTarget.open() : null;
        driver = AdvanceDriver.create(store, redis);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            driver.close();
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    /** One thread's aggregates and the arrays one invocation fills. */
    @State(Scope.Thread)
    public static class ThreadCursor {
        AggregateCursor cursor;
        AggregateKey[] keys;
        long[] seqs;

        @Setup(Level.Trial)
        public void setUp(CheckAndAdvanceBenchmark benchmark) {
            cursor = new AggregateCursor(benchmark.threads.getAndIncrement(), benchmark.aggregates);
            keys = new AggregateKey[benchmark.batchSize];
            seqs = new long[benchmark.batchSize];
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int advance(ThreadCursor thread) {
        int batch = batchSize;
        int inOrder = 0;
        for (int done = 0; done < EVENTS; done += batch) {
            thread.cursor.next(thread.keys, thread.seqs, batch);
            inOrder += driver.advance(thread.keys, thread.seqs, batch);
        }
        if (inOrder != EVENTS) {
            throw new IllegalStateException(store + ": only " + inOrder + " of " + EVENTS + " next sequences were "
                    + "IN_ORDER; the benchmark's aggregates were touched by someone else");
        }
        return inOrder;
    }
}
