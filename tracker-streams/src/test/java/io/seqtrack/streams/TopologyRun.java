package io.seqtrack.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.tck.HandlerHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One end-to-end run of the streams runner on some Redis topology (Cluster, Sentinel), judged like
 * {@link StreamsConsumerRunnerTest}'s: every worker appends to one {@link HandlerHistory}, and {@link RunCheck} checks
 * it — every event committed exactly once, in order, fencing tokens never reused nor a lower one committing over a
 * higher, and every {@code XACK} after its event was committed — and the group's pending list is empty at the end.
 * The test's own commands may fail while a failover is under way; they are retried.
 */
final class TopologyRun implements AutoCloseable {

    static final String DOMAIN = "user_account";
    private static final Duration DONE = Duration.ofSeconds(90);

    final String stream;
    final String group;
    private final Supplier<RedisClusterCommands<String, String>> commands;
    private final UnaryOperator<StreamsConsumerRunner.Builder> topology;
    final SequenceStore store = InMemorySequenceStore.create();
    final HandlerHistory history = new HandlerHistory();
    final Map<String, List<Long>> committed = new ConcurrentHashMap<>();
    final Map<String, String> added = Collections.synchronizedMap(new LinkedHashMap<>());
    final List<StreamsRunnerEvent> events = new CopyOnWriteArrayList<>();
    private final List<Worker> workers = new ArrayList<>();

    /**
     * @param commands the test's commands on the topology (a Cluster's are routed by key)
     * @param topology sets the runner's URIs (and {@code cluster(true)} where wanted)
     */
    TopologyRun(String stream, Supplier<RedisClusterCommands<String, String>> commands,
            UnaryOperator<StreamsConsumerRunner.Builder> topology) {
        this.stream = stream;
        this.group = stream + "-group";
        this.commands = commands;
        this.topology = topology;
    }

    record Worker(EventProcessor processor, StreamsLoop runner) implements AutoCloseable {
        @Override
        public void close() {
            runner.close();
            processor.close();
        }
    }

    interface Hook {
        void run(io.seqtrack.processor.HandlerContext ctx) throws Exception;
    }

    /**
     * A processor of the STRICT domain {@value #DOMAIN} whose handler runs {@code hook} and writes every start, end,
     * failure, commit, park and buffering into {@code history} (and each commit into {@code committed}).
     */
    static EventProcessor processor(String name, SequenceStore store, HandlerHistory history,
            Map<String, List<Long>> committed, Hook hook) {
        DomainRegistry registry = DomainRegistry.of(DomainRegistration.builder(DOMAIN).mode(TrackingMode.STRICT)
                .leaseTtl(Duration.ofSeconds(5)).gapTimeout(Duration.ofSeconds(60)).gapPolicy(GapPolicy.PARK).build());
        return EventProcessor.builder().registry(registry).store(store)
                .buffer(InMemoryEventBuffer.create()).workerId(name).parallelism(2)
                .bufferRecheckInterval(Duration.ofMillis(100))
                .handler((event, ctx) -> history.handle(name, ctx.key().toString(), ctx.sequence(),
                        ctx.fencingToken(), HandlerHistory.received(event.eventId(), event.payload()),
                        () -> hook.run(ctx)))
                .listener(e -> {
                    if (e instanceof ProcessorEvent.Processed p) {
                        history.run('C', name, p.key().toString(), p.sequence(), 0);
                        committed.computeIfAbsent(p.key().toString(), k -> new CopyOnWriteArrayList<>())
                                .add(p.sequence());
                    } else if (e instanceof ProcessorEvent.Parked p) {
                        history.run('P', name, p.key().toString(), p.sequence(), 0);
                    } else if (e instanceof ProcessorEvent.Buffered b) {
                        history.run('B', name, b.key().toString(), b.sequence(), 0);
                    }
                })
                .build();
    }

    Worker worker(String name, Hook hook, UnaryOperator<StreamsConsumerRunner.Builder> customizer) {
        EventProcessor processor = processor(name, store, history, committed, hook);
        StreamsConsumerRunner.Builder builder = topology.apply(StreamsConsumerRunner.builder()).stream(stream)
                .group(group).consumer(name).processor(processor).pollTimeout(Duration.ofMillis(50))
                .listener(events::add).listener(e -> RunCheck.record(history, name, e));
        StreamsLoop runner = (StreamsLoop) customizer.apply(builder).build();
        runner.start();
        Worker worker = new Worker(processor, runner);
        workers.add(worker);
        return worker;
    }

    /** Adds {@code from..to} of {@code aggregates} aggregates, sequence by sequence. */
    void add(int aggregates, long from, long to) throws InterruptedException {
        for (long seq = from; seq <= to; seq++) {
            for (int a = 0; a < aggregates; a++) {
                String event = "a" + a + "#" + seq;
                Map<String, String> fields = Map.of("domain", DOMAIN, "aggregateId", "a" + a, "sequence",
                        Long.toString(seq), "payload", event);
                // a retried XADD whose first attempt did land adds a copy: a duplicate, as from any producer
                String id = retrying("XADD", () -> commands.get().xadd(stream, fields));
                added.put(id, event);
            }
        }
    }

    long committedCount() {
        return committed.values().stream().mapToLong(List::size).sum();
    }

    long pendingCount() throws InterruptedException {
        return retrying("XPENDING", () -> commands.get().xpending(stream, group).getCount());
    }

    /** Every aggregate's commits are exactly 1..events, in that order; nothing is pending; the history checks out. */
    void awaitDone(int aggregates, long events) throws InterruptedException {
        await("every event committed and every entry acknowledged", () -> {
            try {
                return committedCount() >= (long) aggregates * events && pendingCount() == 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        Map<String, Long> perAggregate = new LinkedHashMap<>();
        for (int a = 0; a < aggregates; a++) {
            List<Long> expected = new ArrayList<>();
            for (long seq = 1; seq <= events; seq++) {
                expected.add(seq);
            }
            // each once; the order is RunCheck's to judge: this list is in the order the workers' listeners were
            // called, and two workers' announcements of #n and #n+1 can cross (observed), while the history's handler
            // ends (recorded before each commit) order them exactly
            assertThat(committed.get(DOMAIN + "/a" + a)).as("commits of a%d", a)
                    .containsExactlyInAnyOrderElementsOf(expected);
            perAggregate.put("a" + a, events);
        }
        Map<String, String> appended;
        synchronized (added) {
            appended = Map.copyOf(added);
        }
        List<String> violations = RunCheck.violations(new RunCheck.Plan(DOMAIN, stream, appended, perAggregate, Map.of(),
                Set.of()), history.entries(), store);
        assertThat(violations).as("violations in a history of %d records", history.entries().size()).isEmpty();
    }

    /** What the run went through, for the test's output: takeovers, duplicate acknowledgements, handler runs. */
    String summary() {
        return history.count(e -> e.type() == 'M') + " takeovers, " + history.count(e -> e.type() == 'A'
                && "DUPLICATE".equals(e.detail())) + " entries acknowledged as DUPLICATE, " + history.count(e ->
                e.type() == 'A') + " acknowledged, " + history.count(e -> e.type() == 'S') + " handler runs, "
                + added.size() + " entries appended";
    }

    /** Blocks until {@code condition} holds, re-checking every 20 ms; bounded so that a stuck run fails. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DONE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DONE + " waiting for " + what);
            }
            Thread.sleep(20); // polling real processes
        }
    }

    /** Runs a test command, again while it fails (a failover under way), for up to 30 s. */
    static <T> T retrying(String what, Supplier<T> command) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return command.get();
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(what + " kept failing", e);
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.close();
        }
    }
}
