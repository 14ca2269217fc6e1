package io.seqtrack.benchmarks;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Processor end-to-end: events/s through {@link EventProcessor} (claim → handler → commit, reorder buffer, duplicate
 * detection) for a stream with 10 % duplicates and 10 % reordered events (swapped adjacent pairs) over
 * {@code aggregates} aggregates (default 100 000, the figure) of the STRICT domain {@code user_account}.
 *
 * <p>One invocation submits a chunk of {@value #EVENTS} events (generated outside the measurement) and returns when
 * every submission completed and every new event reached the handler (buffered events drain after their gap closes),
 * so the score, with {@code @OperationsPerInvocation(}{@value #EVENTS}{@code )}, is delivered events/s (duplicates
 * included, as a broker would deliver them). The handler does nothing but count. Single benchmark thread: the
 * processor's own {@code parallelism} workers do the work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class ProcessorBenchmark {

    public static final int EVENTS = 10_000;
    static final String DOMAIN = "user_account";
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @Param({"inmemory", "redis"})
    public String store;

    /** The processor's worker count (lanes): 2 = this machine's cores, 8 = more lanes than cores. */
    @Param({"2", "8"})
    public int parallelism;

    /**
     * {@code single}: an {@code EventHandler} per event; {@code batch}: a {@code BatchEventHandler} per lane batch (what
     * a projection writing one transaction per batch uses). Both count the events they are given.
     */
    @Param({"single", "batch"})
    public String handler;

    /**
     * {@code true}: {@code stickyOwnership(true)} — a commit claims the aggregate's next event when it is already queued,
     * so a stream of one aggregate's events costs one store element per event instead of a claim and a commit.
     */
    @Param({"false"})
    public boolean sticky;

    /** How many aggregates the stream spreads over: 100 000 is what the processor goals are stated at. */
    @Param({"100000"})
    public int aggregates;

    private RedisTarget redis;
    private SequenceStore sequenceStore;
    private EventBuffer buffer;
    private EventProcessor processor;
    private EventStream stream;
    private EventStream.Chunk chunk;
    private final AtomicLong handled = new AtomicLong();
    private long expectedHandled;

    @Setup(Level.Trial)
    public void setUp() {
        switch (store) {
            case "inmemory" -> {
                sequenceStore = InMemorySequenceStore.create();
                buffer = InMemoryEventBuffer.create();
            }
            case "redis" -> {
                redis = RedisTarget.open();
                RedisStoreConfig config = redis.storeConfig();
                sequenceStore = RedisSequenceStore.create(config);
                buffer = RedisEventBuffer.create(config);
            }
            default -> throw new IllegalArgumentException("unknown store '" + store + "'; expected inmemory or redis");
        }
        EventProcessor.Builder builder = EventProcessor.builder()
                .registry(DomainRegistry.seedDefaults())
                .store(sequenceStore)
                .buffer(buffer);
        switch (handler) {
            case "single" -> builder.handler((event, context) -> handled.incrementAndGet());
            case "batch" -> builder.batchHandler(batch -> handled.addAndGet(batch.size()));
            default -> throw new IllegalArgumentException("unknown handler '" + handler + "'; expected single or batch");
        }
        processor = builder
                .parallelism(parallelism)
                .stickyOwnership(sticky)
                .workerId("bench-processor")
                .maxInFlight(EVENTS)
                .build();
        stream = new EventStream(DOMAIN, aggregates, 0.10, 0.10, 42);
        handled.set(0);
        expectedHandled = 0;
    }

    @Setup(Level.Invocation)
    public void nextChunk() {
        chunk = stream.next(EVENTS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            processor.close();
            sequenceStore.close();
            buffer.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the processor benchmark's store", e);
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long process() {
        @SuppressWarnings("unchecked")
        CompletableFuture<Outcome>[] outcomes = new CompletableFuture[chunk.events().size()];
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = processor.submit(chunk.events().get(i)).toCompletableFuture();
        }
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        for (CompletableFuture<Outcome> outcome : outcomes) {
            Outcome o = outcome.join();
            if (o == Outcome.BUFFER_FULL || o == Outcome.REJECTED || o == Outcome.PARKED) {
                throw new IllegalStateException("unexpected outcome " + o + " in the processor benchmark");
            }
        }
        expectedHandled += chunk.fresh();
        while (handled.get() < expectedHandled) { // buffered events drain after their gap closed
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + handled.get() + " of " + expectedHandled
                        + " events reached the handler within 60 s");
            }
            LockSupport.parkNanos(10_000);
        }
        return handled.get();
    }
}
