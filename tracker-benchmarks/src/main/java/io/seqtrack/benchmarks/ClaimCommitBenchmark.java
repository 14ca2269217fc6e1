package io.seqtrack.benchmarks;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ClaimResult;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.redis.RedisSequenceStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The claim → commit protocol (without a handler in between): one invocation claims the next sequence of an aggregate
 * owned by the thread and commits it with the fencing token — one event, two store calls (two round trips on Redis).
 * Throughput is events/s; SampleTime is the latency of one claim+commit pair (seconds; {@code -tu us} to read it).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClaimCommitBenchmark {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Param({AdvanceDriver.INMEMORY, AdvanceDriver.REDIS_SYNC})
    public String store;

    @Param({"1", "100000"})
    public int aggregates;

    private RedisTarget redis;
    private SequenceStore sequenceStore;
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        threads.set(0);
        switch (store) {
            case AdvanceDriver.INMEMORY -> sequenceStore = InMemorySequenceStore.create();
            case AdvanceDriver.REDIS_SYNC -> {
                redis = RedisTarget.open();
                sequenceStore = RedisSequenceStore.create(redis.storeConfig());
            }
            default -> throw new IllegalArgumentException("unknown store '" + store + "'; expected inmemory or redis-sync");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            sequenceStore.close();
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @State(Scope.Thread)
    public static class ThreadCursor {
        AggregateCursor cursor;
        String owner;
        final AggregateKey[] key = new AggregateKey[1];
        final long[] seq = new long[1];

        @Setup(Level.Trial)
        public void setUp(ClaimCommitBenchmark benchmark) {
            int thread = benchmark.threads.getAndIncrement();
            cursor = new AggregateCursor(thread, benchmark.aggregates);
            owner = "bench-worker-" + thread;
        }
    }

    @Benchmark
    public CommitResult claimCommit(ThreadCursor thread) {
        thread.cursor.next(thread.key, thread.seq, 1);
        AggregateKey key = thread.key[0];
        long seq = thread.seq[0];
        ClaimResult claim = sequenceStore.claim(key, seq, TrackingMode.STRICT, thread.owner, LEASE);
        if (claim.status() != ClaimStatus.CLAIMED) {
            throw new IllegalStateException(store + ": claim of the next sequence " + seq + " of " + key + " answered "
                    + claim);
        }
        CommitResult commit = sequenceStore.commit(key, seq, claim.fencingToken());
        if (commit != CommitResult.COMMITTED) {
            throw new IllegalStateException(store + ": commit of " + key + " #" + seq + " answered " + commit);
        }
        return commit;
    }
}
