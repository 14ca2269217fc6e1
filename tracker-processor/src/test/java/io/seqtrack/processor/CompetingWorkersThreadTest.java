package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three processors on real lane threads consume the same duplicated, shuffled stream from one store and buffer: every
 * event is handled exactly once, in order per aggregate, and never by two handlers at once.
 */
class CompetingWorkersThreadTest {

    @Test
    @Timeout(60)
    void everyEventIsHandledOnceInOrderAcrossThreeProcessors() throws Exception {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        InMemoryEventBuffer buffer = InMemoryEventBuffer.create();
        Object bufferChanged = new Object();
        EventBuffer signalling = signallingAfterEveryCall(buffer, bufferChanged);
        Map<AggregateKey, List<Long>> handled = new ConcurrentHashMap<>();
        Map<AggregateKey, AtomicInteger> running = new ConcurrentHashMap<>();
        List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
        int aggregates = 20;
        int events = 40;

        List<EventProcessor> processors = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            processors.add(EventProcessor.builder().registry(DomainRegistry.seedDefaults()).store(store).buffer(signalling)
                    .workerId("thread-worker-" + w).parallelism(2).bufferRecheckInterval(Duration.ofMillis(20))
                    .handler((event, ctx) -> {
                        AtomicInteger inside = running.computeIfAbsent(ctx.key(), k -> new AtomicInteger());
                        if (inside.incrementAndGet() != 1) {
                            overlaps.add(ctx.key() + "#" + ctx.sequence());
                        }
                        handled.computeIfAbsent(ctx.key(), k -> Collections.synchronizedList(new ArrayList<>()))
                                .add(ctx.sequence());
                        inside.decrementAndGet();
                    }).build());
        }
        List<Event> stream = new ArrayList<>();
        for (int a = 0; a < aggregates; a++) {
            for (long seq = 1; seq <= events; seq++) {
                stream.add(ProcessorHarness.event("user_account", "a" + a, seq));
                stream.add(ProcessorHarness.event("user_account", "a" + a, seq)); // every event delivered twice
            }
        }
        Collections.shuffle(stream, new Random(42));
        try {
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
            Random pick = new Random(7);
            for (Event event : stream) {
                outcomes.add(processors.get(pick.nextInt(3)).submit(event).toCompletableFuture());
            }
            CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            // buffered events drain on the processors' own timers: block until the buffer is empty, re-checking
            // after every buffer call a processor makes (bounded only so that a stuck processor fails the test)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            synchronized (bufferChanged) {
                long left;
                while (buffer.pendingCount() > 0 && (left = deadline - System.nanoTime()) > 0) {
                    bufferChanged.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            }
            assertThat(buffer.pendingCount()).isZero();
        } finally {
            processors.forEach(EventProcessor::close);
        }
        assertThat(overlaps).isEmpty();
        List<Long> expected = LongStream.rangeClosed(1, events).boxed().toList();
        for (int a = 0; a < aggregates; a++) {
            assertThat(handled.get(AggregateKey.of("user_account", "a" + a))).as("aggregate a%d", a)
                    .containsExactlyElementsOf(expected);
        }
    }

    /** {@code buffer} behind a proxy that wakes the waiters on {@code changed} after each call it answers. */
    private static EventBuffer signallingAfterEveryCall(EventBuffer buffer, Object changed) {
        return (EventBuffer) Proxy.newProxyInstance(EventBuffer.class.getClassLoader(), new Class<?>[] {EventBuffer.class},
                (proxy, method, args) -> {
                    try {
                        return method.invoke(buffer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        synchronized (changed) {
                            changed.notifyAll();
                        }
                    }
                });
    }
}
