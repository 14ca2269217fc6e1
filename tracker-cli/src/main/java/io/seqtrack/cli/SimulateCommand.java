package io.seqtrack.cli;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.kafka.KafkaConsumerRunner;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorScheduler;
import io.seqtrack.processor.ProcessorSnapshot;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tracker simulate}: generates a synthetic stream with duplicates, reordering and permanent gaps, runs it
 * through the processor on real lane threads, verifies the result against the generator's ground truth and prints a
 * summary table. Exit code 0 when the verification passes, 1 when it fails, 2 on bad options.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Generate a synthetic stream (duplicates, reordering, permanent gaps), run it through the "
                + "processor, verify the result against the generator's ground truth and print a summary.",
            "The simulated domain runs with gap policy SKIP and a short gap timeout, so permanent gaps resolve."})
final class SimulateCommand implements Callable<Integer> {

    /** Keeps the ground truth and the handler's record comfortably in a default heap. */
    static final long MAX_EVENTS = 5_000_000;
    static final int MAX_AGGREGATES = 1_000_000;
    static final int MAX_STREAM_NAME = 1_024;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--aggregates", paramLabel = "N", defaultValue = "1000",
            description = "aggregates to generate (default ${DEFAULT-VALUE})")
    int aggregates;

    @Option(names = "--events-per-aggregate", paramLabel = "N", defaultValue = "50",
            description = "sequences per aggregate (default ${DEFAULT-VALUE})")
    int eventsPerAggregate;

    @Option(names = "--duplicate-rate", paramLabel = "R", defaultValue = "0.1",
            description = "fraction of delivered events delivered a second time (default ${DEFAULT-VALUE})")
    double duplicateRate;

    @Option(names = "--reorder-rate", paramLabel = "R", defaultValue = "0.1",
            description = "fraction of delivered events displaced up to " + SimulationGenerator.REORDER_WINDOW
                    + " places later (default ${DEFAULT-VALUE})")
    double reorderRate;

    @Option(names = "--gap-rate", paramLabel = "R", defaultValue = "0.01",
            description = "fraction of sequences never delivered (default ${DEFAULT-VALUE})")
    double gapRate;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "the generator's seed: the same seed generates the same stream (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--parallelism", paramLabel = "N",
            description = "lane threads (default: available processors; 4 times that with Redis, whose lanes "
                    + "mostly wait on the network)")
    Integer parallelism;

    @Option(names = "--domain", paramLabel = "NAME", defaultValue = "user_account",
            description = "the STRICT domain to simulate (default ${DEFAULT-VALUE})")
    String domain;

    @Option(names = "--gap-timeout", paramLabel = "DURATION", defaultValue = "200ms",
            converter = DurationParser.Converter.class,
            description = "how long a gap waits before it is skipped (default ${DEFAULT-VALUE})")
    Duration gapTimeout;

    @Option(names = "--source", paramLabel = "direct|kafka|streams", defaultValue = "direct",
            description = {"how events reach the processor: 'direct' (submitted in process, default), 'kafka' "
                + "(produced to a new topic of --bootstrap-servers, keyed by aggregate, and consumed back through the "
                + "Kafka adapter; the topic and its consumer group are deleted afterwards) or 'streams' (appended to a "
                + "new Redis stream at --streams-uri and consumed back through the Redis Streams adapter; the stream "
                + "and its group are deleted afterwards)"})
    String source;

    @Option(names = "--streams-uri", paramLabel = "REDIS_URI",
            description = {"the Redis for --source streams: redis://HOST:PORT, rediss://…, "
                + "redis-sentinel://S1:PORT,S2:PORT#MASTER; repeat it to name the seed nodes of a Redis Cluster "
                + "(several URIs are a Cluster)"})
    List<String> streamsUris;

    @Option(names = "--streams-cluster",
            description = "treat --streams-uri as a Redis Cluster seed node even when only one is given")
    boolean streamsCluster;

    @Option(names = "--stream", paramLabel = "NAME",
            description = "the stream --source streams appends to: it must not exist (a simulation only reads what it "
                + "wrote) and is deleted afterwards (default seqtrack-simulate-<run id>)")
    String streamName;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "the Kafka cluster for --source kafka")
    String bootstrapServers;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4",
            description = "partitions of the topic --source kafka creates (default ${DEFAULT-VALUE})")
    int partitions;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        validate();
        int lanes = parallelism != null ? parallelism : defaultParallelism();
        PrintWriter out = spec.commandLine().getOut();
        boolean redis = !"memory".equalsIgnoreCase(storeOptions.store());
        // a simulation never reads or consumes data it did not write: on Redis it works under a prefix of its own
        String keyPrefix = storeOptions.keyPrefix != null ? storeOptions.keyPrefix : "seqtrack-sim-"
                + UUID.randomUUID().toString().substring(0, 8);
        try (StoreOptions.Opened opened = storeOptions.open(keyPrefix)) {
            DomainRegistry registry = simulationRegistry(opened.registry());
            DomainRegistration registration = registry.lookup(domain);
            String idPrefix = "sim-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36,
                    36L * 36 * 36 * 36 * 36 * 36), 36) + "-";
            SimulationPlan plan = new SimulationGenerator(aggregates, eventsPerAggregate, duplicateRate, reorderRate,
                    gapRate, seed).generate(domain, registration.firstSequence(), idPrefix);
            SimulationObserver observer = new SimulationObserver(plan);
            Run run = run(plan, registry, registration, opened, observer, lanes);
            SimulationVerifier.Verdict verdict = SimulationVerifier.verify(plan, run.observation());
            long pending = run.observation().aggregates().stream().mapToLong(SimulationObservation.Aggregate::pending)
                    .sum();
            String store = storeOptions.store() + (redis ? " (key prefix " + keyPrefix + ")" : "")
                    + (run.source() == null ? "" : ", events through " + run.source());
            new SimulationReport(plan, store, lanes, gapTimeout, seed, run.observation().submitted(),
                    observer.processed(), observer.processedFromBuffer(), observer.duplicatesSkipped(),
                    observer.skippedSequences(), observer.skippedRanges(), observer.parked(), pending, run.elapsed(),
                    verdict).print(out);
            return verdict.passed() ? 0 : 1;
        }
    }

    private int defaultParallelism() {
        int processors = Math.max(1, Runtime.getRuntime().availableProcessors());
        return "memory".equalsIgnoreCase(storeOptions.store()) ? processors : Math.min(4096, 4 * processors);
    }

    /** {@code source}: how the events came (null: submitted directly). */
    private record Run(SimulationObservation observation, Duration elapsed, String source) {
    }

    /** Submits every delivery, waits until the processor comes to rest, and reads what the store and buffer hold. */
    private Run run(SimulationPlan plan, DomainRegistry registry, DomainRegistration registration,
            StoreOptions.Opened opened, SimulationObserver observer, int lanes) {
        ProcessorScheduler scheduler = ProcessorScheduler.threads(lanes);
        EventProcessor processor = EventProcessor.builder()
                .registry(registry).store(opened.store()).buffer(opened.buffer())
                .handler(observer).listener(observer)
                .scheduler(scheduler)
                .workerId("simulate-" + plan.idPrefix() + ProcessHandle.current().pid())
                .maxBufferedTotal(Math.max(100_000, plan.deliveries()))
                // buffered events left by other runs are not the simulation's: it must not feed them to its handler.
                // Its own key prefix keeps them out of reach, but not under a --key-prefix that others use
                // (SimulateCommandTest.simulateUnderANamedKeyPrefixLeavesBufferedEventsItDidNotWriteUntouched)
                .adoptOrphanedBuffers(false)
                .build();
        try (ProgressBar progress = progress(plan, observer, processor)) {
            if ("kafka".equals(source)) {
                return throughKafka(plan, registry, registration, opened, observer, processor);
            }
            if ("streams".equals(source)) {
                return throughStreams(plan, registry, registration, opened, observer, processor);
            }
            long started = System.nanoTime();
            for (int i = 0; i < plan.deliveries(); i++) {
                processor.submit(plan.event(i, registration.sequenceSource())).whenComplete(observer::outcome);
            }
            String unfinished = awaitRest(processor, observer, plan.deliveries());
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            return new Run(observe(plan, registry, opened, observer, unfinished), elapsed, null);
        } finally {
            processor.close();
            scheduler.close();
        }
    }

    /**
     * The deliveries, in plan order, into a new topic, then consumed back through the Kafka adapter; the elapsed time
     * is the consumer's (from its start until the processor is at rest).
     */
    private Run throughKafka(SimulationPlan plan, DomainRegistry registry, DomainRegistration registration,
            StoreOptions.Opened opened, SimulationObserver observer, EventProcessor processor) {
        String topic = "seqtrack-simulate-" + plan.idPrefix().replace("-", "");
        try (KafkaSource kafka = KafkaSource.create(bootstrapServers, topic, partitions)) {
            kafka.produce(plan, registration.sequenceSource());
            long started = System.nanoTime();
            String unfinished;
            KafkaConsumerRunner runner = kafka.consume(processor, observer::outcome);
            try {
                unfinished = awaitRest(processor, observer, plan.deliveries());
            } finally {
                runner.close(); // commits; before the processor closes
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            return new Run(observe(plan, registry, opened, observer, unfinished), elapsed, kafka.describe());
        }
    }

    /**
     * The deliveries, in plan order, into a new Redis stream, then consumed back through the Redis Streams adapter; the
     * elapsed time is the consumer's (from its start until the processor is at rest).
     */
    private Run throughStreams(SimulationPlan plan, DomainRegistry registry, DomainRegistration registration,
            StoreOptions.Opened opened, SimulationObserver observer, EventProcessor processor) {
        String stream = streamName != null ? streamName : "seqtrack-simulate-" + plan.idPrefix().replace("-", "");
        try (StreamsSource streams = StreamsSource.create(streamsUris, streamsCluster || streamsUris.size() > 1, stream)) {
            streams.produce(plan, registration.sequenceSource());
            long started = System.nanoTime();
            String unfinished;
            io.seqtrack.streams.StreamsConsumerRunner runner = streams.consume(processor, observer::outcome);
            try {
                unfinished = awaitRest(processor, observer, plan.deliveries());
            } finally {
                runner.close(); // acknowledges what settled; before the processor closes
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            return new Run(observe(plan, registry, opened, observer, unfinished), elapsed, streams.describe());
        }
    }

    private ProgressBar progress(SimulationPlan plan, SimulationObserver observer, EventProcessor processor) {
        if (!ProgressBar.interactive()) {
            return ProgressBar.none();
        }
        long total = plan.deliveries();
        return ProgressBar.onTerminal(spec.commandLine().getErr(),
                () -> ProgressBar.simulation(observer.finished(), total, processor.snapshot().openGaps()));
    }

    /**
     * Waits until every submission finished and no gap is open and nothing is buffered. Gives up when nothing at all
     * happened for a while (several gap timeouts): then the verification reports what was left.
     *
     * @return null when at rest, else what was still going on
     */
    private String awaitRest(EventProcessor processor, SimulationObserver observer, long submitted) {
        long stallLimit = gapTimeout.multipliedBy(5).plusSeconds(10).toNanos();
        long lastActivity = -1;
        long lastChange = System.nanoTime();
        while (true) {
            ProcessorSnapshot snapshot = processor.snapshot();
            if (observer.finished() == submitted && snapshot.inFlight() == 0 && snapshot.openGaps() == 0
                    && snapshot.bufferedEvents() == 0) {
                return null;
            }
            long activity = observer.activity() + observer.finished();
            if (activity != lastActivity) {
                lastActivity = activity;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > stallLimit) {
                return String.format(Locale.ROOT, "after %d s without progress: %d of %d submissions finished, %d "
                        + "event(s) buffered, %d gap(s) open", Duration.ofNanos(stallLimit).toSeconds(),
                        observer.finished(), submitted, snapshot.bufferedEvents(), snapshot.openGaps());
            }
            LockSupport.parkNanos(5_000_000); // polling a gauge: the processor has no "at rest" signal
        }
    }

    /** The end state: what the handler was given, and what the store and buffer hold for each aggregate. */
    private static SimulationObservation observe(SimulationPlan plan, DomainRegistry registry,
            StoreOptions.Opened opened, SimulationObserver observer, String unfinished) {
        SequenceTracker tracker = new SequenceTrackerService(registry, opened.store());
        EventBuffer buffer = opened.buffer();
        List<SimulationObservation.Aggregate> aggregates = new ArrayList<>(plan.aggregates());
        for (int a = 0; a < plan.aggregates(); a++) {
            AggregateKey key = AggregateKey.of(plan.domain(), plan.aggregateId(a));
            aggregates.add(new SimulationObservation.Aggregate(observer.handled(a), tracker.skippedRanges(key),
                    buffer.pending(key).size(), buffer.parked(key).size(), tracker.lastCommitted(key)));
        }
        return new SimulationObservation(aggregates, plan.deliveries(), observer.finished(),
                observer.duplicatesSkipped(), observer.errors(), unfinished);
    }

    /** The registry with the simulated domain switched to gap policy SKIP after {@code --gap-timeout}. */
    private DomainRegistry simulationRegistry(DomainRegistry registry) {
        DomainRegistration registration = registry.find(domain).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "--domain: unknown domain '" + domain + "'; registered: "
                        + registry.registrations().stream().map(DomainRegistration::name)
                                .collect(Collectors.joining(", "))));
        if (registration.mode() != TrackingMode.STRICT) {
            throw new ParameterException(spec.commandLine(), "--domain: '" + domain + "' is " + registration.mode()
                    + "; simulate needs a STRICT domain (duplicates, reordering and gaps only exist there)");
        }
        DomainRegistration simulated = registration.toBuilder()
                .gapPolicy(GapPolicy.SKIP)
                .gapTimeout(gapTimeout)
                // back-pressure is not what is simulated: an aggregate may buffer its whole stream behind a gap
                .maxBufferedPerAggregate(Math.max(registration.maxBufferedPerAggregate(), eventsPerAggregate))
                .build();
        List<DomainRegistration> registrations = new ArrayList<>();
        for (DomainRegistration r : registry.registrations()) {
            registrations.add(r.name().equals(domain) ? simulated : r);
        }
        return DomainRegistry.of(registrations);
    }

    private void validate() {
        atLeastOne("--aggregates", aggregates);
        atLeastOne("--events-per-aggregate", eventsPerAggregate);
        if (aggregates > MAX_AGGREGATES) {
            usage("--aggregates must be at most " + SimulationReport.count(MAX_AGGREGATES) + ", was "
                    + SimulationReport.count(aggregates));
        }
        if ((long) aggregates * eventsPerAggregate > MAX_EVENTS) {
            usage("--aggregates x --events-per-aggregate must be at most " + SimulationReport.count(MAX_EVENTS)
                    + ", was " + SimulationReport.count((long) aggregates * eventsPerAggregate));
        }
        rate("--duplicate-rate", duplicateRate);
        rate("--reorder-rate", reorderRate);
        rate("--gap-rate", gapRate);
        if (parallelism != null && (parallelism < 1 || parallelism > 4096)) {
            usage("--parallelism must be within [1, 4096], was " + parallelism);
        }
        if (gapTimeout.isNegative() || gapTimeout.isZero()) {
            usage("--gap-timeout must be positive, was " + gapTimeout);
        }
        if (!source.equals("direct") && !source.equals("kafka") && !source.equals("streams")) {
            usage("--source must be 'direct', 'kafka' or 'streams', was '" + source + "'");
        }
        if (source.equals("streams") && (streamsUris == null || streamsUris.isEmpty())) {
            usage("--source streams needs --streams-uri (the Redis server to append to and consume from)");
        }
        if (!source.equals("streams") && streamsUris != null) {
            usage("--streams-uri is only used with --source streams");
        }
        if (!source.equals("streams") && streamsCluster) {
            usage("--streams-cluster is only used with --source streams");
        }
        if (streamsUris != null) {
            boolean sentinel = false;
            for (String uri : streamsUris) {
                if (uri == null || uri.isBlank()) {
                    usage("--streams-uri must not be blank");
                }
                try {
                    sentinel |= !io.lettuce.core.RedisURI.create(uri).getSentinels().isEmpty();
                } catch (IllegalArgumentException e) {
                    usage("--streams-uri is not a Redis URI: '" + uri + "' (" + e.getMessage() + ")");
                }
            }
            if (sentinel && (streamsCluster || streamsUris.size() > 1)) {
                usage("--streams-uri: a redis-sentinel:// URI names its sentinels itself and cannot be combined with "
                        + "Cluster seeds (another --streams-uri or --streams-cluster)");
            }
        }
        if (streamName != null && !source.equals("streams")) {
            usage("--stream is only used with --source streams");
        }
        if (streamName != null && (streamName.isBlank() || streamName.length() > MAX_STREAM_NAME)) {
            usage("--stream must be a non-blank name of at most " + MAX_STREAM_NAME + " characters, was '"
                    + streamName + "'");
        }
        if (source.equals("kafka") && (bootstrapServers == null || bootstrapServers.isBlank())) {
            usage("--source kafka needs --bootstrap-servers (the Kafka cluster to produce to and consume from)");
        }
        if (!source.equals("kafka") && bootstrapServers != null) {
            usage("--bootstrap-servers is only used with --source kafka");
        }
        if (partitions < 1 || partitions > 1000) {
            usage("--partitions must be within [1, 1000], was " + partitions);
        }
    }

    private void atLeastOne(String option, int value) {
        if (value < 1) {
            usage(option + " must be at least 1, was " + value);
        }
    }

    private void rate(String option, double value) {
        if (!(value >= 0 && value <= 1)) { // NaN fails too
            usage(option + " must be within [0, 1], was " + value);
        }
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }
}
