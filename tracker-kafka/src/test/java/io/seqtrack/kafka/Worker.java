package io.seqtrack.kafka;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.HandlerContext;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.tck.HandlerHistory;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One consumer process of a test, in the test JVM: a processor on the shared store with the buffer the scenario gives
 * it (its own in-memory one, as separate processes would have, or the shared Redis one), and a runner in the test's
 * consumer group. Its handler and listeners write the
 * {@link HandlerHistory}; {@code onHandle} lets a test block or fail chosen events.
 */
final class Worker implements AutoCloseable {

    /** What a test does inside a handler run, after the start is recorded (throw to fail the run). */
    interface HandlerHook {
        void handle(String worker, Event event, HandlerContext ctx) throws Exception;
    }

    final String name;
    final EventProcessor processor;
    final PollLoop runner;

    private Worker(String name, EventProcessor processor, PollLoop runner) {
        this.name = name;
        this.processor = processor;
        this.runner = runner;
    }

    static Worker start(String name, Map<String, Object> consumerProperties, String topic, SequenceStore store,
            EventBuffer buffer, DomainRegistry registry, HandlerHistory history, HandlerHook hook,
            Consumer<KafkaConsumerRunner.Builder> customizer) {
        EventProcessor processor = EventProcessor.builder().registry(registry).store(store)
                .buffer(buffer).workerId(name).parallelism(2)
                .bufferRecheckInterval(Duration.ofMillis(200))
                .handler((event, ctx) -> history.handle(name, ctx.key().toString(), ctx.sequence(),
                        ctx.fencingToken(), HandlerHistory.received(event.eventId(), event.payload()),
                        () -> hook.handle(name, event, ctx)))
                .listener(event -> {
                    if (event instanceof ProcessorEvent.Processed p) {
                        history.run('C', name, p.key().toString(), p.sequence(), 0);
                    } else if (event instanceof ProcessorEvent.Parked p) {
                        history.run('P', name, p.key().toString(), p.sequence(), 0);
                    } else if (event instanceof ProcessorEvent.Buffered b) {
                        history.run('B', name, b.key().toString(), b.sequence(), 0);
                    }
                })
                .build();
        KafkaConsumerRunner.Builder builder = KafkaConsumerRunner.builder()
                .consumerProperties(consumerProperties).topics(topic).processor(processor)
                .commitInterval(Duration.ofMillis(100))
                .redeliveryBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .listener(event -> record(name, history, event));
        customizer.accept(builder);
        PollLoop runner = (PollLoop) builder.build();
        runner.start();
        return new Worker(name, processor, runner);
    }

    private static void record(String name, HandlerHistory history, KafkaRunnerEvent event) {
        if (event instanceof KafkaRunnerEvent.Committing c) {
            c.offsets().forEach((tp, offset) -> history.broker('K', name, tp.toString(), offset, null));
        } else if (event instanceof KafkaRunnerEvent.Rejected r) {
            history.broker('J', name, r.rejected().partition().toString(), r.rejected().offset(),
                    r.rejected().kind().name());
        } else if (event instanceof KafkaRunnerEvent.Acknowledged a) {
            history.broker('A', name, a.partition().toString(), a.offset(), a.outcome().name());
        } else if (event instanceof KafkaRunnerEvent.Revoking r) {
            history.broker('V', name, r.partition().toString(), -1, Integer.toString(r.inFlight()));
        } else if (event instanceof KafkaRunnerEvent.Redelivering r) {
            history.broker('R', name, r.partition().toString(), r.offset(), r.reason());
        }
    }

    /** Gracefully: the runner hands over (waits, commits), then the processor stops. */
    @Override
    public void close() {
        runner.close();
        processor.close();
    }

    /** As a killed process: the runner stops without waiting or committing, the processor fails what is open. */
    void kill() {
        runner.kill();
        processor.close();
    }
}
