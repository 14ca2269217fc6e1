package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One or more processors on virtual time over one store and one buffer, with a recording handler whose failures a test
 * scripts. Everything runs on the test thread.
 */
final class ProcessorHarness implements AutoCloseable {

    static final int LANES = 4;
    final VirtualScheduler scheduler = new VirtualScheduler(LANES);
    final SequenceStore store;
    final EventBuffer buffer;
    final DomainRegistry registry;
    /** Successful handler runs per aggregate, in order: the effects the application saw. */
    final Map<AggregateKey, List<Long>> handled = new ConcurrentHashMap<>();
    final List<ProcessorEvent> events = new CopyOnWriteArrayList<>();
    final List<String> handlerRuns = new CopyOnWriteArrayList<>();
    /** Remaining scripted failures per (aggregate, sequence). */
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    volatile Consumer<HandlerContext> duringHandler = ctx -> { };
    final List<EventProcessor> processors = new ArrayList<>();

    ProcessorHarness(DomainRegistry registry) {
        this(registry, null, InMemoryEventBuffer.create());
    }

    ProcessorHarness(DomainRegistry registry, SequenceStore store, EventBuffer buffer) {
        this.registry = registry;
        // the in-memory store judges leases by the same virtual clock the scheduler moves, and waits (a reset waiting
        // out a live claim) by moving it
        this.store = store != null ? store : InMemorySequenceStore.builder().clock(scheduler.manualClock())
                .sleeper(scheduler.manualClock()::advance).build();
        this.buffer = buffer;
    }

    /** A harness whose store is made on the harness's virtual clock (for stores that judge leases by a clock). */
    static ProcessorHarness withStoreOnItsClock(DomainRegistry registry,
            java.util.function.Function<java.time.Clock, SequenceStore> store, EventBuffer buffer) {
        return new ProcessorHarness(registry, buffer, store);
    }

    private ProcessorHarness(DomainRegistry registry, EventBuffer buffer,
            java.util.function.Function<java.time.Clock, SequenceStore> store) {
        this.registry = registry;
        this.store = store.apply(scheduler.manualClock());
        this.buffer = buffer;
    }

    EventProcessor processor(String workerId) {
        return processor(workerId, b -> { });
    }

    EventProcessor processor(String workerId, Consumer<EventProcessor.Builder> customize) {
        return build(base(workerId).handler(this::handle), customize);
    }

    /**
     * A processor with a {@link BatchEventHandler} that behaves like one transaction per batch: a scripted failure of
     * any of its events fails the whole batch (it uses up that event's failure) and none of its effects are recorded.
     */
    EventProcessor batchProcessor(String workerId, Consumer<EventProcessor.Builder> customize) {
        return build(base(workerId).batchHandler(batch -> {
            for (BatchEventHandler.Call call : batch) {
                HandlerContext ctx = call.context();
                handlerRuns.add(ctx.workerId() + ":" + ctx.key() + "#" + ctx.sequence() + "@" + ctx.attempt());
                duringHandler.accept(ctx);
            }
            for (BatchEventHandler.Call call : batch) {
                String id = call.context().key() + "#" + call.context().sequence();
                Integer left = failures.get(id);
                if (left != null && left > 0) {
                    failures.put(id, left - 1);
                    throw new IllegalStateException("scripted failure of " + id + " in a batch of " + batch.size());
                }
            }
            batchSizes.add(batch.size());
            for (BatchEventHandler.Call call : batch) {
                handled.computeIfAbsent(call.context().key(), k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(call.context().sequence());
            }
        }), customize);
    }

    /** Sizes of the batches a batch handler committed to (its successful calls). */
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

    private EventProcessor.Builder base(String workerId) {
        return EventProcessor.builder().registry(registry).store(store).buffer(buffer)
                .workerId(workerId).scheduler(scheduler).random(() -> 0.0)
                .bufferRecheckInterval(Duration.ofMillis(500))
                .listener(events::add);
    }

    private EventProcessor build(EventProcessor.Builder builder, Consumer<EventProcessor.Builder> customize) {
        customize.accept(builder);
        EventProcessor processor = builder.build();
        processors.add(processor);
        return processor;
    }

    private void handle(Event event, HandlerContext ctx) {
        handlerRuns.add(ctx.workerId() + ":" + ctx.key() + "#" + ctx.sequence() + "@" + ctx.attempt());
        duringHandler.accept(ctx);
        String id = ctx.key() + "#" + ctx.sequence();
        Integer left = failures.get(id);
        if (left != null && left > 0) {
            failures.put(id, left - 1);
            throw new IllegalStateException("scripted failure of " + id);
        }
        handled.computeIfAbsent(ctx.key(), k -> Collections.synchronizedList(new ArrayList<>())).add(ctx.sequence());
    }

    static Event event(String domain, String id, long seq) {
        return Event.of(domain + "/" + id + "/" + seq, domain, id, seq, "Changed",
                ("payload-" + seq).getBytes(StandardCharsets.UTF_8));
    }

    /** Submits and runs the lanes; returns the outcome if it is already final. */
    Outcome submit(EventProcessor processor, Event event) {
        CompletionStage<Outcome> stage = processor.submit(event);
        scheduler.runReady();
        return stage.toCompletableFuture().getNow(null);
    }

    List<Long> handled(String domain, String id) {
        return handled.getOrDefault(AggregateKey.of(domain, id), List.of());
    }

    void failTimes(String domain, String id, long seq, int times) {
        failures.put(AggregateKey.of(domain, id) + "#" + seq, times);
    }

    <T extends ProcessorEvent> List<T> events(Class<T> type) {
        List<T> result = new ArrayList<>();
        for (ProcessorEvent e : events) {
            if (type.isInstance(e)) {
                result.add(type.cast(e));
            }
        }
        return result;
    }

    @Override
    public void close() {
        processors.forEach(EventProcessor::close);
    }

    /**
     * {@code name}, or {@code name-<n>} for the first {@code n} that puts it on the lane of {@code id} (of
     * {@link #LANES}): for scenarios that need two aggregates to share a lane.
     */
    static String idOnTheLaneOf(String domain, String id, String name) {
        int lane = io.seqtrack.processor.internal.LaneOf.lane(AggregateKey.of(domain, id), LANES);
        String candidate = name;
        for (int n = 1; io.seqtrack.processor.internal.LaneOf.lane(AggregateKey.of(domain, candidate), LANES) != lane; n++) {
            candidate = name + "-" + n;
        }
        return candidate;
    }
}
