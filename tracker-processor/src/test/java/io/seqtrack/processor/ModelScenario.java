package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A random stream — duplicates, shuffles, permanent gaps, handlers that fail (some for good) — fed to several
 * competing workers over one store and buffer, then checked against a reference model of what the policies promise:
 * every delivered event handled exactly once and in order, up to the first one whose handler always fails; that one
 * and everything after it parked; every never-delivered sequence below it skipped and recorded; nothing else lost.
 */
final class ModelScenario {

    static final int MAX_ATTEMPTS = 3;

    static DomainRegistry registry() {
        return DomainRegistry.of(DomainRegistration.builder("user_account").gapPolicy(GapPolicy.SKIP)
                .gapTimeout(Duration.ofSeconds(5)).leaseTtl(Duration.ofSeconds(30)).maxBufferedPerAggregate(1_000)
                .retryPolicy(RetryPolicy.builder().maxAttempts(MAX_ATTEMPTS).initialBackoff(Duration.ofMillis(100))
                        .multiplier(2).jitter(0).build())
                .build());
    }

    private final long seed;
    private final int aggregates;
    private final int eventsPerAggregate;
    private final int workers;

    /** Lanes run after about one in {@code runEvery} submissions: 4 keeps batches small, 50 makes them large. */
    private final int runEvery;
    private final boolean batchHandler;

    ModelScenario(long seed, int aggregates, int eventsPerAggregate, int workers) {
        this(seed, aggregates, eventsPerAggregate, workers, 4, false);
    }

    ModelScenario(long seed, int aggregates, int eventsPerAggregate, int workers, int runEvery, boolean batchHandler) {
        this.seed = seed;
        this.aggregates = aggregates;
        this.eventsPerAggregate = eventsPerAggregate;
        this.workers = workers;
        this.runEvery = runEvery;
        this.batchHandler = batchHandler;
    }

    /** Runs the scenario on the harness and asserts the model; returns the number of handler successes checked. */
    int run(ProcessorHarness harness) {
        Random random = new Random(seed);
        Map<String, TreeSet<Long>> delivered = new HashMap<>();
        Map<String, Long> firstFailingForGood = new HashMap<>();
        List<Event> stream = new ArrayList<>();
        for (int a = 0; a < aggregates; a++) {
            String id = "agg-" + seed + "-" + a;
            TreeSet<Long> seqs = new TreeSet<>();
            for (long seq = 1; seq <= eventsPerAggregate; seq++) {
                if (random.nextDouble() < 0.1) {
                    continue; // a permanent gap: never delivered
                }
                seqs.add(seq);
                // most handlers succeed, some fail once (a retry succeeds), a few always fail (the event gets parked)
                int failures = random.nextDouble() < 0.75 ? 0 : random.nextDouble() < 0.8 ? 1 : Integer.MAX_VALUE;
                if (failures > 0) {
                    harness.failTimes("user_account", id, seq, failures);
                }
                if (failures == Integer.MAX_VALUE && !firstFailingForGood.containsKey(id)) {
                    firstFailingForGood.put(id, seq);
                }
                int copies = random.nextDouble() < 0.2 ? 2 : 1; // duplicates and redeliveries
                for (int c = 0; c < copies; c++) {
                    stream.add(ProcessorHarness.event("user_account", id, seq));
                }
            }
            delivered.put(id, seqs);
        }
        Collections.shuffle(stream, random);

        List<EventProcessor> processors = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            // odd seeds run with sticky ownership: commits that claim the next event, held claims across batches
            java.util.function.Consumer<EventProcessor.Builder> sticky = b -> b.stickyOwnership(seed % 2 != 0);
            processors.add(batchHandler ? harness.batchProcessor("worker-" + w, sticky)
                    : harness.processor("worker-" + w, sticky));
        }
        for (Event event : stream) {
            processors.get(random.nextInt(workers)).submit(event);
            if (random.nextInt(runEvery) == 0) {
                harness.scheduler.runReady();
            }
        }
        for (int i = 0; i < 60; i++) {
            harness.scheduler.advance(Duration.ofSeconds(1)); // retries, rechecks, gap timeouts
        }

        int checked = 0;
        for (Map.Entry<String, TreeSet<Long>> entry : delivered.entrySet()) {
            String id = entry.getKey();
            AggregateKey key = AggregateKey.of("user_account", id);
            TreeSet<Long> seqs = entry.getValue();
            long stopAt = firstFailingForGood.getOrDefault(id, Long.MAX_VALUE);
            List<Long> expectedHandled = new ArrayList<>(seqs.headSet(stopAt, false));
            List<Long> expectedParked = new ArrayList<>(seqs.tailSet(stopAt, true));

            assertThat(harness.handled("user_account", id)).as("handled, once each, in order: %s (seed %d)", id, seed)
                    .containsExactlyElementsOf(expectedHandled);
            assertThat(harness.buffer.parked(key)).extracting(ParkedEvent::sequence)
                    .as("parked behind the first event that always fails: %s (seed %d)", id, seed)
                    .containsExactlyElementsOf(expectedParked);
            assertThat(harness.buffer.pending(key)).as("nothing left waiting: %s", id).isEmpty();

            // every never-delivered sequence below the last handled one was skipped, and recorded as skipped
            long lastHandled = expectedHandled.isEmpty() ? 0 : expectedHandled.get(expectedHandled.size() - 1);
            long horizon = expectedParked.isEmpty() ? lastHandled : Math.max(lastHandled, expectedParked.get(0) - 1);
            TreeSet<Long> skipped = new TreeSet<>();
            for (SkippedRange r : harness.store.skippedRanges(key)) {
                for (long s = r.fromSequence(); s <= r.toSequence(); s++) {
                    skipped.add(s);
                }
            }
            TreeSet<Long> missing = new TreeSet<>();
            for (long s = 1; s <= horizon; s++) {
                if (!seqs.contains(s)) {
                    missing.add(s);
                }
            }
            assertThat(skipped).as("skipped ranges of %s (seed %d)", id, seed).isEqualTo(missing);
            checked += expectedHandled.size();
        }
        return checked;
    }
}
