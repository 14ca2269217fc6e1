package io.seqtrack.torture;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The ground truth of one torture run: which aggregates exist, which sequences each has, which one is missing for
 * good (a permanent gap), and the deliveries a broker would make — every event at least once, some twice, in an order
 * shuffled across aggregates and locally within one.
 *
 * <p>Two domains, alternating: {@value #PARK} (gap policy PARK) and {@value #SKIP} (gap policy SKIP). One aggregate in
 * four has a permanent gap (as many in each domain), never at its first or last sequence.
 */
record TorturePlan(Map<String, Aggregate> aggregates, List<Delivery> deliveries) {

    /** What a handler of one (aggregate, sequence) must receive: the event's id and a hash of its payload. */
    record Expected(String eventId, String payloadHash) {
    }

    /** The hash a handler run records and the checker compares: CRC32 of the payload bytes, 8 hex digits. */
    static String payloadHash(byte[] payload) {
        CRC32 crc = new CRC32();
        crc.update(payload);
        return String.format("%08x", crc.getValue());
    }

    /** The expected event per {@code key#seq}, from the deliveries (every delivery of one event carries the same). */
    Map<String, Expected> expectedEvents() {
        Map<String, Expected> expected = new HashMap<>();
        for (Delivery d : deliveries) {
            Expected e = new Expected(d.eventId(), payloadHash(d.payload()));
            Expected before = expected.putIfAbsent(d.key() + "#" + d.seq(), e);
            if (before != null && !before.equals(e)) {
                throw new IllegalStateException("plan delivers two different events as " + d.key() + "#" + d.seq());
            }
        }
        return expected;
    }

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

    /**
     * One delivery of one event. {@code id} is the broker's delivery tag, unique within the run (acks name it); the
     * same event may be delivered again under another tag. {@code eventId} and {@code payloadHex} are the event's own
     * identity and bytes: every delivery of one (aggregate, sequence) carries the same ones.
     */
    record Delivery(String id, String domain, String aggregateId, long seq, String eventId, String payloadHex) {

        String line() {
            return id + " " + domain + " " + aggregateId + " " + seq + " " + eventId + " "
                    + (payloadHex.isEmpty() ? "-" : payloadHex);
        }

        static Delivery parse(String line) {
            String[] f = line.split(" ");
            return new Delivery(f[0], f[1], f[2], Long.parseLong(f[3]), f[4], "-".equals(f[5]) ? "" : f[5]);
        }

        Delivery withId(String newId) {
            return new Delivery(newId, domain, aggregateId, seq, eventId, payloadHex);
        }

        byte[] payload() {
            return HexFormat.of().parseHex(payloadHex);
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
        // a second stream for ids and payloads, so the delivery order of a seed is what it was before they existed
        Random content = new Random(~seed);
        Map<String, String[]> events = new HashMap<>();
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
            long seq = streams.get(a).get(next[a]++);
            // random bytes of random length (0..48, any byte value): what a real payload looks like to the buffer codec
            String[] event = events.computeIfAbsent(aggregate.key() + "#" + seq, k -> {
                byte[] payload = new byte[content.nextInt(49)];
                content.nextBytes(payload);
                return new String[] {String.format("e%016x", content.nextLong()), HexFormat.of().formatHex(payload)};
            });
            deliveries.add(new Delivery("d" + n++, aggregate.domain(), aggregate.id(), seq, event[0], event[1]));
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
