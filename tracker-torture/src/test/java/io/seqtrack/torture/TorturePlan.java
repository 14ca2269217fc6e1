package io.seqtrack.torture;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The ground truth of one torture run: which aggregates exist, which sequences each has, which one is missing for
 * good (a permanent gap), and the deliveries a broker would make — every event at least once, some twice, in an order
 * shuffled across aggregates and locally within one.
 *
 * <p>Two domains, alternating: {@value #PARK} (gap policy PARK) and {@value #SKIP} (gap policy SKIP). One aggregate in
 * four has a permanent gap (as many in each domain), never at its first or last sequence.
 */
record TorturePlan(Map<String, Aggregate> aggregates, List<Delivery> deliveries) {

    static final String PARK = "torture_park";
    static final String SKIP = "torture_skip";

    /** One aggregate of the plan. {@code missing} is 0 when it has no permanent gap. */
    record Aggregate(String domain, String id, int events, long missing) {

        String key() {
            return domain + "/" + id;
        }

        boolean exists(long seq) {
            return seq >= 1 && seq <= events && seq != missing;
        }

        boolean skips() {
            return SKIP.equals(domain);
        }
    }

    /** One delivery of one event. {@code id} is unique within the run; the same event may be delivered again. */
    record Delivery(String id, String domain, String aggregateId, long seq) {

        String line() {
            return id + " " + domain + " " + aggregateId + " " + seq;
        }

        static Delivery parse(String line) {
            String[] f = line.split(" ");
            return new Delivery(f[0], f[1], f[2], Long.parseLong(f[3]));
        }

        Delivery withId(String newId) {
            return new Delivery(newId, domain, aggregateId, seq);
        }

        String key() {
            return domain + "/" + aggregateId;
        }
    }

    static TorturePlan generate(long seed, int aggregateCount, int eventsPerAggregate, double duplicateRate) {
        if (eventsPerAggregate < 4) {
            throw new IllegalArgumentException("eventsPerAggregate must be >= 4, was " + eventsPerAggregate);
        }
        Random random = new Random(seed);
        Map<String, Aggregate> aggregates = new LinkedHashMap<>();
        List<List<Long>> streams = new ArrayList<>();
        List<Aggregate> order = new ArrayList<>();
        for (int a = 0; a < aggregateCount; a++) {
            String domain = a % 2 == 0 ? PARK : SKIP;
            long missing = a % 8 == 2 || a % 8 == 3 ? 2 + random.nextInt(eventsPerAggregate - 2) : 0;
            Aggregate aggregate = new Aggregate(domain, String.format("agg-%05d", a), eventsPerAggregate, missing);
            aggregates.put(aggregate.key(), aggregate);
            List<Long> stream = new ArrayList<>();
            for (long s = 1; s <= eventsPerAggregate; s++) {
                if (s == missing) {
                    continue;
                }
                stream.add(s);
                if (random.nextDouble() < duplicateRate) {
                    stream.add(s);
                }
            }
            for (int i = 0; i + 1 < stream.size(); i++) {
                if (random.nextDouble() < 0.15) {
                    Collections.swap(stream, i, i + 1); // out of order by one
                }
            }
            streams.add(stream);
            order.add(aggregate);
        }
        List<Delivery> deliveries = new ArrayList<>();
        int[] next = new int[streams.size()];
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) {
            open.add(i);
        }
        int n = 0;
        while (!open.isEmpty()) {
            int pick = random.nextInt(open.size());
            int a = open.get(pick);
            Aggregate aggregate = order.get(a);
            deliveries.add(new Delivery("d" + n++, aggregate.domain(), aggregate.id(), streams.get(a).get(next[a]++)));
            if (next[a] == streams.get(a).size()) {
                open.remove(pick);
            }
        }
        return new TorturePlan(Collections.unmodifiableMap(aggregates), List.copyOf(deliveries));
    }

    int distinctEvents() {
        return aggregates.values().stream().mapToInt(a -> a.missing() == 0 ? a.events() : a.events() - 1).sum();
    }
}
