package io.seqtrack.torture;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.torture.TorturePlan.Delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * One worker JVM of the torture suite: hosts {@code --processors} independent {@link EventProcessor}s (each with its
 * own Redis connections and worker id, as separate consumers would be), takes deliveries from files the test drops
 * into {@code DIR/inbox}, and writes every handler run, commit, fence, park, skip and ack to an append-only
 * {@link History} per processor. A submission that fails (store unreachable: unknown outcome) is redelivered after
 * 200 ms, as a broker would. Exits 0 once {@code DIR/stop} exists and every delivery is acknowledged.
 */
public final class TortureWorker {

    static final Duration LEASE = Duration.ofMillis(1500);
    static final Duration GAP_TIMEOUT = Duration.ofMillis(5000);

    private TortureWorker() {
    }

    /** The registry every worker and the checker share: store numbering = event numbering (first sequence 1). */
    static DomainRegistry registry() {
        return registry(Duration.ofMillis(5), Duration.ofMillis(40));
    }

    /** The same registry with another retry backoff (a scenario may need one worker to retry slowly). */
    static DomainRegistry registry(Duration initialBackoff, Duration maxBackoff) {
        RetryPolicy retry = RetryPolicy.builder().maxAttempts(10).initialBackoff(initialBackoff)
                .maxBackoff(maxBackoff).build();
        return DomainRegistry.of(domain(TorturePlan.PARK, GapPolicy.PARK, retry),
                domain(TorturePlan.SKIP, GapPolicy.SKIP, retry));
    }

    private static DomainRegistration domain(String name, GapPolicy policy, RetryPolicy retry) {
        return DomainRegistration.builder(name).mode(TrackingMode.STRICT).firstSequence(1).leaseTtl(LEASE)
                .retryPolicy(retry).gapTimeout(GAP_TIMEOUT).gapPolicy(policy).maxBufferedPerAggregate(10_000)
                .build();
    }

