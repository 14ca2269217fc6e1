package io.seqtrack.benchmarks;

import io.seqtrack.processor.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates the processor benchmark's input: a stream over {@code aggregates} aggregates (round-robin) that continues
 * their sequences from one chunk to the next, where about {@code duplicateRate} of the events are re-deliveries of an
 * event already sent and about {@code reorderRate} arrive as a swapped adjacent pair ({@code n+1} before {@code n},
 * so the first of them is buffered as a gap and drained when the second arrives). Every gap closes within the chunk.
 */
final class EventStream {

    private static final byte[] PAYLOAD = new byte[32];

    private final String domain;
    private final String[] ids;
    private final long[] lastSent;
    private final double duplicateRate;
    private final double reorderRate;
    private final SplittableRandom random;
    private int position;
    private long eventCounter;

    EventStream(String domain, int aggregates, double duplicateRate, double reorderRate, long seed) {
        this.domain = domain;
        this.ids = new String[aggregates];
        for (int i = 0; i < aggregates; i++) {
            ids[i] = "agg-" + i;
        }
        this.lastSent = new long[aggregates];
        this.duplicateRate = duplicateRate;
        this.reorderRate = reorderRate;
        this.random = new SplittableRandom(seed);
    }

    /** The next {@code size} events. */
    Chunk next(int size) {
        List<Event> events = new ArrayList<>(size);
        int fresh = 0;
        while (events.size() < size) {
            int a = position;
            position = position + 1 == ids.length ? 0 : position + 1;
            double r = random.nextDouble();
            if (r < duplicateRate && lastSent[a] > 0) {
                // a re-delivery of an event already sent for this aggregate
                long seq = 1 + random.nextLong(lastSent[a]);
                events.add(event(a, seq, "dup"));
            } else if (r < duplicateRate + reorderRate * 0.5 && events.size() + 2 <= size) {
                // a swapped pair stands for two reordered events, hence half the rate
                long first = lastSent[a] + 1;
                events.add(event(a, first + 1, "e"));
                events.add(event(a, first, "e"));
                lastSent[a] = first + 1;
                fresh += 2;
            } else {
                long seq = ++lastSent[a];
                events.add(event(a, seq, "e"));
                fresh++;
            }
        }
        return new Chunk(events, fresh);
    }

    private Event event(int aggregate, long seq, String kind) {
        return Event.of(kind + "-" + (eventCounter++), domain, ids[aggregate], seq, "BenchEvent", PAYLOAD);
    }

    /** A chunk of the stream and how many of its events are new (must reach the handler). */
    record Chunk(List<Event> events, int fresh) {
    }
}
