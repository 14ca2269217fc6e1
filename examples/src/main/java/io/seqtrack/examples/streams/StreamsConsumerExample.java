package io.seqtrack.examples.streams;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryStoreModule;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.ProcessorModule;
import io.seqtrack.streams.StreamsConsumerModule;
import io.seqtrack.streams.StreamsConsumerRunner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Streams consumer application with the Guice modules (docs/brokers.md): it appends a few accounts' events to
 * a stream — with every third event appended twice, as a producer retrying after a lost reply would — then consumes
 * them through {@link StreamsConsumerModule} into the processor, and prints what each account's projection saw.
 *
 * <pre>
 * java -cp examples/target/seqtrack-example.jar io.seqtrack.examples.streams.StreamsConsumerExample \
 *     redis://localhost:6379 account-events
 * </pre>
 */
public final class StreamsConsumerExample {

    static final int ACCOUNTS = 3;
    static final int EVENTS = 5;

    private StreamsConsumerExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: StreamsConsumerExample <redis uri> <stream>");
            System.exit(2);
        }
        run(args[0], args[1], "seqtrack-example-" + System.currentTimeMillis(), System.out);
    }

    /** Appends, consumes until every event is handled, shuts down in order; returns each account's sequences. */
    static Map<String, List<Long>> run(String redisUri, String stream, String group, PrintStream out)
            throws Exception {
        append(redisUri, stream);
        Map<String, List<Long>> seen = new ConcurrentHashMap<>();
        CountDownLatch allHandled = new CountDownLatch(ACCOUNTS * EVENTS);
        EventHandler projection = (event, ctx) -> {
            seen.computeIfAbsent(ctx.key().aggregateId(), k -> new ArrayList<>()).add(ctx.sequence());
            allHandled.countDown();
        };
        Injector injector = Guice.createInjector(
                new InMemoryStoreModule(),
                new ProcessorModule(),
                // a new group reads the stream from its start; the consumer name is unique per process
                new StreamsConsumerModule(redisUri, stream, group, "example-" + ProcessHandle.current().pid()),
                new AbstractModule() {
                    @Override
                    protected void configure() {
                        bind(DomainRegistry.class).toInstance(DomainRegistry.seedDefaults());
                        bind(EventHandler.class).toInstance(projection);
                    }
                });
        StreamsConsumerRunner runner = injector.getInstance(StreamsConsumerRunner.class);
        runner.start();
        try {
            if (!allHandled.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not every event was handled within 60 s: " + seen);
            }
        } finally {
            runner.close();                                          // waits for in-flight entries (XACK)
            injector.getInstance(EventProcessor.class).close();      // then the processor
        }
        seen.keySet().stream().sorted().forEach(account -> out.println(account + " " + seen.get(account)));
        return seen;
    }

    /** The fields the default mapper reads: domain, aggregateId, sequence, and optionally eventId, type, payload. */
    private static void append(String redisUri, String stream) {
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (long seq = 1; seq <= EVENTS; seq++) {
                for (int a = 0; a < ACCOUNTS; a++) {
                    Map<String, String> entry = Map.of("eventId", "acc-" + a + "-" + seq, "domain", "user_account",
                            "aggregateId", "acc-" + a, "sequence", Long.toString(seq), "type", "Deposited",
                            "payload", "{\"amount\":" + seq + "}");
                    connection.sync().xadd(stream, entry);
                    if (seq % 3 == 0) {
                        connection.sync().xadd(stream, entry); // a copy: DUPLICATE, the projection never sees it
                    }
                }
            }
        } finally {
            client.shutdown();
        }
    }
}
