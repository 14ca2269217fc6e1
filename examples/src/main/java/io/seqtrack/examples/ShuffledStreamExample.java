package io.seqtrack.examples;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Tracks a shuffled stream with duplicates through claim → handle → commit on the in-memory store and prints what
 * happened. Early events wait in a small reorder buffer and are retried as soon as their predecessor commits — the
 * job the processor module does for real.
 *
 * <p>Usage: {@code java -jar examples/target/seqtrack-example.jar [aggregates] [eventsPerAggregate] [seed]}
 */
public final class ShuffledStreamExample {

    private final SequenceTracker tracker;
    private final PrintStream trace;
    private final Map<AggregateKey, List<Long>> handled = new LinkedHashMap<>();
    private final Map<AggregateKey, TreeMap<Long, TrackedEvent>> waiting = new LinkedHashMap<>();
    private int received;
    private int duplicates;
    private int buffered;
    private int passedThrough;

    /** @param trace where each event's fate is printed, one line per duplicate, early and released event */
    ShuffledStreamExample(SequenceTracker tracker, PrintStream trace) {
        this.tracker = tracker;
        this.trace = trace;
    }

    public static void main(String[] args) {
        int aggregates = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
        SequenceTracker tracker = new SequenceTrackerService(DomainRegistry.seedDefaults(), InMemorySequenceStore.create());
        ShuffledStreamExample example = new ShuffledStreamExample(tracker, System.out);
        List<TrackedEvent> stream = shuffledStreamWithDuplicates(aggregates, events, seed);
        System.out.printf("seqtrack example: %d user_account aggregates x %d events, duplicated and shuffled (seed %d),%n"
                + "plus chat messages (domain 'chat' is DISABLED: passed through untracked)%n%n", aggregates, events, seed);
        stream.forEach(example::submit);
        example.report(System.out);
    }

    /** Every aggregate's events 1..n, about a third of them twice, plus some chat messages; then shuffled. */
    static List<TrackedEvent> shuffledStreamWithDuplicates(int aggregates, int events, long seed) {
        Random random = new Random(seed);
        List<TrackedEvent> stream = new ArrayList<>();
        for (int a = 1; a <= aggregates; a++) {
            for (long seq = 1; seq <= events; seq++) {
                TrackedEvent event = TrackedEvent.of("user_account", "u-" + a, seq);
                stream.add(event);
                if (random.nextInt(3) == 0) {
                    stream.add(event);
                }
            }
        }
        for (int m = 1; m <= aggregates; m++) {
            stream.add(TrackedEvent.of("chat", "room-" + m, m));
        }
        Collections.shuffle(stream, random);
        return stream;
    }

    void submit(TrackedEvent event) {
        received++;
        AggregateKey key = AggregateKey.of(event.domain(), event.aggregateId());
        ClaimDecision claim = tracker.claim(event, "example-worker");
        switch (claim.status()) {
            case CLAIMED -> {
                handle(key, claim);
                drainWaiting(key);
            }
            case DUPLICATE -> {
                duplicates++;
                trace.printf("  %-16s #%-3d duplicate (last committed %d): skipped%n", key, claim.sequence(),
                        claim.lastCommitted());
            }
            case GAP -> {
                if (waiting.computeIfAbsent(key, k -> new TreeMap<>()).putIfAbsent(claim.sequence(), event) != null) {
                    duplicates++;
                    trace.printf("  %-16s #%-3d duplicate of a buffered event: skipped%n", key, claim.sequence());
                    return;
                }
                buffered++;
                trace.printf("  %-16s #%-3d early (waiting for #%d): buffered%n", key, claim.sequence(),
                        claim.lastCommitted() + 1);
            }
            case BUSY -> throw new IllegalStateException("single worker cannot be busy: " + claim);
        }
    }

    private void handle(AggregateKey key, ClaimDecision claim) {
        if (!claim.mode().usesStore()) {
            passedThrough++;
        }
        // the "handler": here it only records the order; a real one writes, fenced by claim.fencingToken()
        handled.computeIfAbsent(key, k -> new ArrayList<>()).add(claim.sequence());
        CommitResult commit = tracker.commit(claim);
        if (commit != CommitResult.COMMITTED) {
            throw new IllegalStateException("commit of " + key + " #" + claim.sequence() + " answered " + commit);
        }
    }

    /** Re-submits buffered successors of a committed event, in order, as long as they fit. */
    private void drainWaiting(AggregateKey key) {
        TreeMap<Long, TrackedEvent> queue = waiting.get(key);
        while (queue != null && !queue.isEmpty()) {
            TrackedEvent next = queue.firstEntry().getValue();
            ClaimDecision claim = tracker.claim(next, "example-worker");
            if (!claim.claimed()) {
                if (claim.status() == io.seqtrack.core.port.out.ClaimStatus.DUPLICATE) {
                    queue.pollFirstEntry();
                    continue;
                }
                return;
            }
            queue.pollFirstEntry();
            trace.printf("  %-16s #%-3d gap filled: released from the buffer%n", key, claim.sequence());
            handle(key, claim);
        }
    }

    /** Counts, for the report and for tests. */
    Summary summary() {
        int stillWaiting = waiting.values().stream().mapToInt(Map::size).sum();
        int handledCount = handled.values().stream().mapToInt(List::size).sum();
        return new Summary(received, handledCount, duplicates, buffered, stillWaiting, passedThrough, handled);
    }

    void report(PrintStream out) {
        Summary s = summary();
        out.printf("%nreceived      %4d events%n", s.received());
        out.printf("handled       %4d (each exactly once, in sequence order per aggregate: %s)%n", s.handled(),
                s.inOrderPerAggregate() ? "yes" : "NO");
        out.printf("duplicates    %4d skipped, never handed to the handler%n", s.duplicates());
        out.printf("early events  %4d buffered, %d still waiting for a gap to fill%n", s.buffered(), s.stillWaiting());
        out.printf("chat messages %4d passed through untracked%n%n", s.passedThrough());
        s.handledByAggregate().forEach((key, seqs) -> out.printf("  %-16s handled %s%n", key, seqs));
    }

    record Summary(int received, int handled, int duplicates, int buffered, int stillWaiting, int passedThrough,
            Map<AggregateKey, List<Long>> handledByAggregate) {

        boolean inOrderPerAggregate() {
            return handledByAggregate.entrySet().stream()
                    .filter(e -> e.getKey().domain().equals("user_account"))
                    .allMatch(e -> {
                        List<Long> seqs = e.getValue();
                        for (int i = 0; i < seqs.size(); i++) {
                            if (seqs.get(i) != i + 1) {
                                return false;
                            }
                        }
                        return true;
                    });
        }
    }
}