    static RedisStoreConfig storeConfig(Map<String, String> options) {
        RedisStoreConfig.Builder config = RedisStoreConfig.builder().uri(options.get("uri"))
                .cluster(Boolean.parseBoolean(options.getOrDefault("cluster", "false")))
                .keyPrefix(options.get("prefix"))
                .commandTimeout(Duration.ofMillis(Long.parseLong(options.getOrDefault("command-timeout-ms", "1000"))));
        int wait = Integer.parseInt(options.getOrDefault("wait", "0"));
        if (wait > 0) {
            config.waitForReplicas(wait, Duration.ofMillis(1000));
        }
        int nearCache = Integer.parseInt(options.getOrDefault("near-cache", "0"));
        if (nearCache > 0) {
            config.nearCache(nearCache, Duration.ofMillis(Long.parseLong(options.getOrDefault("near-cache-ms",
                    "1000"))));
        }
        return config.build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path dir = Path.of(options.get("dir"));
        String name = options.get("name");
        int processorCount = Integer.parseInt(options.getOrDefault("processors", "2"));
        double failRate = Double.parseDouble(options.getOrDefault("fail-rate", "0.05"));
        int handlerMicros = Integer.parseInt(options.getOrDefault("handler-micros", "300"));
        String slow = options.getOrDefault("slow", "");
        String failOnce = options.getOrDefault("fail-once", "");
        DomainRegistry registry = options.containsKey("retry-backoff-ms")
                ? registry(Duration.ofMillis(Long.parseLong(options.get("retry-backoff-ms"))),
                        Duration.ofMillis(Long.parseLong(options.get("retry-backoff-ms"))))
                : registry();
        AtomicBoolean failedOnce = new AtomicBoolean(failOnce.isEmpty());
        Random random = new Random(Long.parseLong(options.getOrDefault("seed", "1")));
        RedisStoreConfig config = storeConfig(options);

        List<History> histories = new ArrayList<>();
        List<EventProcessor> processors = new ArrayList<>();
        List<AutoCloseable> resources = new ArrayList<>();
        for (int i = 0; i < processorCount; i++) {
            String proc = name + "-" + i;
            History history = History.open(dir, proc);
            RedisSequenceStore store = RedisSequenceStore.create(config);
            RedisEventBuffer buffer = RedisEventBuffer.create(config);
            resources.add(store::close);
            resources.add(buffer::close);
            histories.add(history);
            processors.add(EventProcessor.builder().registry(registry).store(store).buffer(buffer)
                    .workerId(proc).parallelism(2)
                    .handler(handler(history, failRate, handlerMicros, slow, failOnce, failedOnce,
                            new Random(random.nextLong())))
                    .listener(listener(history))
                    .busyRetryDelay(Duration.ofMillis(20))
                    .bufferRecheckInterval(Duration.ofMillis(200))
                    .bufferSweepInterval(Duration.ofMillis(1000))
                    .stickyOwnership(Boolean.parseBoolean(options.getOrDefault("sticky", "false")))
                    .build());
        }

        Files.writeString(dir.resolve("ready"), "ready\n"); // connected: the test may start injecting faults
        AtomicInteger outstanding = new AtomicInteger();
        ScheduledExecutorService redelivery = Executors.newSingleThreadScheduledExecutor();
        Path inbox = dir.resolve("inbox");
        Set<String> consumed = new HashSet<>();
        long stopSeenAt = 0;
        while (true) {
            for (Path file : newInboxFiles(inbox, consumed)) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    // a consumer hands an aggregate's events to one processor (its partition); competition comes
                    // from the other worker JVM, which gets copies and redeliveries of the same aggregates
                    Delivery d = Delivery.parse(line);
                    int index = Math.floorMod(d.key().hashCode() * 31 + 7, processors.size());
                    outstanding.incrementAndGet();
                    submit(processors.get(index), histories.get(index), d, outstanding,
                            redelivery);
                }
            }
            if (Files.exists(dir.resolve("stop"))) {
                stopSeenAt = stopSeenAt == 0 ? System.nanoTime() : stopSeenAt;
                if (outstanding.get() == 0 || System.nanoTime() - stopSeenAt > TimeUnit.SECONDS.toNanos(60)) {
                    break;
                }
            }
            Thread.sleep(50);
        }
        int left = outstanding.get();
        processors.forEach(EventProcessor::close);
        redelivery.shutdownNow();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        histories.forEach(History::close);
        System.exit(left == 0 ? 0 : 3);
    }

    private static List<Path> newInboxFiles(Path inbox, Set<String> consumed) throws IOException {
        if (!Files.isDirectory(inbox)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(inbox)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".events"))
                    .filter(p -> consumed.add(p.getFileName().toString()))
                    .sorted().toList();
        }
    }

    private static void submit(EventProcessor processor, History history, Delivery delivery,
            AtomicInteger outstanding, ScheduledExecutorService redelivery) {
        Event event = Event.of(delivery.eventId(), delivery.domain(), delivery.aggregateId(), delivery.seq(),
                "torture", delivery.payload());
        processor.submit(event).whenComplete((outcome, error) -> {
            if (error == null && outcome.safeToAcknowledge()) {
                history.append('A', delivery.id(), outcome);
                outstanding.decrementAndGet();
                return;
            }
            String why = error != null ? rootCause(error).getClass().getSimpleName() : outcome.name();
            history.append('R', delivery.id(), why);
            redelivery.schedule(() -> submit(processor, history, delivery, outstanding, redelivery), 200,
                    TimeUnit.MILLISECONDS);
        });
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Records the run, works for up to {@code handlerMicros}, fails at random. {@code slow} ({@code key:seq:millis})
     * makes one event's handler take long, so a test can pause or kill this worker in the middle of it.
     * {@code failOnce} ({@code key:seq}) makes the first run of that event in this JVM fail (its claim is released).
     */
    private static EventHandler handler(History history, double failRate, int handlerMicros, String slow,
            String failOnce, AtomicBoolean failedOnce, Random random) {
        String[] trap = slow.isEmpty() ? null : slow.split(":");
        return (event, ctx) -> {
            String key = key(ctx.key());
            long seq = ctx.sequence();
            // what the handler was given, not what the broker sent: the checker compares it with the plan
            history.append('S', key, seq, ctx.fencingToken(), ctx.attempt(), event.eventId(),
                    TorturePlan.payloadHash(event.payload()));
            boolean failing;
            synchronized (random) {
                failing = random.nextDouble() < failRate;
            }
            if (trap != null && trap[0].equals(key) && Long.parseLong(trap[1]) == seq) {
                Thread.sleep(Long.parseLong(trap[2]));
                failing = false; // the trap run must reach its commit, so a test sees it fenced
            } else if (handlerMicros > 0) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(handlerMicros));
            }
            if (failOnce.equals(key + ":" + seq) && failedOnce.compareAndSet(false, true)) {
                failing = true;
            }
            if (failing) {
                history.append('F', key, seq, ctx.fencingToken());
                throw new IllegalStateException("injected handler failure");
            }
            history.append('E', key, seq, ctx.fencingToken());
        };
    }

    private static ProcessorListener listener(History history) {
        return event -> {
            if (event instanceof ProcessorEvent.Processed p) {
                history.append('C', key(p.key()), p.sequence());
            } else if (event instanceof ProcessorEvent.Fenced f) {
                history.append('X', key(f.key()), f.sequence(), f.fencingToken());
            } else if (event instanceof ProcessorEvent.Parked p) {
                history.append('P', key(p.key()), p.sequence(), p.reason().replace(' ', '_'));
            } else if (event instanceof ProcessorEvent.GapTimedOut g) {
                history.append('G', key(g.key()), g.from(), g.to(), g.policy());
            } else if (event instanceof ProcessorEvent.Skipped s) {
                history.append('K', key(s.key()), s.range().fromSequence(), s.range().toSequence());
            }
        };
    }

    static String key(AggregateKey key) {
        return key.domain() + "/" + key.aggregateId();
    }

    /** Kept for the outcome names the checker accepts. */
    static final Set<String> SAFE_OUTCOMES = Set.of(Outcome.PROCESSED.name(), Outcome.DUPLICATE.name(),
            Outcome.BUFFERED.name(), Outcome.PARKED.name(), Outcome.SKIPPED.name());
}
