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
 *   <tr><td>{@code redis-async}</td><td>{@code advanceAsync} for all of them (pipelined, all in flight), then join</td></tr>
 *   <tr><td>{@code redis-batch}</td><td>one {@code advanceAll} of all of them</td></tr>
 *   <tr><td>{@code naive}</td><td>the replaced system: {@code GET}, compare in Java, {@code SET} (Lettuce sync)</td></tr>
 * </table>
 *
 * <p><b>Units.</b> Every invocation handles exactly {@code batchSize} events for every store, and the method is
 * annotated {@code @OperationsPerInvocation(}{@value #EVENTS}{@code )}, so every score is <em>per event</em>:
 * Throughput is events/s, SampleTime is seconds per event (for the sync stores: the mean of {@value #EVENTS}
 * consecutive calls; for async/batch: the batch's latency divided by its size). Because JMH fixes the operation count
 * at compile time, {@code batchSize} can only be {@value #EVENTS}; another depth needs another method. (JMH prints
 * sub-microsecond seconds as {@code ≈ 10⁻⁷}; the JSON keeps full precision, or pass {@code -tu us} to read latencies.)
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

    /** Events per invocation: the batch size / pipeline depth. */
    public static final int EVENTS = 64;

    @Param({AdvanceDriver.INMEMORY, AdvanceDriver.CHM, AdvanceDriver.REDIS_SYNC, AdvanceDriver.REDIS_ASYNC,
            AdvanceDriver.REDIS_BATCH, AdvanceDriver.NAIVE})
    public String store;

    /** Aggregates per thread: 1 (one hot aggregate) or many (cold, spread). */
    @Param({"1", "100000"})
    public int aggregates;

    /** Events per invocation; fixed to {@value #EVENTS} by {@code @OperationsPerInvocation}. */
    @Param({"64"})
    public int batchSize;

    private RedisTarget redis;
    private AdvanceDriver driver;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        if (batchSize != EVENTS) {
            throw new IllegalArgumentException("batchSize must be " + EVENTS + " (the @OperationsPerInvocation of "
                    + "this benchmark, so scores stay per event), was " + batchSize);
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
        thread.cursor.next(thread.keys, thread.seqs, EVENTS);
        int inOrder = driver.advance(thread.keys, thread.seqs, EVENTS);
        if (inOrder != EVENTS) {
            throw new IllegalStateException(store + ": only " + inOrder + " of " + EVENTS + " next sequences were "
                    + "IN_ORDER; the benchmark's aggregates were touched by someone else");
        }
        return inOrder;
    }
}
