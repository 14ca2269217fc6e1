package io.seqtrack.cli;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Generates a synthetic stream the way a broker delivers one: per aggregate the sequences {@code 1..N} (in the
 * domain's numbering), of which a fraction is never delivered (permanent gaps), some are delivered twice (duplicates)
 * and some are displaced a few places later (reordered); the aggregates' streams are then interleaved, a few dozen
 * aggregates active at a time, like a partition of a topic. The same seed gives the same stream.
 *
 * <p>Why a bounded active set: a displaced event then arrives a few hundred deliveries after its successor, i.e. well
 * within the gap timeout, so it fills its gap instead of arriving after the gap was skipped. (Interleaving all
 * aggregates at once would spread an aggregate's events over the whole run.)
 */
final class SimulationGenerator {

    /** How many of the aggregate's own deliveries a displaced event arrives late by, at most. */
    static final int REORDER_WINDOW = 3;
    /** How many of the aggregate's own deliveries a duplicate copy arrives after the original, at most. */
    static final int DUPLICATE_WINDOW = 5;
    /** Aggregates whose events are interleaved at any moment of the stream. */
    static final int ACTIVE_AGGREGATES = 32;

    private final int aggregates;
    private final int eventsPerAggregate;
    private final double duplicateRate;
    private final double reorderRate;
    private final double gapRate;
    private final long seed;

    SimulationGenerator(int aggregates, int eventsPerAggregate, double duplicateRate, double reorderRate,
            double gapRate, long seed) {
        this.aggregates = aggregates;
        this.eventsPerAggregate = eventsPerAggregate;
        this.duplicateRate = duplicateRate;
        this.reorderRate = reorderRate;
        this.gapRate = gapRate;
        this.seed = seed;
    }

    /**
     * Generates the stream.
     *
     * @param domain        the domain of every event
     * @param firstSequence the domain's first sequence (0 or 1); offsets count from it
     * @param idPrefix      aggregate ids are {@code idPrefix + index}
     */
    SimulationPlan generate(String domain, long firstSequence, String idPrefix) {
        SplittableRandom random = new SplittableRandom(seed);
        BitSet[] delivered = new BitSet[aggregates];
        int[][] streams = new int[aggregates][];
        long duplicates = 0;
        long displaced = 0;
        for (int a = 0; a < aggregates; a++) {
            AggregateStream stream = aggregateStream(random.split());
            delivered[a] = stream.delivered;
            streams[a] = stream.offsets;
            duplicates += stream.duplicates;
            displaced += stream.displaced;
        }
        int total = 0;
        for (int[] s : streams) {
            total += s.length;
        }
        int[] deliveryAggregate = new int[total];
        int[] deliveryOffset = new int[total];
        interleave(streams, random.split(), deliveryAggregate, deliveryOffset);
        return new SimulationPlan(domain, firstSequence, eventsPerAggregate, idPrefix, delivered, deliveryAggregate,
                deliveryOffset, duplicates, displaced);
    }

    /** One aggregate's deliveries, in arrival order, as offsets. */
    private record AggregateStream(BitSet delivered, int[] offsets, long duplicates, long displaced) {
    }

    private AggregateStream aggregateStream(SplittableRandom random) {
        BitSet delivered = new BitSet(eventsPerAggregate);
        int[] offsets = new int[eventsPerAggregate];
        int n = 0;
        for (int offset = 0; offset < eventsPerAggregate; offset++) {
            if (random.nextDouble() >= gapRate) {
                delivered.set(offset);
                offsets[n++] = offset;
            }
        }
        // each delivery gets an arrival key; sorting by it gives the arrival order. In place = its rank; displaced =
        // a few ranks later (the last one: earlier); a duplicate copy = a few ranks after the original.
        double[] keys = new double[n * 2];
        int[] keyed = new int[n * 2];
        int m = 0;
        long duplicates = 0;
        long displaced = 0;
        for (int rank = 0; rank < n; rank++) {
            double key = rank;
            if (n > 1 && random.nextDouble() < reorderRate) {
                int by = 1 + random.nextInt(REORDER_WINDOW);
                key = rank < n - 1 ? rank + by + 0.5 : rank - by - 0.5;
                displaced++;
            }
            keys[m] = key;
            keyed[m++] = offsets[rank];
            if (random.nextDouble() < duplicateRate) {
                keys[m] = key + 1 + random.nextInt(DUPLICATE_WINDOW) + 0.25;
                keyed[m++] = offsets[rank];
                duplicates++;
            }
        }
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(keys[x], keys[y])); // stable: ties keep generation order
        int[] arrival = new int[m];
        for (int i = 0; i < m; i++) {
            arrival[i] = keyed[order[i]];
        }
        return new AggregateStream(delivered, arrival, duplicates, displaced);
    }

    /** Merges the aggregates' streams: a random one of the active aggregates delivers next. */
    private static void interleave(int[][] streams, SplittableRandom random, int[] deliveryAggregate,
            int[] deliveryOffset) {
        int[] active = new int[Math.min(ACTIVE_AGGREGATES, streams.length)];
        int[] cursor = new int[streams.length];
        int activeCount = 0;
        int nextAggregate = 0;
        int out = 0;
        while (true) {
            while (activeCount < active.length && nextAggregate < streams.length) {
                if (streams[nextAggregate].length > 0) {
                    active[activeCount++] = nextAggregate;
                }
                nextAggregate++;
            }
            if (activeCount == 0) {
                return;
            }
            int slot = random.nextInt(activeCount);
            int aggregate = active[slot];
            deliveryAggregate[out] = aggregate;
            deliveryOffset[out++] = streams[aggregate][cursor[aggregate]++];
            if (cursor[aggregate] == streams[aggregate].length) {
                active[slot] = active[--activeCount];
            }
        }
    }
}
