package io.seqtrack.core.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * {@link SequenceRules#classify}, applied repeatedly with "advance last on IN_ORDER", against reference models that
 * are phrased differently from the rule: sets of accepted sequences instead of a single counter.
 */
class SequenceRulesProperties {

    /** One delivery of an event: which aggregate (0..2) and which sequence it carries. */
    record Event(int aggregate, long seq) {
    }

    // ------------------------------------------------------------------------------------------------ STRICT

    @Property
    void strict_classifyAgreesWithTheSetModelOnEveryVerdict(@ForAll("streams") List<Event> events) {
        List<Verdict> byRule = classifyAll(events, TrackingMode.STRICT);

        // Reference model: per aggregate, the set of sequences handled so far.
        Map<Integer, Set<Long>> handled = new HashMap<>();
        List<Verdict> byModel = new ArrayList<>();
        for (Event e : events) {
            Set<Long> done = handled.computeIfAbsent(e.aggregate(), a -> new HashSet<>());
            Verdict v;
            if (done.contains(e.seq())) {
                v = Verdict.DUPLICATE;
            } else if (LongStream.range(1, e.seq()).allMatch(done::contains)) {
                v = Verdict.IN_ORDER;
                done.add(e.seq());
            } else {
                v = Verdict.GAP;
            }
            byModel.add(v);
        }

        assertThat(byRule).as("verdicts for %s", events).isEqualTo(byModel);
    }

    @Property
    void strict_inOrderEventsAreOneToNInOrderEachOnce(@ForAll("streams") List<Event> events) {
        List<Verdict> verdicts = classifyAll(events, TrackingMode.STRICT);

        Map<Integer, List<Long>> inOrder = inOrderPerAggregate(events, verdicts);
        for (List<Long> handled : inOrder.values()) {
            assertThat(handled).isEqualTo(LongStream.rangeClosed(1, handled.size()).boxed().toList());
        }
        // every duplicate repeats a sequence handled before it, every gap is beyond the next expected one
        Map<Integer, Set<Long>> seen = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            Set<Long> done = seen.computeIfAbsent(e.aggregate(), a -> new HashSet<>());
            switch (verdicts.get(i)) {
                case DUPLICATE -> assertThat(done).contains(e.seq());
                case GAP -> assertThat(e.seq()).isGreaterThan(done.size() + 1L);
                case IN_ORDER -> assertThat(done.add(e.seq())).isTrue();
            }
        }
    }

    /**
     * What the processor does: a GAP event is buffered and offered again after every IN_ORDER one. Then the handled
     * events are exactly 1..k, where k is the longest run 1, 2, ..., k among the delivered sequences.
     */
    @Property
    void strict_withGapsRetriedTheHandledEventsAreExactlyTheContiguousPrefix(@ForAll("streams") List<Event> events) {
        Map<Integer, Long> last = new HashMap<>();
        Map<Integer, List<Long>> handled = new HashMap<>();
        Map<Integer, List<Long>> pending = new HashMap<>();
        for (Event e : events) {
            int a = e.aggregate();
            List<Long> buffer = pending.computeIfAbsent(a, x -> new ArrayList<>());
            buffer.add(e.seq());
            boolean progressed = true;
            while (progressed) {
                progressed = false;
                for (var it = buffer.iterator(); it.hasNext(); ) {
                    long seq = it.next();
                    long l = last.getOrDefault(a, 0L);
                    Verdict v = SequenceRules.classify(l, seq, TrackingMode.STRICT);
                    if (v == Verdict.GAP) {
                        continue;
                    }
                    it.remove();
                    if (v == Verdict.IN_ORDER) {
                        last.put(a, seq);
                        handled.computeIfAbsent(a, x -> new ArrayList<>()).add(seq);
                        progressed = true;
                    }
                }
            }
        }

        Map<Integer, Set<Long>> delivered = events.stream().collect(Collectors.groupingBy(Event::aggregate,
                Collectors.mapping(Event::seq, Collectors.toSet())));
        for (var entry : delivered.entrySet()) {
            long k = 0;
            while (entry.getValue().contains(k + 1)) {
                k++;
            }
            assertThat(handled.getOrDefault(entry.getKey(), List.of()))
                    .as("aggregate %s, delivered %s", entry.getKey(), new TreeSet<>(entry.getValue()))
                    .isEqualTo(LongStream.rangeClosed(1, k).boxed().toList());
            long contiguous = k;
            assertThat(pending.getOrDefault(entry.getKey(), List.of()))
                    .as("still waiting: only events beyond the first missing sequence")
                    .allMatch(seq -> seq > contiguous + 1);
        }
    }

    // ------------------------------------------------------------------------------------------------ MONOTONIC

    @Property
    void monotonic_classifyAgreesWithTheHighWatermarkModel(@ForAll("streams") List<Event> events) {
        List<Verdict> byRule = classifyAll(events, TrackingMode.MONOTONIC);

        // Reference model: an event is accepted unless some accepted event of its aggregate was at least as high.
        Map<Integer, List<Long>> accepted = new HashMap<>();
        List<Verdict> byModel = new ArrayList<>();
        for (Event e : events) {
            List<Long> acc = accepted.computeIfAbsent(e.aggregate(), a -> new ArrayList<>());
            if (acc.stream().anyMatch(a -> a >= e.seq())) {
                byModel.add(Verdict.DUPLICATE);
            } else {
                byModel.add(Verdict.IN_ORDER);
                acc.add(e.seq());
            }
        }

        assertThat(byRule).as("verdicts for %s", events).isEqualTo(byModel).doesNotContain(Verdict.GAP);
    }

    @Property
    void monotonic_acceptedSequenceIsStrictlyIncreasingAndIsTheRunOfRecordHighs(@ForAll("streams") List<Event> events) {
        List<Verdict> verdicts = classifyAll(events, TrackingMode.MONOTONIC);
        Map<Integer, List<Long>> accepted = inOrderPerAggregate(events, verdicts);

        Map<Integer, List<Long>> recordHighs = new HashMap<>();
        Map<Integer, Long> highest = new HashMap<>();
        for (Event e : events) {
            if (e.seq() > highest.getOrDefault(e.aggregate(), 0L)) {
                highest.put(e.aggregate(), e.seq());
                recordHighs.computeIfAbsent(e.aggregate(), a -> new ArrayList<>()).add(e.seq());
            }
        }

        assertThat(accepted).isEqualTo(recordHighs);
        for (List<Long> acc : accepted.values()) {
            for (int i = 1; i < acc.size(); i++) {
                assertThat(acc.get(i)).isGreaterThan(acc.get(i - 1));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ DISABLED

    @Property
    void disabled_everyDeliveryIsInOrder(@ForAll("streams") List<Event> events) {
        assertThat(classifyAll(events, TrackingMode.DISABLED)).allMatch(v -> v == Verdict.IN_ORDER);
    }

    // ------------------------------------------------------------------------------------------------ full range

    /** Over the whole {@code long} range, compared with exact arithmetic, so that {@code last + 1} cannot overflow. */
    @Property
    void classifyAgreesWithExactArithmetic(@ForAll @LongRange(min = 0) long last,
            @ForAll @IntRange(min = -3, max = 3) int delta, @ForAll TrackingMode mode) {
        BigInteger exactSeq = BigInteger.valueOf(last).add(BigInteger.valueOf(delta));
        Assume.that(exactSeq.signum() > 0 && exactSeq.bitLength() < 64);
        long seq = exactSeq.longValueExact();

        BigInteger next = BigInteger.valueOf(last).add(BigInteger.ONE);
        Verdict expected;
        if (mode == TrackingMode.DISABLED) {
            expected = Verdict.IN_ORDER;
        } else if (exactSeq.compareTo(BigInteger.valueOf(last)) <= 0) {
            expected = Verdict.DUPLICATE;
        } else if (mode == TrackingMode.MONOTONIC || exactSeq.equals(next)) {
            expected = Verdict.IN_ORDER;
        } else {
            expected = Verdict.GAP;
        }
        assertThat(SequenceRules.classify(last, seq, mode)).isEqualTo(expected);
    }

    @Property
    void anyValidInputGetsAVerdictAndAnyInvalidOneIsRejected(@ForAll long last, @ForAll long seq,
            @ForAll TrackingMode mode) {
        if (last < 0 || seq < 1) {
            org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                    .isThrownBy(() -> SequenceRules.classify(last, seq, mode))
                    .withMessageStartingWith(last < 0 ? "last" : "seq");
        } else {
            assertThat(SequenceRules.classify(last, seq, mode)).isNotNull();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The rule under test, applied as a store applies it: advance {@code last} on IN_ORDER. */
    private static List<Verdict> classifyAll(List<Event> events, TrackingMode mode) {
        Map<Integer, Long> last = new HashMap<>();
        List<Verdict> verdicts = new ArrayList<>();
        for (Event e : events) {
            Verdict v = SequenceRules.classify(last.getOrDefault(e.aggregate(), 0L), e.seq(), mode);
            if (v == Verdict.IN_ORDER) {
                last.put(e.aggregate(), e.seq());
            }
            verdicts.add(v);
        }
        return verdicts;
    }

    private static Map<Integer, List<Long>> inOrderPerAggregate(List<Event> events, List<Verdict> verdicts) {
        Map<Integer, List<Long>> result = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            if (verdicts.get(i) == Verdict.IN_ORDER) {
                result.computeIfAbsent(events.get(i).aggregate(), a -> new ArrayList<>()).add(events.get(i).seq());
            }
        }
        return result;
    }

    /**
     * Deliveries for up to three aggregates: either random noise, or each aggregate's sequences 1..n (sometimes with
     * some missing) plus redeliveries and a few early ones beyond n, interleaved and usually shuffled.
     */
    @Provide
    Arbitrary<List<Event>> streams() {
        Arbitrary<List<Event>> noise = Combinators
                .combine(Arbitraries.integers().between(0, 2), Arbitraries.longs().between(1, 12))
                .as(Event::new)
                .list().ofMaxSize(60);
        Arbitrary<List<Event>> redelivered = Combinators
                .combine(aggregateStream(0), aggregateStream(1), aggregateStream(2))
                .as((a, b, c) -> {
                    List<Event> all = new ArrayList<>(a);
                    all.addAll(b);
                    all.addAll(c);
                    return all;
                })
                // the combined edge cases would crowd out random samples; the noise arm keeps its own (empty, single)
                .withoutEdgeCases();
        Arbitrary<List<Event>> shuffled = redelivered.flatMap(Arbitraries::shuffle);
        return Arbitraries.frequencyOf(
                Tuple.of(1, noise),
                Tuple.of(1, redelivered),
                Tuple.of(3, shuffled));
    }

    private static Arbitrary<List<Event>> aggregateStream(int aggregate) {
        return Arbitraries.integers().between(0, 15).flatMap(n -> {
            List<Long> range = LongStream.rangeClosed(1, n).boxed().toList();
            Arbitrary<List<Long>> base = Arbitraries.frequencyOf(
                    Tuple.of(3, Arbitraries.just(range)),
                    Tuple.of(1, Arbitraries.subsetOf(range).map(s -> new ArrayList<>(new TreeSet<>(s)))));
            Arbitrary<List<Long>> redeliveries = Arbitraries.longs().between(1, n + 3L).list().ofMaxSize(10);
            return Combinators.combine(base, redeliveries).as((b, r) -> {
                List<Event> events = new ArrayList<>();
                b.forEach(seq -> events.add(new Event(aggregate, seq)));
                r.forEach(seq -> events.add(new Event(aggregate, seq)));
                return events;
            });
        });
    }
}
