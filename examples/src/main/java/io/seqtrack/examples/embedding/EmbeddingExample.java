package io.seqtrack.examples.embedding;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.examples.embedding.RecordingBroker.Delivery;
import io.seqtrack.inmemory.InMemoryStoreModule;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorModule;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.redis.RedisStoreModule;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The processor embedded with Guice, end to end: a store module, {@link ProcessorModule}, a registry, the application's
 * handler and a listener; a broker's messages submitted and acknowledged by outcome; unacknowledged messages
 * redelivered; shutdown in order. docs/embedding.md walks through it.
 *
 * <pre>
 * java -cp examples/target/seqtrack-example.jar io.seqtrack.examples.embedding.EmbeddingExample
 * java -cp examples/target/seqtrack-example.jar io.seqtrack.examples.embedding.EmbeddingExample \
 *     --store redis://localhost:6379 --domains samples/domains.yaml
 * </pre>
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Report report = run(options);
        report.print(System.out);
        if (!report.complete()) {
            throw new IllegalStateException("the example did not handle every event exactly once in order");
        }
    }

    /** The injector: the store module, the processor module and the application's module. */
    static Injector createInjector(Options options) {
        return Guice.createInjector(
                storeModule(options.store(), options.keyPrefix()),
                processorModule(options.domains()),
                new ApplicationModule(options.domains() == null));
    }

    /** {@code memory}, or a Redis URI: switching stores is swapping this one module. */
    static Module storeModule(String store, String keyPrefix) {
        if (store.equals("memory")) {
            return new InMemoryStoreModule();          // SequenceStore and EventBuffer in this process
        }
        return new RedisStoreModule(RedisStoreConfig.builder()
                .uri(store)                            // redis://, rediss:// (TLS), redis-sentinel://host:26379#master
                .keyPrefix(keyPrefix)                  // one prefix per application that shares the server
                .build());
    }

    /** With a YAML file the module loads the registry; without one the application binds {@code DomainRegistry}. */
    static Module processorModule(Path domainsFile) {
        ProcessorModule module = domainsFile == null
                ? new ProcessorModule()
                : ProcessorModule.withRegistryFile(domainsFile);   // read and validated when the injector is created
        return module.customize(builder -> builder.workerId("example-worker-1").parallelism(4));
    }

    /**
     * Whether the broker may forget a message now. {@link Outcome#safeToAcknowledge()} is true for {@code BUFFERED} and
     * {@code PARKED}: the processor has taken charge of the event in its {@link EventBuffer}. That is only as durable
     * as the buffer — the Redis buffer keeps it across a crash, the in-memory one does not.
     */
    static boolean mayAcknowledge(Outcome outcome, boolean durableBuffer) {
        if (outcome == Outcome.BUFFERED || outcome == Outcome.PARKED) {
            return durableBuffer;
        }
        return outcome.safeToAcknowledge();
    }

    /** The processor first (its last queued work still uses the store and the buffer), then what it used. */
    static void shutDown(Injector injector) {
        injector.getInstance(EventProcessor.class).close();
        injector.getInstance(EventBuffer.class).close();
        injector.getInstance(SequenceStore.class).close();
    }

    /** Runs the example and reports what happened. */
    static Report run(Options options) throws InterruptedException {
        RecordingBroker broker = RecordingBroker.withShuffledStream(options.accounts(), options.events(), options.seed());
        boolean durableBuffer = !options.store().equals("memory");
        Injector injector = createInjector(options);
        try {
            EventProcessor processor = injector.getInstance(EventProcessor.class);
            Map<Outcome, Integer> first = submitAll(processor, broker.deliverAll(), broker, durableBuffer);

            // every event is in the stream, so each gap fills and the buffer drains; wait for the last commits
            ProcessedCounter counter = injector.getInstance(ProcessedCounter.class);
            long distinct = (long) options.accounts() * options.events();
            if (!counter.awaitProcessed(distinct, Duration.ofSeconds(30))) {
                throw new IllegalStateException("only " + counter.processed() + " of " + distinct
                        + " events processed after 30 s (a --key-prefix used before holds their commits already)");
            }

            // what was not acknowledged comes back, as a broker redelivers it; by now it is a DUPLICATE
            Map<Outcome, Integer> again = new EnumMap<>(Outcome.class);
            for (int round = 0; round < 3 && broker.unacknowledgedCount() > 0; round++) {
                submitAll(processor, broker.redeliverUnacknowledged(), broker, durableBuffer)
                        .forEach((outcome, n) -> again.merge(outcome, n, Integer::sum));
            }
            return new Report(options, durableBuffer, broker.messageCount(), first, broker.redeliveries(), again,
                    broker.unacknowledgedCount(), counter.fromBuffer(),
                    injector.getInstance(AccountProjection.class).accounts());
        } finally {
            shutDown(injector);
        }
    }

    /** Submits each delivery and acknowledges it when its outcome allows; returns the outcomes counted. */
    private static Map<Outcome, Integer> submitAll(EventProcessor processor, List<Delivery> deliveries,
            RecordingBroker broker, boolean durableBuffer) {
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        List<CompletableFuture<?>> submitted = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            submitted.add(processor.submit(delivery.event()).toCompletableFuture().whenComplete((outcome, error) -> {
                if (error != null) {
                    return;  // store or buffer unreachable, or the processor closed: not acknowledged, redelivered
                }
                synchronized (outcomes) {
                    outcomes.merge(outcome, 1, Integer::sum);
                }
                if (mayAcknowledge(outcome, durableBuffer)) {
                    broker.ack(delivery.tag());
                }
            }));
        }
        CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
        synchronized (outcomes) {
            return new EnumMap<>(outcomes);
        }
    }

    /** Command-line options. */
    record Options(String store, String keyPrefix, Path domains, int accounts, int events, long seed) {

        static Options parse(String[] args) {
            String store = "memory";
            // the Redis store remembers every commit: a fresh prefix per run, or a second run finds only duplicates
            String keyPrefix = "seqtrack-example-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
            Path domains = null;
            int accounts = 3;
            int events = 40;
            long seed = 42;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--store" -> store = required(args[i], value);
                    case "--key-prefix" -> keyPrefix = required(args[i], value);
                    case "--domains" -> domains = Path.of(required(args[i], value));
                    case "--accounts" -> accounts = Integer.parseInt(required(args[i], value));
                    case "--events" -> events = Integer.parseInt(required(args[i], value));
                    case "--seed" -> seed = Long.parseLong(required(args[i], value));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; usage: [--store memory|redis://HOST:PORT] [--key-prefix PREFIX] [--domains FILE.yaml]"
                            + " [--accounts N] [--events N] [--seed N]");
                }
                i++;
            }
            return new Options(store, keyPrefix, domains, accounts, events, seed);
        }

        private static String required(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }
    }

    /** What happened, for the console and for tests. */
    record Report(Options options, boolean durableBuffer, int messages, Map<Outcome, Integer> firstDelivery,
            int redeliveries, Map<Outcome, Integer> redelivery, int unacknowledged, long drainedFromBuffer,
            Map<String, AccountProjection.Account> accounts) {

        /** Every account has every event applied exactly once, in sequence order, and the broker holds nothing. */
        boolean complete() {
            if (unacknowledged != 0 || accounts.size() != options.accounts()) {
                return false;
            }
            return accounts.values().stream().allMatch(account -> {
                List<String> history = account.history();
                for (int i = 0; i < history.size(); i++) {
                    if (!history.get(i).startsWith((i + 1) + ":")) {
                        return false;
                    }
                }
                return history.size() == options.events();
            });
        }

        void print(PrintStream out) {
            out.printf("seqtrack embedded with Guice: store %s (%s buffer), registry %s%n", options.store(),
                    durableBuffer ? "durable" : "in-memory",
                    options.domains() == null ? "DomainRegistry.seedDefaults()" : options.domains());
            out.printf("  delivered      %d messages: %d accounts x %d events, some twice, shuffled (seed %d)%n",
                    messages, options.accounts(), options.events(), options.seed());
            out.printf("  outcomes       %s%n", format(firstDelivery));
            out.printf("  redelivered    %d not acknowledged at first%s%n", redeliveries,
                    redeliveries == 0 ? "" : ": " + format(redelivery));
            out.printf("  unacknowledged %d%n", unacknowledged);
            out.printf("  handled        %d events (%d of them out of the buffer), each once, in order per account: %s%n",
                    accounts.values().stream().mapToInt(a -> a.history().size()).sum(), drainedFromBuffer,
                    complete() ? "yes" : "NO");
        }

        private static String format(Map<Outcome, Integer> outcomes) {
            return outcomes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", "));
        }
    }
}
